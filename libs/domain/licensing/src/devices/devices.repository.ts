import { Injectable } from '@nestjs/common';
import { afterTenantCursor, Device, TenantPrisma, TenantTransaction } from '@leasehold/db';
import { seatInUse } from '@leasehold/domain-seats';
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
  offlineUntil: d.offlineUntil,
});

/** Devices of the current vendor's containers (tenant-scoped). Callers hold the container lock. */
@Injectable()
export class DevicesRepository {
  constructor(private readonly db: TenantPrisma) {}

  async findActive(tx: TenantTransaction, containerId: string, fingerprint: string): Promise<DeviceView | null> {
    const row = await tx.device.findUnique({
      where: {
        vendorId_containerId_activeFingerprint: {
          vendorId: this.db.vendorId,
          containerId,
          activeFingerprint: fingerprint,
        },
      },
    });
    return row ? toDeviceView(row) : null;
  }

  async listActive(tx: TenantTransaction, containerId: string): Promise<DeviceView[]> {
    const rows = await tx.device.findMany({
      where: { containerId, deactivatedAt: null },
      orderBy: { activatedAt: 'asc' },
    });
    return rows.map(toDeviceView);
  }

  async insert(
    tx: TenantTransaction,
    data: {
      containerId: string;
      fingerprint: string;
      name: string;
      platform: string | null;
      method?: 'ONLINE' | 'OFFLINE';
      offlineUntil?: Date | null;
      returnKeyHash?: string | null;
    },
  ): Promise<DeviceView> {
    return toDeviceView(
      await tx.device.create({ data: { ...data, activeFingerprint: data.fingerprint, vendorId: this.db.vendorId } }),
    );
  }

  /**
   * Offline devices whose grant ran out are deactivated (by SYSTEM, at the grant's end): their slot
   * was free from then on. Returns how many. The caller holds the container lock.
   */
  async lapseOffline(tx: TenantTransaction, containerId: string): Promise<number> {
    return tx.$executeRaw`
      UPDATE devices SET "deactivatedAt" = "offlineUntil", "deactivatedBy" = 'SYSTEM', "activeFingerprint" = NULL
       WHERE "vendorId" = ${this.db.vendorId}::uuid AND "containerId" = ${containerId}::uuid
         AND "deactivatedAt" IS NULL AND "offlineUntil" IS NOT NULL AND "offlineUntil" <= now()`;
  }

  /** Seats of the license held by a live lease right now (the caller holds the container lock). */
  async seatsInUse(tx: TenantTransaction, licenseId: string): Promise<number> {
    const rows = await tx.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM seat_slots s
       WHERE s."licenseId" = ${licenseId}::uuid AND s."vendorId" = ${this.db.vendorId}::uuid AND ${seatInUse('s')}`;
    return rows[0].n;
  }

  /** The return key hash an offline device was granted under (null: none, no early release). */
  async returnKeyHash(tx: TenantTransaction, id: string): Promise<string | null> {
    const row = await tx.device.findUnique({ where: this.db.key(id), select: { returnKeyHash: true } });
    return row?.returnKeyHash ?? null;
  }

  /** A renewed offline grant: the device's slot is held until `offlineUntil`. */
  async renewOffline(tx: TenantTransaction, id: string, offlineUntil: Date | null): Promise<DeviceView> {
    return toDeviceView(await tx.device.update({ where: this.db.key(id), data: { offlineUntil } }));
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
    const row = await this.db.client.device.findUnique({ where: this.db.key(id) });
    return row ? toDeviceView(row) : null;
  }

  async list(
    containerId: string,
    filter: { includeInactive: boolean; take: number; cursor?: string },
  ): Promise<DeviceView[]> {
    const rows = await this.db.client.device.findMany({
      where: { containerId, ...(filter.includeInactive ? {} : { deactivatedAt: null }) },
      take: filter.take,
      ...afterTenantCursor(this.db.vendorId, filter.cursor),
    });
    return rows.map(toDeviceView);
  }

  /** Devices on the user's PERSONAL containers, in id order (pages by cursor). */
  async listOfUser(
    userId: string,
    filter: { includeInactive: boolean; take: number; cursor?: string },
  ): Promise<DeviceView[]> {
    const rows = await this.db.client.device.findMany({
      where: { container: { userId, kind: 'PERSONAL' }, ...(filter.includeInactive ? {} : { deactivatedAt: null }) },
      take: filter.take,
      ...afterTenantCursor(this.db.vendorId, filter.cursor),
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
    // Early returns of borrowed seats count towards the same limit.
    const returns = await tx.seatLease.findMany({
      where: { containerId, endReason: 'RETURNED', endedAt: { gt: since } },
      select: { endedAt: true },
    });
    return [
      ...rows.flatMap((r) => (r.deactivatedAt ? [r.deactivatedAt] : [])),
      ...returns.flatMap((r) => (r.endedAt ? [r.endedAt] : [])),
    ].sort((a, b) => a.getTime() - b.getTime());
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
