import { Injectable } from '@nestjs/common';
import { TenantPrisma } from '@leasehold/db';

/** Revisions of the current vendor's containers (tenant-scoped). */
@Injectable()
export class UpdatesRepository {
  constructor(private readonly db: TenantPrisma) {}

  /**
   * The container's revision (container-revision.ts): its own revision plus the sum of its
   * licenses' revisions (index licenses(vendorId, containerId)). Every license change raises one
   * license's revision by one and a new license adds its own, so the sum rises with every change;
   * the largest revision would miss a change to a license whose revision is below another's.
   * Null when the container does not exist.
   */
  async containerRevision(containerId: string): Promise<number | null> {
    const [container, sum] = await Promise.all([
      this.db.client.container.findUnique({ where: this.db.key(containerId), select: { revision: true } }),
      this.db.client.license.aggregate({ where: { containerId }, _sum: { revision: true } }),
    ]);
    return container ? container.revision + (sum._sum.revision ?? 0) : null;
  }

  /**
   * "Update now": raises the container's own revision, so a program that is not listening at this
   * moment learns of it on its next validate, heartbeat or long-poll. Null when the container does
   * not exist or is outside the group scope.
   */
  async raiseRevision(containerId: string, groupId?: string): Promise<{ groupId: string | null } | null> {
    const { count } = await this.db.client.container.updateMany({
      where: { id: containerId, ...(groupId !== undefined ? { groupId } : {}) },
      data: { revision: { increment: 1 } },
    });
    return count ? this.findContainer(containerId) : null;
  }

  /** The container's group, for scoping; null when the container does not exist. */
  async findContainer(containerId: string): Promise<{ id: string; groupId: string | null } | null> {
    return this.db.client.container.findUnique({
      where: this.db.key(containerId),
      select: { id: true, groupId: true },
    });
  }
}
