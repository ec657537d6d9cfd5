import { Prisma } from '@leasehold/db';

/** Hour or day buckets; a day is exactly 24 hours (UTC), whatever the session's time zone. */
export const BUCKET_INTERVAL = { hour: '1 hour', day: '24 hours' } as const;
export type BucketSize = keyof typeof BUCKET_INTERVAL;

/**
 * The one statement that turns lease history into per-license, per-bucket usage: the worker's
 * aggregation (all vendors, hours and days) and the raw fallback of the usage API (one license,
 * the buckets not aggregated yet) both select from it, so the two can never disagree.
 *
 * A lease counts from startedAt to its end: endedAt once recorded, else its expiry (an expired
 * lease stops counting then, swept or not), never beyond now. A bucket's peak is the highest
 * running level of +1 (start, or the bucket start for a lease already running) and -1 (end)
 * events inside it, ends before starts at the same instant. Leases are found through the
 * (endedAt, expiresAt) index (unended, or ended after `from`) or the startedAt index.
 *
 * Overage minutes come from the same running level: the time within the
 * bucket during which it is above the license's quantity (the quantity when the statement runs,
 * as the usage answer's overage figures); each level lasts until the next event, the last one
 * until the bucket's end (every lease ends by now, so an open bucket ends at level 0).
 *
 * Columns: vendorId, licenseId, start, peakSeats, seatMinutes, overageMinutes, sessionsStarted,
 * distinctUsers, distinctDevices (workstations: distinct fingerprints).
 */
export function usageBucketsSql(leaseFilter: Prisma.Sql, from: Date, to: Date, size: BucketSize): Prisma.Sql {
  const step = BUCKET_INTERVAL[size];
  return Prisma.sql`
    WITH leases AS (
      SELECT l."vendorId", l."licenseId", l."startedAt" AS s, LEAST(COALESCE(l."endedAt", l."expiresAt"), now()) AS e,
             l."userId" AS u, l.fingerprint AS f
        FROM seat_leases l
       WHERE ${leaseFilter}
         AND l."startedAt" < ${to}::timestamptz
         AND (l."endedAt" IS NULL OR l."endedAt" > ${from}::timestamptz)
    ),
    cover AS (
      SELECT x.*, k.b, k.b + ${step}::interval AS stop
        FROM leases x
        JOIN generate_series(${from}::timestamptz, ${to}::timestamptz - ${step}::interval, ${step}::interval) AS k(b)
          ON x.s < k.b + ${step}::interval AND x.e > k.b
       WHERE x.e > x.s
    ),
    events AS (
      SELECT "vendorId", "licenseId", b, GREATEST(s, b) AS t, 1 AS d FROM cover
      UNION ALL
      SELECT "vendorId", "licenseId", b, e AS t, -1 AS d FROM cover WHERE e < stop
    ),
    levels AS (
      SELECT "vendorId", "licenseId", b, t, sum(d) OVER w AS level, COALESCE(lead(t) OVER w, b + ${step}::interval) AS next
        FROM events
      WINDOW w AS (PARTITION BY "vendorId", "licenseId", b ORDER BY t, d ROWS UNBOUNDED PRECEDING)
    ),
    peaks AS (
      SELECT v."vendorId", v."licenseId", v.b, max(v.level) AS peak,
             COALESCE(sum(extract(epoch FROM v.next - v.t)) FILTER (WHERE v.level > q.quantity), 0) / 60 AS over
        FROM levels v
        JOIN licenses q ON q."vendorId" = v."vendorId" AND q.id = v."licenseId"
       GROUP BY v."vendorId", v."licenseId", v.b
    )
    SELECT c."vendorId", c."licenseId", c.b AS start,
           p.peak::int AS "peakSeats",
           (sum(extract(epoch FROM LEAST(c.e, c.stop) - GREATEST(c.s, c.b))) / 60)::float8 AS "seatMinutes",
           p.over::float8 AS "overageMinutes",
           (count(*) FILTER (WHERE c.s >= c.b))::int AS "sessionsStarted",
           (count(DISTINCT c.u))::int AS "distinctUsers",
           (count(DISTINCT c.f))::int AS "distinctDevices"
      FROM cover c
      JOIN peaks p ON p."vendorId" = c."vendorId" AND p."licenseId" = c."licenseId" AND p.b = c.b
     GROUP BY c."vendorId", c."licenseId", c.b, p.peak, p.over`;
}
