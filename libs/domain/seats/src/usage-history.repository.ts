import { Injectable } from '@nestjs/common';
import { afterTenantCursor, Prisma, TenantPrisma } from '@leasehold/db';
import { LeaseHistoryFilter, LeaseHistoryView } from './seats.types';

/**
 * The lease history (every seat_leases row is kept: who, which workstation, which program, from
 * when to when, why it ended), read a page at a time in id order (UUIDv7: start order). Each
 * filter column leads an index with the id (vendorId, licenseId | userId | deviceId |
 * fingerprint, id), so a page walks one index range; EXPLAIN in docs/usage.md.
 */
@Injectable()
export class UsageHistoryRepository {
  constructor(private readonly db: TenantPrisma) {}

  async page(filter: LeaseHistoryFilter, now: Date): Promise<LeaseHistoryView[]> {
    const leases = await this.db.client.seatLease.findMany({
      where: whereOf(filter, now),
      take: filter.take,
      ...afterTenantCursor(this.db.vendorId, filter.cursor),
      select: {
        id: true,
        licenseId: true,
        containerId: true,
        userId: true,
        deviceId: true,
        fingerprint: true,
        clientName: true,
        startedAt: true,
        expiresAt: true,
        endedAt: true,
        endReason: true,
        borrowUntil: true,
        device: { select: { name: true } },
        license: { select: { product: { select: { code: true } } } },
      },
    });
    const userIds = [...new Set(leases.map((l) => l.userId).filter((id): id is string => id !== null))];
    const users = userIds.length
      ? await this.db.client.user.findMany({
          where: { id: { in: userIds } },
          select: { id: true, name: true, email: true },
        })
      : [];
    const byId = new Map(users.map((u) => [u.id, u]));
    return leases.map((l) => {
      const expired = l.endedAt === null && l.expiresAt <= now;
      const endedAt = l.endedAt ?? (expired ? l.expiresAt : null);
      const user = l.userId ? byId.get(l.userId) : undefined;
      return {
        id: l.id,
        licenseId: l.licenseId,
        productCode: l.license.product.code,
        containerId: l.containerId,
        userId: l.userId,
        userName: user?.name ?? null,
        userEmail: user?.email ?? null,
        deviceId: l.deviceId,
        deviceName: l.device?.name ?? null,
        fingerprint: l.fingerprint,
        clientName: l.clientName,
        startedAt: l.startedAt,
        endedAt,
        endReason: l.endReason ?? (expired ? 'EXPIRED' : null),
        live: endedAt === null,
        borrowed: l.borrowUntil !== null,
        durationSeconds: endedAt ? Math.max(0, Math.floor((endedAt.getTime() - l.startedAt.getTime()) / 1000)) : null,
      };
    });
  }
}

/**
 * Overlap with [from, to): started before `to`, and ended (or, unswept, expired) after `from`,
 * or still holding its seat.
 */
function whereOf(f: LeaseHistoryFilter, now: Date): Prisma.SeatLeaseWhereInput {
  return {
    ...(f.licenseId ? { licenseId: f.licenseId } : {}),
    ...(f.userId ? { userId: f.userId } : {}),
    ...(f.deviceId ? { deviceId: f.deviceId } : {}),
    ...(f.fingerprint ? { fingerprint: f.fingerprint } : {}),
    ...(f.groupId ? { container: { groupId: f.groupId } } : {}),
    ...(f.to ? { startedAt: { lt: f.to } } : {}),
    ...(f.from
      ? { OR: [{ endedAt: { gt: f.from } }, { endedAt: null, expiresAt: { gt: f.from < now ? f.from : now } }] }
      : {}),
  };
}
