import { Injectable } from '@nestjs/common';
import { DomainError } from '@leasehold/errors';
import { CatalogRepository } from './catalog.repository';
import { FeatureFilter, FeatureKind, FeatureView, ProductFilter, ProductView } from './catalog.types';

// A vendor's catalogue: products and their features (modules/options). Codes are the vendor's own
// identifiers (ERP article numbers): unique per vendor for products, per product for features.

@Injectable()
export class CatalogService {
  constructor(private readonly catalog: CatalogRepository) {}

  listProducts(filter: ProductFilter): Promise<ProductView[]> {
    return this.catalog.listProducts(filter);
  }

  async getProduct(id: string): Promise<ProductView> {
    const product = await this.catalog.findProduct(id);
    if (!product) throw DomainError.notFound('Product', id);
    return product;
  }

  createProduct(input: { code: string; name: string; description?: string | null }): Promise<ProductView> {
    return this.catalog.createProduct(input);
  }

  async updateProduct(id: string, input: { code?: string; name?: string; description?: string | null }): Promise<ProductView> {
    const product = await this.catalog.updateProduct(id, input);
    if (!product) throw DomainError.notFound('Product', id);
    return product;
  }

  async deleteProduct(id: string): Promise<void> {
    if (!(await this.catalog.deleteProduct(id))) throw DomainError.notFound('Product', id);
  }

  async listFeatures(productId: string, filter: FeatureFilter): Promise<FeatureView[]> {
    await this.getProduct(productId);
    return this.catalog.listFeatures(productId, filter);
  }

  async getFeature(productId: string, id: string): Promise<FeatureView> {
    const feature = await this.catalog.findFeature(productId, id);
    if (!feature) throw DomainError.notFound('Feature', id);
    return feature;
  }

  async createFeature(
    productId: string,
    input: { code: string; name: string; kind?: FeatureKind; description?: string | null },
  ): Promise<FeatureView> {
    await this.getProduct(productId);
    return this.catalog.createFeature(productId, { ...input, kind: input.kind ?? 'MODULE' });
  }

  async updateFeature(
    productId: string,
    id: string,
    input: { code?: string; name?: string; kind?: FeatureKind; description?: string | null },
  ): Promise<FeatureView> {
    const feature = await this.catalog.updateFeature(productId, id, input);
    if (!feature) throw DomainError.notFound('Feature', id);
    return feature;
  }

  async deleteFeature(productId: string, id: string): Promise<void> {
    if (!(await this.catalog.deleteFeature(productId, id))) throw DomainError.notFound('Feature', id);
  }
}
