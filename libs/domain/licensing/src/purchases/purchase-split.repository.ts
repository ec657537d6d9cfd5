import { Injectable } from '@nestjs/common';
import { TenantPrisma, TenantTransaction } from '@leasehold/db';
import { ContainerKind, LicenseView } from '../licensing.types';
import { toLicenseView } from '../licenses/licenses.repository';

/** The facts a seat move or a purchase total change reads: licenses of a purchase and where they sit. */
@Injectable()
export class PurchaseSplitRepository {
  constructor(private readonly db: TenantPrisma) {}

  transaction<T>(fn: (tx: TenantTransaction) => Promise<T>): Promise<T> {
    return this.db.client.$transaction(fn);
  }

  async licenseWithContainer(
    tx: TenantTransaction,
    id: string,
  ): Promise<{ license: LicenseView; container: { kind: ContainerKind; groupId: string | null } } | null> {
    const row = await tx.license.findUnique({
      where: this.db.key(id),
      include: { container: { select: { kind: true, groupId: true } } },
    });
    return row ? { license: toLicenseView(row), container: row.container } : null;
  }

  container(
    tx: TenantTransaction,
    id: string,
  ): Promise<{ id: string; kind: ContainerKind; groupId: string | null } | null> {
    return tx.container.findUnique({ where: this.db.key(id), select: { id: true, kind: true, groupId: true } });
  }

  /**
   * Locks the purchase row: every move and total change of one purchase runs one after another
   * (LicensesService.updateIn takes the same lock before a license's quantity, so the order is
   * always purchase, then licenses). Raw SQL because Prisma has no SELECT … FOR UPDATE.
   */
  async lockPurchase(tx: TenantTransaction, id: string): Promise<{ seats: number; groupId: string } | null> {
    const rows = await tx.$queryRaw<{ seats: number; groupId: string }[]>`
      SELECT seats, "groupId" FROM purchases WHERE id = ${id}::uuid AND "vendorId" = ${this.db.vendorId}::uuid FOR UPDATE`;
    return rows[0] ?? null;
  }

  /** The purchase's licenses that are not revoked, oldest first (read under the purchase lock). */
  async licensesOfPurchase(tx: TenantTransaction, purchaseId: string): Promise<LicenseView[]> {
    const rows = await tx.license.findMany({
      where: { purchaseId, status: { not: 'REVOKED' } },
      orderBy: { id: 'asc' },
    });
    return rows.map(toLicenseView);
  }
}
