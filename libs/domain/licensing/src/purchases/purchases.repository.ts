import { Injectable } from '@nestjs/common';
import { afterTenantCursor, isUniqueViolation, Purchase, TenantPrisma, TenantTransaction } from '@leasehold/db';
import { DomainError } from '@leasehold/errors';
import { PurchaseView } from '../licensing.types';

const toView = (p: Purchase, allocated: number): PurchaseView => ({
  id: p.id,
  groupId: p.groupId,
  productId: p.productId,
  seats: p.seats,
  allocated,
  externalId: p.externalId,
  createdAt: p.createdAt,
  updatedAt: p.updatedAt,
});

/** Purchases of the current vendor (tenant-scoped), with the seats their licenses hold. */
@Injectable()
export class PurchasesRepository {
  constructor(private readonly db: TenantPrisma) {}

  transaction<T>(fn: (tx: TenantTransaction) => Promise<T>): Promise<T> {
    return this.db.client.$transaction(fn);
  }

  async create(
    tx: TenantTransaction,
    data: { groupId: string; productId: string; seats: number; externalId: string | null },
  ): Promise<PurchaseView> {
    try {
      return toView(await tx.purchase.create({ data: { ...data, vendorId: this.db.vendorId } }), 0);
    } catch (error) {
      if (isUniqueViolation(error, 'externalId')) {
        throw new DomainError('CONFLICT', `A purchase with externalId "${data.externalId}" already exists`, {
          externalId: data.externalId,
        });
      }
      throw error;
    }
  }

  /**
   * Locks the purchase row (the lock LicensesService takes before splitting it) and reads it with
   * the seats its licenses hold. Raw SQL because Prisma has no SELECT … FOR UPDATE.
   */
  async lock(tx: TenantTransaction, id: string): Promise<PurchaseView | null> {
    const rows = await tx.$queryRaw<{ id: string }[]>`
      SELECT id FROM purchases WHERE id = ${id}::uuid AND "vendorId" = ${this.db.vendorId}::uuid FOR UPDATE`;
    if (!rows.length) return null;
    const [view] = await this.withAllocation(await tx.purchase.findMany({ where: { id } }), tx);
    return view ?? null;
  }

  async setSeats(tx: TenantTransaction, id: string, seats: number, allocated: number): Promise<PurchaseView> {
    return toView(await tx.purchase.update({ where: this.db.key(id), data: { seats } }), allocated);
  }

  async groupExists(tx: TenantTransaction, id: string): Promise<boolean> {
    return (await tx.group.count({ where: { id } })) === 1;
  }

  async productExists(tx: TenantTransaction, id: string): Promise<boolean> {
    return (await tx.product.count({ where: { id } })) === 1;
  }

  async findById(id: string): Promise<PurchaseView | null> {
    const [view] = await this.withAllocation(await this.db.client.purchase.findMany({ where: { id } }));
    return view ?? null;
  }

  async list(filter: { groupId?: string; productId?: string; take: number; cursor?: string }): Promise<PurchaseView[]> {
    const rows = await this.db.client.purchase.findMany({
      where: {
        ...(filter.groupId ? { groupId: filter.groupId } : {}),
        ...(filter.productId ? { productId: filter.productId } : {}),
      },
      take: filter.take,
      ...afterTenantCursor(this.db.vendorId, filter.cursor),
    });
    return this.withAllocation(rows);
  }

  /** One grouped query for the whole page (no query per purchase). */
  private async withAllocation(rows: Purchase[], tx: TenantTransaction = this.db.client): Promise<PurchaseView[]> {
    if (!rows.length) return [];
    const sums = await tx.license.groupBy({
      by: ['purchaseId'],
      where: { purchaseId: { in: rows.map((r) => r.id) }, status: { not: 'REVOKED' } },
      _sum: { quantity: true },
    });
    const allocated = new Map(sums.map((s) => [s.purchaseId, s._sum.quantity ?? 0]));
    return rows.map((r) => toView(r, allocated.get(r.id) ?? 0));
  }
}
