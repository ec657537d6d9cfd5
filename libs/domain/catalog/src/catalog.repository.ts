import { Injectable } from '@nestjs/common';
import {
  afterTenantCursor,
  Feature,
  isRecordNotFound,
  isUniqueViolation,
  Product,
  TenantPrisma,
  TenantTransaction,
} from '@leasehold/db';
import { DomainError } from '@leasehold/errors';
import { FeatureFilter, FeatureKind, FeatureView, ProductFilter, ProductView } from './catalog.types';

const toProduct = (p: Product): ProductView => ({
  id: p.id,
  code: p.code,
  name: p.name,
  description: p.description,
  createdAt: p.createdAt,
  updatedAt: p.updatedAt,
});

const toFeature = (f: Feature): FeatureView => ({
  id: f.id,
  productId: f.productId,
  code: f.code,
  name: f.name,
  kind: f.kind,
  description: f.description,
  createdAt: f.createdAt,
  updatedAt: f.updatedAt,
});

function searchWhere(search?: string) {
  return search
    ? {
        OR: [
          { code: { contains: search, mode: 'insensitive' as const } },
          { name: { contains: search, mode: 'insensitive' as const } },
        ],
      }
    : {};
}

/** Products and features of the current vendor (tenant-scoped). */
@Injectable()
export class CatalogRepository {
  constructor(private readonly db: TenantPrisma) {}

  /** Runs `fn` in one transaction, so a change and its audit entry commit together. */
  transaction<T>(fn: (tx: TenantTransaction) => Promise<T>): Promise<T> {
    return this.db.client.$transaction(fn);
  }

  async listProducts(filter: ProductFilter): Promise<ProductView[]> {
    const rows = await this.db.client.product.findMany({
      where: searchWhere(filter.search),
      take: filter.take,
      ...afterTenantCursor(this.db.vendorId, filter.cursor),
    });
    return rows.map(toProduct);
  }

  async findProduct(id: string, tx: TenantTransaction = this.db.client): Promise<ProductView | null> {
    const row = await tx.product.findUnique({ where: this.db.key(id) });
    return row ? toProduct(row) : null;
  }

  /** The vendor's product with this code (codes are unique per vendor). */
  async findProductByCode(code: string, tx: TenantTransaction = this.db.client): Promise<ProductView | null> {
    const row = await tx.product.findFirst({ where: { code } });
    return row ? toProduct(row) : null;
  }

  async createProduct(
    data: { code: string; name: string; description?: string | null },
    tx: TenantTransaction = this.db.client,
  ): Promise<ProductView> {
    try {
      return toProduct(await tx.product.create({ data: { ...data, vendorId: this.db.vendorId } }));
    } catch (error) {
      if (isUniqueViolation(error)) throw productCodeTaken(data.code);
      throw error;
    }
  }

  async updateProduct(
    id: string,
    data: { code?: string; name?: string; description?: string | null },
    tx: TenantTransaction = this.db.client,
  ): Promise<ProductView | null> {
    try {
      return toProduct(await tx.product.update({ where: this.db.key(id), data }));
    } catch (error) {
      if (isRecordNotFound(error)) return null;
      if (isUniqueViolation(error)) throw productCodeTaken(data.code ?? '');
      throw error;
    }
  }

  async deleteProduct(id: string, tx: TenantTransaction = this.db.client): Promise<boolean> {
    const { count } = await tx.product.deleteMany({ where: { id } });
    return count === 1;
  }

  async listFeatures(productId: string, filter: FeatureFilter): Promise<FeatureView[]> {
    const rows = await this.db.client.feature.findMany({
      where: { productId, ...(filter.kind ? { kind: filter.kind } : {}), ...searchWhere(filter.search) },
      take: filter.take,
      ...afterTenantCursor(this.db.vendorId, filter.cursor),
    });
    return rows.map(toFeature);
  }

  async findFeature(
    productId: string,
    id: string,
    tx: TenantTransaction = this.db.client,
  ): Promise<FeatureView | null> {
    const row = await tx.feature.findFirst({ where: { id, productId } });
    return row ? toFeature(row) : null;
  }

  async createFeature(
    productId: string,
    data: { code: string; name: string; kind: FeatureKind; description?: string | null },
    tx: TenantTransaction = this.db.client,
  ): Promise<FeatureView> {
    try {
      return toFeature(await tx.feature.create({ data: { ...data, productId, vendorId: this.db.vendorId } }));
    } catch (error) {
      if (isUniqueViolation(error)) throw featureCodeTaken(data.code);
      throw error;
    }
  }

  async updateFeature(
    productId: string,
    id: string,
    data: { code?: string; name?: string; kind?: FeatureKind; description?: string | null },
    tx: TenantTransaction = this.db.client,
  ): Promise<FeatureView | null> {
    try {
      const { count } = await tx.feature.updateMany({ where: { id, productId }, data });
      return count ? this.findFeature(productId, id, tx) : null;
    } catch (error) {
      if (isUniqueViolation(error)) throw featureCodeTaken(data.code ?? '');
      throw error;
    }
  }

  async deleteFeature(productId: string, id: string, tx: TenantTransaction = this.db.client): Promise<boolean> {
    const { count } = await tx.feature.deleteMany({ where: { id, productId } });
    return count === 1;
  }
}

function productCodeTaken(code: string) {
  return new DomainError('PRODUCT_CODE_TAKEN', `A product with code "${code}" already exists`, { code });
}

function featureCodeTaken(code: string) {
  return new DomainError('FEATURE_CODE_TAKEN', `This product already has a feature with code "${code}"`, { code });
}
