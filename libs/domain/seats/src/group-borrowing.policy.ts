import { Injectable } from '@nestjs/common';
import { SqlExecutor, TenantPrisma } from '@leasehold/db';
import { DomainError } from '@leasehold/errors';

// The group admin's borrowing switch, as every borrow (checkout with borrowUntil, borrow of a
// running lease, offline borrow by code, extension of a borrow) sees it. Ordinary checkouts never
// read it. Borrows made before the switch run to their end.

@Injectable()
export class GroupBorrowingPolicy {
  constructor(private readonly db: TenantPrisma) {}

  /**
   * Throws BORROW_DISABLED_BY_ADMIN when the container's group switched borrowing off. Reads the
   * group row FOR SHARE in the borrow's transaction: the admin's switch (which locks the row for
   * update) either waits for this borrow to commit, or this borrow waits and reads the new value.
   */
  async assertAllowed(tx: SqlExecutor, containerId: string): Promise<void> {
    const rows = await tx.$queryRaw<{ groupId: string; borrowingAllowed: boolean }[]>`
      SELECT g.id AS "groupId", g."borrowingAllowed" FROM containers c
        JOIN groups g ON g.id = c."groupId" AND g."vendorId" = c."vendorId"
       WHERE c.id = ${containerId}::uuid AND c."vendorId" = ${this.db.vendorId}::uuid
         FOR SHARE OF g`;
    const group = rows[0];
    if (group && !group.borrowingAllowed) {
      throw new DomainError('BORROW_DISABLED_BY_ADMIN', "The group's admin switched borrowing off for its containers", {
        groupId: group.groupId,
      });
    }
  }
}
