import { Injectable } from '@nestjs/common';
import { Prisma, TenantPrisma } from '@leasehold/db';
import { BUCKET_INTERVAL, usageBucketsSql } from './usage-buckets.sql';
import { UsageGranularity, UsagePoint } from './seats.types';

/**
 * Usage of one license per hour or day, for charts. Buckets the worker has aggregated are read
 * from license_usage_hours / license_usage_days; the rest (the current hour, or everything while
 * the worker is behind) is computed from the lease history with the same statement the worker
 * uses (usage-buckets.sql.ts). Denials always come from license_usage_hours, where the checkout
 * counts them.
 */
@Injectable()
export class UsageRepository {
  constructor(private readonly db: TenantPrisma) {}

  /** Every hour before this has been aggregated (null: the worker has not run yet). */
  async aggregatedUntil(): Promise<Date | null> {
    const rows = await this.db.client.$queryRaw<{ aggregatedUntil: Date }[]>`
      SELECT "aggregatedUntil" FROM usage_aggregation_state WHERE name = 'usage'`;
    return rows[0]?.aggregatedUntil ?? null;
  }

  /** The worker's rows for [from, to) (buckets without a row had no use); zeros filled in by the caller. */
  async aggregated(licenseId: string, from: Date, to: Date, granularity: UsageGranularity): Promise<UsagePoint[]> {
    const vendorId = this.db.vendorId;
    const table = granularity === 'hour' ? Prisma.sql`license_usage_hours` : Prisma.sql`license_usage_days`;
    const column = granularity === 'hour' ? Prisma.sql`hour` : Prisma.sql`day`;
    const rows = await this.db.client.$queryRaw<UsageRow[]>`
      SELECT ${column} AS start, "peakSeats", "seatMinutes", "overageMinutes", "sessionsStarted", "distinctUsers", "distinctDevices", denials
        FROM ${table}
       WHERE "vendorId" = ${vendorId}::uuid AND "licenseId" = ${licenseId}::uuid
         AND ${column} >= ${from}::timestamptz AND ${column} < ${to}::timestamptz
       ORDER BY ${column}`;
    return rows.map(toPoint);
  }

  /** [from, to) computed from the lease history (buckets without use are absent). */
  async computed(licenseId: string, from: Date, to: Date, granularity: UsageGranularity): Promise<UsagePoint[]> {
    const vendorId = this.db.vendorId;
    const step = BUCKET_INTERVAL[granularity];
    const filter = Prisma.sql`l."vendorId" = ${vendorId}::uuid AND l."licenseId" = ${licenseId}::uuid`;
    const rows = await this.db.client.$queryRaw<UsageRow[]>`
      WITH used AS (${usageBucketsSql(filter, from, to, granularity)}),
      refused AS (
        SELECT k.b AS start, sum(u.denials)::int AS denials
          FROM generate_series(${from}::timestamptz, ${to}::timestamptz - ${step}::interval, ${step}::interval) AS k(b)
          JOIN license_usage_hours u ON u."licenseId" = ${licenseId}::uuid AND u."vendorId" = ${vendorId}::uuid
                                    AND u.hour >= k.b AND u.hour < k.b + ${step}::interval
         GROUP BY k.b
      )
      SELECT COALESCE(used.start, refused.start) AS start, COALESCE(used."peakSeats", 0) AS "peakSeats",
             COALESCE(used."seatMinutes", 0) AS "seatMinutes", COALESCE(used."overageMinutes", 0) AS "overageMinutes",
             COALESCE(used."sessionsStarted", 0) AS "sessionsStarted",
             COALESCE(used."distinctUsers", 0) AS "distinctUsers", COALESCE(used."distinctDevices", 0) AS "distinctDevices",
             COALESCE(refused.denials, 0) AS denials
        FROM used FULL JOIN refused ON refused.start = used.start
       ORDER BY 1`;
    return rows.map(toPoint);
  }
}

interface UsageRow {
  start: Date;
  peakSeats: number;
  seatMinutes: number;
  overageMinutes: number;
  sessionsStarted: number;
  distinctUsers: number;
  distinctDevices: number;
  denials: number;
}

function toPoint(r: UsageRow): UsagePoint {
  return {
    start: r.start,
    peakSeats: r.peakSeats,
    seatHours: Number(r.seatMinutes) / 60,
    overageMinutes: Number(r.overageMinutes),
    sessionsStarted: r.sessionsStarted,
    distinctUsers: r.distinctUsers,
    distinctDevices: r.distinctDevices,
    denials: r.denials,
  };
}
