import { Injectable } from '@nestjs/common';
import { Prisma, TenantPrisma } from '@leasehold/db';
import { UsageGranularity, UsagePoint } from './seats.types';

/**
 * CTEs `leases` (s, e: each lease of the license overlapping [from, to), from its start to its
 * end, its expiry if never ended, never beyond now), `events` and `run` (t, level: seats in use
 * after each start/end in the range, ends sorted before starts at the same instant). Shared by the
 * usage series and the overage figures (OverageRepository.usage).
 */
export function leaseLevelsSql(vendorId: string, licenseId: string, from: Date, to: Date): Prisma.Sql {
  return Prisma.sql`leases AS (
        SELECT l."startedAt" AS s, LEAST(COALESCE(l."endedAt", l."expiresAt"), now()) AS e
          FROM seat_leases l
         WHERE l."vendorId" = ${vendorId}::uuid AND l."licenseId" = ${licenseId}::uuid
           AND l."startedAt" < ${to}::timestamptz
           AND LEAST(COALESCE(l."endedAt", l."expiresAt"), now()) > ${from}::timestamptz
      ),
      events AS (
        SELECT GREATEST(s, ${from}::timestamptz) AS t, 1 AS d FROM leases WHERE e > s
        UNION ALL
        SELECT e AS t, -1 AS d FROM leases WHERE e > s AND e < ${to}::timestamptz
      ),
      run AS (
        SELECT t, d, sum(d) OVER (ORDER BY t, d ROWS UNBOUNDED PRECEDING) AS level FROM events
      )`;
}

/**
 * Usage history computed from the lease history itself (every lease keeps startedAt and its end),
 * so it covers leases that span buckets and needs no write on the checkout path. Denials come
 * from license_usage_hours, counted when a checkout is refused.
 */
@Injectable()
export class UsageRepository {
  constructor(private readonly db: TenantPrisma) {}

  async series(licenseId: string, from: Date, to: Date, granularity: UsageGranularity): Promise<UsagePoint[]> {
    const vendorId = this.db.vendorId;
    const step = granularity === 'hour' ? '1 hour' : '1 day';
    // A lease counts from startedAt to its end: endedAt once recorded, else its expiry (an expired
    // lease stops counting then, swept or not), never beyond now. `run` is the number of seats in
    // use after each start/end event in the range, ends sorted before starts at the same instant;
    // a bucket's peak is the larger of the seats in use at its start and the highest `run` inside.
    const rows = await this.db.client.$queryRaw<{ start: Date; peakSeats: number; seatHours: number; denials: number }[]>`
      WITH ${leaseLevelsSql(vendorId, licenseId, from, to)},
      buckets AS (
        SELECT b AS start, b + ${step}::interval AS stop
          FROM generate_series(${from}::timestamptz, ${to}::timestamptz - ${step}::interval, ${step}::interval) AS b
      )
      SELECT k.start,
             GREATEST(
               (SELECT count(*) FROM leases x WHERE x.s <= k.start AND x.e > k.start),
               COALESCE((SELECT max(r.level) FROM run r WHERE r.t >= k.start AND r.t < k.stop), 0)
             )::int AS "peakSeats",
             COALESCE((SELECT sum(EXTRACT(EPOCH FROM LEAST(x.e, k.stop) - GREATEST(x.s, k.start)))
                         FROM leases x WHERE x.s < k.stop AND x.e > k.start), 0)::float8 / 3600 AS "seatHours",
             COALESCE((SELECT sum(u.denials) FROM license_usage_hours u
                        WHERE u."licenseId" = ${licenseId}::uuid AND u."vendorId" = ${vendorId}::uuid
                          AND u.hour >= k.start AND u.hour < k.stop), 0)::int AS denials
        FROM buckets k
       ORDER BY k.start`;
    return rows.map((r) => ({ start: r.start, peakSeats: r.peakSeats, seatHours: Number(r.seatHours), denials: r.denials }));
  }
}
