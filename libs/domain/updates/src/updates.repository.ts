import { Injectable } from '@nestjs/common';
import { TenantPrisma } from '@leasehold/db';

/** Revisions of the current vendor's containers (tenant-scoped). */
@Injectable()
export class UpdatesRepository {
  constructor(private readonly db: TenantPrisma) {}

  /**
   * The container's revision: the sum of its licenses' revisions (index licenses(vendorId,
   * containerId)). Every license change raises one license's revision by one and a new license
   * adds its own, so the sum rises with every change; the largest revision would miss a change
   * to a license whose revision is below another's. Null when the container does not exist.
   */
  async containerRevision(containerId: string): Promise<number | null> {
    const [container, sum] = await Promise.all([
      this.db.client.container.findUnique({ where: { id: containerId }, select: { id: true } }),
      this.db.client.license.aggregate({ where: { containerId }, _sum: { revision: true } }),
    ]);
    return container ? (sum._sum.revision ?? 0) : null;
  }

  /** The container's group, for scoping; null when the container does not exist. */
  async findContainer(containerId: string): Promise<{ id: string; groupId: string | null } | null> {
    return this.db.client.container.findUnique({ where: { id: containerId }, select: { id: true, groupId: true } });
  }
}
