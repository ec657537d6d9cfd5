import { Injectable } from '@nestjs/common';
import { afterCursor, Device, TenantPrisma, TenantTransaction } from '@leasehold/db';
import { DeactivatedBy, DeviceView } from '../licensing.types';

export const toDeviceView = (d: Device): DeviceView => ({
  id: d.id,
  containerId: d.containerId,
  fingerprint: d.fingerprint,
  name: d.name,
  platform: d.platform,
  method: d.method,
  active: d.deactivatedAt === null,
  activatedAt: d.activatedAt,
  lastSeenAt: d.lastSeenAt,
  deactivatedAt: d.deactivatedAt,
  deactivatedBy: d.deactivatedBy,
});

/** Devices of the current vendor's containers (tenant-scoped). Callers hold the container lock. */
@Injectable()
export class DevicesRepository {
  constructor(private readonly db: TenantPrisma) {}

  async findActive(tx: TenantTransaction, containerId: string, fingerprint: string): Promise<DeviceView | null> {
    const row = await tx.device.findUnique({ where: { containerId_activeFingerprint: { containerId, activeFingerprint: fingerprint } } });
    return row ? toDeviceView(row) : null;
  }

  async listActive(tx: TenantTransaction, containerId: string): Promise<DeviceView[]> {
    const rows = await tx.device.findMany({ where: { containerId, deactivatedAt: null }, orderBy: { activatedAt: 'asc' } });
    return rows.map(toDeviceView);
  }

  async insert(
    tx: TenantTransaction,
    data: { containerId: string; fingerprint: string; name: string; platform: string | null; method?: 'ONLINE' | 'OFFLINE' },
  ): Promise<DeviceView> {
    return toDeviceView(await tx.device.create({ data: { ...data, activeFingerprint: data.fingerprint, vendorId: this.db.vendorId } }));
  }

  /** Conditional: only an active device is deactivated; false when it already was. */
  async deactivate(tx: TenantTransaction, id: string, by: DeactivatedBy, at: Date): Promise<boolean> {
    const { count } = await tx.device.updateMany({
      where: { id, deactivatedAt: null },
      data: { deactivatedAt: at, deactivatedBy: by, activeFingerprint: null },
    });
    return count === 1;
  }

  async findById(id: string): Promise<DeviceView | null> {
    const row = await this.db.client.device.findUnique({ where: { id } });
    return row ? toDeviceView(row) : null;
  }

  async list(containerId: string, filter: { includeInactive: boolean; take: number; cursor?: string }): Promise<DeviceView[]> {
    const rows = await this.db.client.device.findMany({
      where: { containerId, ...(filter.includeInactive ? {} : { deactivatedAt: null }) },
      take: filter.take,
      ...afterCursor(filter.cursor),
    });
    return rows.map(toDeviceView);
  }

  /** Devices on the user's PERSONAL containers, in id order (pages by cursor). */
  async listOfUser(userId: string, filter: { includeInactive: boolean; take: number; cursor?: string }): Promise<DeviceView[]> {
    const rows = await this.db.client.device.findMany({
      where: { container: { userId, kind: 'PERSONAL' }, ...(filter.includeInactive ? {} : { deactivatedAt: null }) },
      take: filter.take,
      ...afterCursor(filter.cursor),
    });
    return rows.map(toDeviceView);
  }

  /** Deactivations by the program or a portal user since `since`, oldest first (for the churn limit). */
  async deactivationsSince(tx: TenantTransaction, containerId: string, since: Date): Promise<Date[]> {
    const rows = await tx.device.findMany({
      where: { containerId, deactivatedAt: { gt: since }, deactivatedBy: { in: ['DEVICE', 'PORTAL_USER'] } },
      select: { deactivatedAt: true },
      orderBy: { deactivatedAt: 'asc' },
    });
    return rows.flatMap((r) => (r.deactivatedAt ? [r.deactivatedAt] : []));
  }

  /** The strictest churn limit among the container's licenses that are not revoked (null: none). */
  async churnLimit(tx: TenantTransaction, containerId: string): Promise<number | null> {
    const { _min } = await tx.license.aggregate({
      where: { containerId, status: { not: 'REVOKED' } },
      _min: { maxDeactivationsPer30Days: true },
    });
    return _min.maxDeactivationsPer30Days;
  }
}
