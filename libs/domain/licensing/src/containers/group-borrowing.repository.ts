import { Injectable } from '@nestjs/common';
import { TenantPrisma, TenantTransaction } from '@leasehold/db';

/** The group's borrowing switch and the containers it governs (tenant-scoped). */
@Injectable()
export class GroupBorrowingRepository {
  constructor(private readonly db: TenantPrisma) {}

  transaction<T>(fn: (tx: TenantTransaction) => Promise<T>): Promise<T> {
    return this.db.client.$transaction(fn);
  }

  find(groupId: string): Promise<{ borrowingAllowed: boolean } | null> {
    return this.db.client.group.findUnique({ where: this.db.key(groupId), select: { borrowingAllowed: true } });
  }

  /**
   * Locks the group row (borrows read it FOR SHARE, so a borrow racing with the switch either
   * commits before it or sees it). Raw SQL because Prisma has no SELECT … FOR UPDATE.
   */
  async lockGroup(tx: TenantTransaction, groupId: string): Promise<{ borrowingAllowed: boolean } | null> {
    const rows = await tx.$queryRaw<{ borrowingAllowed: boolean }[]>`
      SELECT "borrowingAllowed" FROM groups WHERE id = ${groupId}::uuid AND "vendorId" = ${this.db.vendorId}::uuid FOR UPDATE`;
    return rows[0] ?? null;
  }

  async setBorrowingAllowed(tx: TenantTransaction, groupId: string, allowed: boolean): Promise<void> {
    await tx.group.update({ where: this.db.key(groupId), data: { borrowingAllowed: allowed } });
  }

  /** Raises the own revision of every container of the group (devices learn of the switch); their ids. */
  async raiseRevisions(tx: TenantTransaction, groupId: string): Promise<string[]> {
    const rows = await tx.$queryRaw<{ id: string }[]>`
      UPDATE containers SET revision = revision + 1, "updatedAt" = now()
       WHERE "groupId" = ${groupId}::uuid AND "vendorId" = ${this.db.vendorId}::uuid
      RETURNING id`;
    return rows.map((r) => r.id);
  }
}
