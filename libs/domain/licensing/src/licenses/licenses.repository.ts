import { Injectable } from '@nestjs/common';
import { afterTenantCursor, isUniqueViolation, License, TenantPrisma, TenantTransaction } from '@leasehold/db';
import { DomainError } from '@leasehold/errors';
import { ContainerKind, LicenseSettings, LicenseStatus, LicenseView, LicenseWithProductView } from '../licensing.types';

export const toLicenseView = (l: License): LicenseView => ({
  id: l.id,
  containerId: l.containerId,
  productId: l.productId,
  purchaseId: l.purchaseId,
  features: l.features,
  quantity: l.quantity,
  validFrom: l.validFrom,
  expiresAt: l.expiresAt,
  status: l.status,
  revision: l.revision,
  leaseTtlSeconds: l.leaseTtlSeconds,
  heartbeatIntervalSeconds: l.heartbeatIntervalSeconds,
  borrowAllowed: l.borrowAllowed,
  maxBorrowDays: l.maxBorrowDays,
  offlinePeriodDays: l.offlinePeriodDays,
  maxDeactivationsPer30Days: l.maxDeactivationsPer30Days,
  renewalPolicy: l.renewalPolicy,
  renewalTermDays: l.renewalTermDays,
  externalId: l.externalId,
  createdAt: l.createdAt,
  updatedAt: l.updatedAt,
});

export type LicenseChange = Partial<LicenseSettings> & {
  features?: string[];
  quantity?: number;
  validFrom?: Date;
  expiresAt?: Date | null;
  status?: LicenseStatus;
};

export type LicenseData = LicenseChange & {
  containerId: string;
  productId: string;
  purchaseId: string | null;
  features: string[];
  quantity: number;
  validFrom: Date;
  expiresAt: Date | null;
  externalId: string | null;
};

/** Licenses of the current vendor (tenant-scoped) and the facts their rules need. */
@Injectable()
export class LicensesRepository {
  constructor(private readonly db: TenantPrisma) {}

  transaction<T>(fn: (tx: TenantTransaction) => Promise<T>): Promise<T> {
    return this.db.client.$transaction(fn);
  }

  async create(tx: TenantTransaction, data: LicenseData): Promise<LicenseView> {
    try {
      return toLicenseView(await tx.license.create({ data: { ...data, vendorId: this.db.vendorId } }));
    } catch (error) {
      if (isUniqueViolation(error, 'externalId')) {
        throw new DomainError('CONFLICT', `A license with externalId "${String(data.externalId)}" already exists`, {
          externalId: data.externalId,
        });
      }
      throw error;
    }
  }

  async findById(id: string): Promise<LicenseView | null> {
    const row = await this.db.client.license.findUnique({ where: this.db.key(id) });
    return row ? toLicenseView(row) : null;
  }

  async listByContainer(containerId: string, filter: { take: number; cursor?: string }): Promise<LicenseView[]> {
    const rows = await this.db.client.license.findMany({
      where: { containerId },
      take: filter.take,
      ...afterTenantCursor(this.db.vendorId, filter.cursor),
    });
    return rows.map(toLicenseView);
  }

  async listAllByContainer(tx: TenantTransaction, containerId: string): Promise<LicenseView[]> {
    return (await tx.license.findMany({ where: { containerId }, orderBy: { id: 'asc' } })).map(toLicenseView);
  }

  /** Every license of these containers with its product, in one query (a page of containers at once). */
  async listWithProductByContainers(containerIds: string[]): Promise<LicenseWithProductView[]> {
    if (!containerIds.length) return [];
    const rows = await this.db.client.license.findMany({
      where: { containerId: { in: containerIds } },
      include: { product: { select: { id: true, code: true, name: true } } },
      orderBy: { id: 'asc' },
    });
    return rows.map((row) => ({ ...toLicenseView(row), product: row.product }));
  }

  /**
   * Locks the license row: changes of one license (and its quantity against its purchase) run one
   * after another. Raw SQL because Prisma has no SELECT … FOR UPDATE.
   */
  async lock(tx: TenantTransaction, id: string): Promise<LicenseView | null> {
    const rows = await tx.$queryRaw<{ id: string }[]>`
      SELECT id FROM licenses WHERE id = ${id}::uuid AND "vendorId" = ${this.db.vendorId}::uuid FOR UPDATE`;
    if (!rows.length) return null;
    return toLicenseView(await tx.license.findUniqueOrThrow({ where: this.db.key(id) }));
  }

  /** The purchase a license draws on (fixed when it is created), without locking. */
  async purchaseIdOf(tx: TenantTransaction, id: string): Promise<string | null> {
    return (await tx.license.findUnique({ where: this.db.key(id), select: { purchaseId: true } }))?.purchaseId ?? null;
  }

  /** Every change raises the revision by one, in the same statement. */
  async update(tx: TenantTransaction, id: string, data: LicenseChange): Promise<LicenseView> {
    return toLicenseView(
      await tx.license.update({ where: this.db.key(id), data: { ...data, revision: { increment: 1 } } }),
    );
  }

  async setStatus(tx: TenantTransaction, id: string, status: LicenseStatus): Promise<LicenseView> {
    return this.update(tx, id, { status });
  }

  async productFeatureCodes(tx: TenantTransaction, productId: string): Promise<string[] | null> {
    const product = await tx.product.findUnique({
      where: this.db.key(productId),
      select: { features: { select: { code: true } } },
    });
    return product ? product.features.map((f) => f.code) : null;
  }

  async containerFacts(
    tx: TenantTransaction,
    containerId: string,
  ): Promise<{ kind: ContainerKind; groupId: string | null; deviceLimit: number | null } | null> {
    return tx.container.findUnique({
      where: this.db.key(containerId),
      select: { kind: true, groupId: true, deviceLimit: true },
    });
  }

  /**
   * Locks the purchase row and sums the seats its other (not revoked) licenses hold. Every change
   * of a license drawing on the purchase takes this lock first, so concurrent splits are checked
   * one after another and never add up past the seats bought.
   */
  async lockPurchase(
    tx: TenantTransaction,
    purchaseId: string,
    exceptLicenseId: string | null,
  ): Promise<{ seats: number; groupId: string; productId: string; allocated: number } | null> {
    const rows = await tx.$queryRaw<{ seats: number; groupId: string; productId: string }[]>`
      SELECT seats, "groupId", "productId" FROM purchases
       WHERE id = ${purchaseId}::uuid AND "vendorId" = ${this.db.vendorId}::uuid
         FOR UPDATE`;
    const purchase = rows[0];
    if (!purchase) return null;
    const { _sum } = await tx.license.aggregate({
      where: { purchaseId, status: { not: 'REVOKED' }, ...(exceptLicenseId ? { id: { not: exceptLicenseId } } : {}) },
      _sum: { quantity: true },
    });
    return { ...purchase, allocated: _sum.quantity ?? 0 };
  }
}
