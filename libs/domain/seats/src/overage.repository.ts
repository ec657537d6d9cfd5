import { Injectable } from '@nestjs/common';
import { advisoryLockKey, SqlExecutor, TenantPrisma } from '@leasehold/db';
import { capacitySql, OverageColumns, overageTrackedSql } from './seat-capacity';
import { licenseKeyOf, seatsInUseOf } from './seat-rules.sql';

export interface OverageState {
  quantity: number;
  capacity: number;
  /** Seats holding an unexpired lease right now (as the claim counts them). */
  inUse: number;
  openEpisodeId: string | null;
  openStartedAt: Date | null;
  openPeakSeats: number | null;
  now: Date;
}

export interface OverageEpisodeRow {
  id: string;
  licenseId: string;
  quantity: number;
  startedAt: Date;
  endedAt: Date | null;
  peakSeats: number;
}

/**
 * Overage episodes of a license (license_overage_episodes). Raw SQL: the state is read under a
 * transaction-level advisory lock per license, taken after the seat slot and the lease (lock order
 * slot → lease → overage), so every change of the seats in use of a license that tracks overage
 * settles its episode one after another and sees the others' committed seats.
 */
@Injectable()
export class OverageRepository {
  constructor(private readonly db: TenantPrisma) {}

  /** Cheap check without locks: does this license have an allowance or an open episode to settle? */
  async tracked(tx: SqlExecutor, licenseId: string): Promise<boolean> {
    const rows = await tx.$queryRaw<{ tracked: boolean }[]>`
      SELECT ${overageTrackedSql('l')} AS tracked
        FROM licenses l WHERE l.id = ${licenseId}::uuid AND l."vendorId" = ${this.db.vendorId}::uuid`;
    return rows[0]?.tracked ?? false;
  }

  async columns(tx: SqlExecutor, licenseId: string): Promise<OverageColumns> {
    const rows = await tx.$queryRaw<OverageColumns[]>`
      SELECT "overagePercent", "overageExtraSeats" FROM licenses WHERE id = ${licenseId}::uuid AND "vendorId" = ${this.db.vendorId}::uuid`;
    return rows[0] ?? { overagePercent: null, overageExtraSeats: null };
  }

  async lock(tx: SqlExecutor, licenseId: string): Promise<void> {
    const key = advisoryLockKey(`seat-overage:${licenseId}`);
    await tx.$queryRaw`SELECT pg_advisory_xact_lock(${BigInt.asIntN(64, key).toString()}::bigint)::text AS locked`;
  }

  /** Run after `lock`: a new statement, so it sees every seat change committed before the lock. */
  async state(tx: SqlExecutor, licenseId: string): Promise<OverageState | null> {
    const rows = await tx.$queryRaw<OverageState[]>`
      SELECT l.quantity, ${capacitySql('l')}::int AS capacity,
             ${seatsInUseOf(licenseKeyOf('l'))} AS "inUse",
             e.id AS "openEpisodeId", e."startedAt" AS "openStartedAt", e."peakSeats" AS "openPeakSeats", now() AS now
        FROM licenses l
        LEFT JOIN license_overage_episodes e ON e."vendorId" = l."vendorId" AND e."licenseId" = l.id AND e."endedAt" IS NULL
       WHERE l.id = ${licenseId}::uuid AND l."vendorId" = ${this.db.vendorId}::uuid`;
    return rows[0] ?? null;
  }

  /** Opens the episode; the partial unique index allows one open episode per license. */
  async start(
    tx: SqlExecutor,
    id: string,
    licenseId: string,
    quantity: number,
    inUse: number,
  ): Promise<OverageEpisodeRow> {
    const rows = await tx.$queryRaw<OverageEpisodeRow[]>`
      INSERT INTO license_overage_episodes (id, "vendorId", "licenseId", quantity, "startedAt", "peakSeats")
      VALUES (${id}::uuid, ${this.db.vendorId}::uuid, ${licenseId}::uuid, ${quantity}::int, clock_timestamp(), ${inUse}::int)
      RETURNING id, "licenseId", quantity, "startedAt", "endedAt", "peakSeats"`;
    return rows[0];
  }

  async raisePeak(tx: SqlExecutor, episodeId: string, inUse: number): Promise<void> {
    await tx.$executeRaw`
      UPDATE license_overage_episodes SET "peakSeats" = GREATEST("peakSeats", ${inUse}::int)
       WHERE id = ${episodeId}::uuid AND "vendorId" = ${this.db.vendorId}::uuid`;
  }

  async end(tx: SqlExecutor, episodeId: string): Promise<OverageEpisodeRow | null> {
    const rows = await tx.$queryRaw<OverageEpisodeRow[]>`
      UPDATE license_overage_episodes SET "endedAt" = clock_timestamp()
       WHERE id = ${episodeId}::uuid AND "vendorId" = ${this.db.vendorId}::uuid AND "endedAt" IS NULL
      RETURNING id, "licenseId", quantity, "startedAt", "endedAt", "peakSeats"`;
    return rows[0] ?? null;
  }

  async markLeaseOverage(tx: SqlExecutor, leaseId: string): Promise<void> {
    await tx.$executeRaw`UPDATE seat_leases SET overage = true WHERE id = ${leaseId}::uuid AND "vendorId" = ${this.db.vendorId}::uuid`;
  }

  /** Leases started in [from, to) that were marked overage (took the seats in use above the quantity). */
  async overageLeases(licenseId: string, from: Date, to: Date): Promise<number> {
    const rows = await this.db.client.$queryRaw<{ leases: number }[]>`
      SELECT count(*)::int AS leases FROM seat_leases x
       WHERE x."vendorId" = ${this.db.vendorId}::uuid AND x."licenseId" = ${licenseId}::uuid AND x.overage
         AND x."startedAt" >= ${from}::timestamptz AND x."startedAt" < ${to}::timestamptz`;
    return rows[0].leases;
  }

  /** Episodes overlapping [from, to), oldest first (an open one runs to now). */
  async episodes(licenseId: string, from: Date, to: Date): Promise<OverageEpisodeRow[]> {
    return this.db.client.$queryRaw<OverageEpisodeRow[]>`
      SELECT id, "licenseId", quantity, "startedAt", "endedAt", "peakSeats" FROM license_overage_episodes
       WHERE "vendorId" = ${this.db.vendorId}::uuid AND "licenseId" = ${licenseId}::uuid
         AND "startedAt" < ${to}::timestamptz AND COALESCE("endedAt", now()) > ${from}::timestamptz
       ORDER BY "startedAt"`;
  }
}
