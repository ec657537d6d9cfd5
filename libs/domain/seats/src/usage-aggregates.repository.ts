import { Injectable } from '@nestjs/common';
import { Prisma, SqlExecutor } from '@leasehold/db';
import { usageBucketsSql } from './usage-buckets.sql';

/** An upsert's update: every lease aggregate replaced by the recomputed one (denials left alone). */
const SET_LEASE_AGGREGATES = Prisma.sql`
  "peakSeats" = EXCLUDED."peakSeats", "seatMinutes" = EXCLUDED."seatMinutes", "overageMinutes" = EXCLUDED."overageMinutes", "sessionsStarted" = EXCLUDED."sessionsStarted",
  "distinctUsers" = EXCLUDED."distinctUsers", "distinctDevices" = EXCLUDED."distinctDevices", "aggregatedAt" = EXCLUDED."aggregatedAt"`;

export interface AggregationWindow {
  /** Every hour before this is aggregated. */
  aggregatedUntil: Date;
  /** The start of the current (open) hour, by the database clock. */
  currentHour: Date;
}

/**
 * The worker's usage aggregation across all vendors: raw SQL, so the tenant scope does not apply
 * and no vendor needs to be in context. Every write is an upsert keyed by (license, hour) or
 * (license, day) that sets the values computed from the lease history (never adds to them), so
 * a retried, repeated or concurrent run leaves the same rows. Denials are the checkout's to count:
 * the hour upsert never touches them.
 */
@Injectable()
export class UsageAggregatesRepository {
  /**
   * Locks the watermark row for the rest of the transaction (runs on several workers take turns).
   * The first run starts at the hour of the oldest lease, so the history is aggregated from the
   * beginning, a window at a time.
   */
  async lockWindow(tx: SqlExecutor): Promise<AggregationWindow> {
    await tx.$executeRaw`
      INSERT INTO usage_aggregation_state (name, "aggregatedUntil")
      SELECT 'usage', date_trunc('hour', COALESCE((SELECT min("startedAt") FROM seat_leases), now()), 'UTC')
      ON CONFLICT (name) DO NOTHING`;
    const rows = await tx.$queryRaw<AggregationWindow[]>`
      SELECT "aggregatedUntil", date_trunc('hour', now(), 'UTC') AS "currentHour"
        FROM usage_aggregation_state WHERE name = 'usage' FOR UPDATE`;
    return rows[0];
  }

  async advance(tx: SqlExecutor, until: Date): Promise<void> {
    await tx.$executeRaw`
      UPDATE usage_aggregation_state SET "aggregatedUntil" = GREATEST("aggregatedUntil", ${until}::timestamptz), "updatedAt" = now()
       WHERE name = 'usage'`;
  }

  /** Writes the lease aggregates of every license for the hours in [from, to); returns the rows written. */
  async writeHours(tx: SqlExecutor, from: Date, to: Date): Promise<number> {
    return tx.$executeRaw`
      INSERT INTO license_usage_hours ("vendorId", "licenseId", hour, "peakSeats", "seatMinutes", "overageMinutes", "sessionsStarted", "distinctUsers", "distinctDevices", "aggregatedAt")
      SELECT a."vendorId", a."licenseId", a.start, a."peakSeats", a."seatMinutes", a."overageMinutes", a."sessionsStarted", a."distinctUsers", a."distinctDevices", now()
        FROM (${usageBucketsSql(Prisma.sql`true`, from, to, 'hour')}) a
      ON CONFLICT ("vendorId", "licenseId", hour) DO UPDATE SET ${SET_LEASE_AGGREGATES}`;
  }

  /**
   * Writes the aggregates of the UTC days in [from, to) (whole days): the lease aggregates over
   * the day (distinct users and workstations are the day's, not a sum of hours), and the day's
   * denials summed from its hours, also for licenses with denials and no lease.
   */
  async writeDays(tx: SqlExecutor, from: Date, to: Date): Promise<number> {
    const used = await tx.$executeRaw`
      INSERT INTO license_usage_days ("vendorId", "licenseId", day, "peakSeats", "seatMinutes", "overageMinutes", "sessionsStarted", "distinctUsers", "distinctDevices", "aggregatedAt")
      SELECT a."vendorId", a."licenseId", a.start, a."peakSeats", a."seatMinutes", a."overageMinutes", a."sessionsStarted", a."distinctUsers", a."distinctDevices", now()
        FROM (${usageBucketsSql(Prisma.sql`true`, from, to, 'day')}) a
      ON CONFLICT ("vendorId", "licenseId", day) DO UPDATE SET ${SET_LEASE_AGGREGATES}`;
    await tx.$executeRaw`
      INSERT INTO license_usage_days ("vendorId", "licenseId", day, denials)
      SELECT h."vendorId", h."licenseId", date_trunc('day', h.hour, 'UTC'), sum(h.denials)::int
        FROM license_usage_hours h
       WHERE h.hour >= ${from}::timestamptz AND h.hour < ${to}::timestamptz AND h.denials > 0
       GROUP BY 1, 2, 3
      ON CONFLICT ("vendorId", "licenseId", day) DO UPDATE SET denials = EXCLUDED.denials`;
    return used;
  }
}
