import { Injectable } from '@nestjs/common';
import { Prisma, SqlExecutor, TenantPrisma } from '@leasehold/db';
import { leaseScopeSql } from './lease-row';
import { leaseHoldsSeat } from './seat-rules.sql';
import { SessionFilter, SessionView } from './seats.types';

// The statements of SessionsService beyond one lease: the live sessions admins list, and the
// leases of a user who was removed or disabled (their seats freed in one statement, slots locked
// in key order). Raw SQL naming the vendor explicitly, as every seat statement.

@Injectable()
export class SessionsRepository {
  constructor(private readonly db: TenantPrisma) {}

  /** Live sessions (leases holding an unexpired seat), oldest id first. */
  async listSessions(filter: SessionFilter): Promise<SessionView[]> {
    const cursor = filter.cursor ? Prisma.sql`AND l.id > ${filter.cursor}::uuid` : Prisma.empty;
    return this.db.client.$queryRaw<SessionView[]>`
      SELECT l.id, l."licenseId", l."containerId", l.slot, l."deviceId", d.name AS "deviceName", l.fingerprint, l."clientName",
             l."userId", l."startedAt", l."lastHeartbeatAt", s."expiresAt", (l."borrowUntil" IS NOT NULL) AS borrowed, l."borrowUntil", l.overage
        FROM seat_leases l
        JOIN seat_slots s ON ${leaseHoldsSeat('l', 's')}
        JOIN containers c ON c."vendorId" = l."vendorId" AND c.id = l."containerId"
        LEFT JOIN devices d ON d."vendorId" = l."vendorId" AND d.id = l."deviceId"
       WHERE l."vendorId" = ${this.db.vendorId}::uuid ${leaseScopeSql(filter)} ${cursor}
       ORDER BY l.id
       LIMIT ${filter.take}::int`;
  }

  /**
   * Frees the seats of every live lease of a user (leases that name the user, and leases on the
   * user's PERSONAL containers), slots locked in key order. Returns the lease ids whose seats were
   * freed.
   */
  async freeSlotsOfUser(tx: SqlExecutor, userId: string): Promise<string[]> {
    const vendorId = this.db.vendorId;
    const rows = await tx.$queryRaw<{ leaseId: string }[]>`
      WITH mine AS (
        SELECT s."licenseId", s.slot, s."leaseId" FROM seat_slots s
          JOIN seat_leases l ON l."vendorId" = s."vendorId" AND l.id = s."leaseId"
          JOIN containers c ON c."vendorId" = l."vendorId" AND c.id = l."containerId"
         WHERE s."vendorId" = ${vendorId}::uuid AND l."vendorId" = ${vendorId}::uuid AND l."endedAt" IS NULL
           AND (l."userId" = ${userId}::uuid OR c."userId" = ${userId}::uuid)
         ORDER BY s."licenseId", s.slot
           FOR UPDATE OF s)
      UPDATE seat_slots s SET "leaseId" = NULL, "expiresAt" = NULL
        FROM mine
       WHERE s."vendorId" = ${vendorId}::uuid AND s."licenseId" = mine."licenseId" AND s.slot = mine.slot AND s."leaseId" = mine."leaseId"
      RETURNING mine."leaseId"`;
    return rows.map((r) => r.leaseId);
  }

  /** Leases of the user that have not ended yet (live or expired but not swept). */
  async unendedLeaseIdsOfUser(tx: SqlExecutor, userId: string): Promise<string[]> {
    const rows = await tx.$queryRaw<{ id: string }[]>`
      SELECT l.id FROM seat_leases l JOIN containers c ON c."vendorId" = l."vendorId" AND c.id = l."containerId"
       WHERE l."vendorId" = ${this.db.vendorId}::uuid AND l."endedAt" IS NULL
         AND (l."userId" = ${userId}::uuid OR c."userId" = ${userId}::uuid)`;
    return rows.map((r) => r.id);
  }
}
