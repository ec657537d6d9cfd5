import { Injectable } from '@nestjs/common';
import { TenantTransaction } from '@leasehold/db';
import { AuditService } from '@leasehold/domain-audit';
import { DomainError } from '@leasehold/errors';
import { CatalogRepository } from './catalog.repository';
import { FeatureFilter, FeatureKind, FeatureView, ProductFilter, ProductView } from './catalog.types';

// A vendor's catalogue: products and their features (modules/options). Codes are the vendor's own
// identifiers (ERP article numbers): unique per vendor for products, per product for features.
// Every change is recorded in the audit trail in the transaction that makes it.

@Injectable()
export class CatalogService {
  constructor(
    private readonly catalog: CatalogRepository,
    private readonly audit: AuditService,
  ) {}

  listProducts(filter: ProductFilter): Promise<ProductView[]> {
    return this.catalog.listProducts(filter);
  }

  async getProduct(id: string): Promise<ProductView> {
    const product = await this.catalog.findProduct(id);
    if (!product) throw DomainError.notFound('Product', id);
    return product;
  }

  /** The product with this code (an ERP article number), read in the caller's transaction; null when unknown. */
  findProductByCodeIn(tx: TenantTransaction, code: string): Promise<ProductView | null> {
    return this.catalog.findProductByCode(code, tx);
  }

  createProduct(input: { code: string; name: string; description?: string | null }): Promise<ProductView> {
    return this.catalog.transaction(async (tx) => {
      const product = await this.catalog.createProduct(input, tx);
      await this.audit.record(tx, {
        action: 'product.created',
        entityType: 'product',
        entityId: product.id,
        after: product,
      });
      return product;
    });
  }

  updateProduct(
    id: string,
    input: { code?: string; name?: string; description?: string | null },
  ): Promise<ProductView> {
    return this.catalog.transaction(async (tx) => {
      const before = await this.catalog.findProduct(id, tx);
      const product = before && (await this.catalog.updateProduct(id, input, tx));
      if (!product) throw DomainError.notFound('Product', id);
      await this.audit.record(tx, {
        action: 'product.updated',
        entityType: 'product',
        entityId: id,
        before,
        after: product,
      });
      return product;
    });
  }

  deleteProduct(id: string): Promise<void> {
    return this.catalog.transaction(async (tx) => {
      const before = await this.catalog.findProduct(id, tx);
      if (!before || !(await this.catalog.deleteProduct(id, tx))) throw DomainError.notFound('Product', id);
      await this.audit.record(tx, { action: 'product.deleted', entityType: 'product', entityId: id, before });
    });
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
    return this.catalog.transaction(async (tx) => {
      const feature = await this.catalog.createFeature(productId, { ...input, kind: input.kind ?? 'MODULE' }, tx);
      await this.audit.record(tx, {
        action: 'feature.created',
        entityType: 'feature',
        entityId: feature.id,
        after: feature,
      });
      return feature;
    });
  }

  async updateFeature(
    productId: string,
    id: string,
    input: { code?: string; name?: string; kind?: FeatureKind; description?: string | null },
  ): Promise<FeatureView> {
    return this.catalog.transaction(async (tx) => {
      const before = await this.catalog.findFeature(productId, id, tx);
      const feature = before && (await this.catalog.updateFeature(productId, id, input, tx));
      if (!feature) throw DomainError.notFound('Feature', id);
      await this.audit.record(tx, {
        action: 'feature.updated',
        entityType: 'feature',
        entityId: id,
        before,
        after: feature,
      });
      return feature;
    });
  }

  deleteFeature(productId: string, id: string): Promise<void> {
    return this.catalog.transaction(async (tx) => {
      const before = await this.catalog.findFeature(productId, id, tx);
      if (!before || !(await this.catalog.deleteFeature(productId, id, tx))) throw DomainError.notFound('Feature', id);
      await this.audit.record(tx, { action: 'feature.deleted', entityType: 'feature', entityId: id, before });
    });
  }
}
