import { Prisma } from '@leasehold/db';
import type { LicenseKey } from './seat-rules.sql';

// How many seats a license may hand out at once: its quantity, plus its overage allowance if the
// vendor set one (a factor, stored as the extra percent, or a fixed number of extra seats). The
// seat pool has this many slots, so the slot claim itself never goes above it.

/** The vendor's overage allowance of a license, as the API speaks it (null: none). */
export type OverageAllowance = { factor: number } | { extraSeats: number } | null;

/** The stored columns of an allowance (`licenses.overagePercent`, `licenses.overageExtraSeats`). */
export interface OverageColumns {
  overagePercent: number | null;
  overageExtraSeats: number | null;
}

/** quantity + allowance, rounded down (1.25 × 10 = 12.5 → 12 seats). */
export function seatCapacity(quantity: number, columns: OverageColumns): number {
  if (columns.overageExtraSeats !== null) return quantity + columns.overageExtraSeats;
  if (columns.overagePercent !== null) return quantity + Math.floor((quantity * columns.overagePercent) / 100);
  return quantity;
}

export function allowanceOf(columns: OverageColumns): OverageAllowance {
  if (columns.overageExtraSeats !== null) return { extraSeats: columns.overageExtraSeats };
  if (columns.overagePercent !== null) return { factor: 1 + columns.overagePercent / 100 };
  return null;
}

/** The same as `seatCapacity`, in SQL over the license row aliased `alias` (integer division rounds down). */
export function capacitySql(alias: string): Prisma.Sql {
  const l = Prisma.raw(alias);
  return Prisma.sql`(${l}.quantity + COALESCE(${l}."overageExtraSeats", ${l}.quantity * COALESCE(${l}."overagePercent", 0) / 100))`;
}

/**
 * The seat pool of license `license` has no excess slots: at most its
 * capacity. After a quantity or allowance cut the excess slots are trimmed as they free; until then
 * no slot of the license is handed out (SeatPoolService), neither by a claim nor by a queue grant.
 */
export function poolWithinCapacity(license: LicenseKey): Prisma.Sql {
  return slotsWithinCapacity(
    license.vendorId,
    license.id,
    Prisma.sql`(SELECT ${capacitySql('q')} FROM licenses q WHERE q."vendorId" = ${license.vendorId} AND q.id = ${license.id})`,
  );
}

/**
 * The license's seat slots number at most `capacity`, without counting them in the common case.
 * Slots are numbered from 0 (SeatPoolService adds them above the highest), so a pool whose highest
 * slot is below `capacity` has at most `capacity` slots. The highest slot is one probe of the
 * primary key's end (`max`, read backwards, whatever the table's statistics say; a `slot >=`
 * condition was planned as a scan of the whole table while it was small: 36 µs per checkout in the
 * bench instead of a few). Only a pool with a slot at or above `capacity` (excess slots, or a gap
 * a trim left below the highest) is counted, which reads every slot of the license. Exactly
 * `count(*) <= capacity` either way.
 */
export function slotsWithinCapacity(vendorId: Prisma.Sql, licenseId: Prisma.Sql, capacity: Prisma.Sql): Prisma.Sql {
  const ofLicense = Prisma.sql`x."vendorId" = ${vendorId} AND x."licenseId" = ${licenseId}`;
  return Prisma.sql`(COALESCE((SELECT max(x.slot) FROM seat_slots x WHERE ${ofLicense}), -1) < ${capacity}
               OR (SELECT count(*) FROM seat_slots x WHERE ${ofLicense}) <= ${capacity})`;
}

/**
 * The license row aliased `alias` has an overage allowance or an open overage episode: its seat
 * changes must settle the episode (OverageService.settle), so the one-statement hot paths leave it alone.
 */
export function overageTrackedSql(alias: string): Prisma.Sql {
  const l = Prisma.raw(alias);
  return Prisma.sql`(${capacitySql(alias)} > ${l}.quantity
          OR EXISTS (SELECT 1 FROM license_overage_episodes e WHERE e."vendorId" = ${l}."vendorId" AND e."licenseId" = ${l}.id AND e."endedAt" IS NULL))`;
}
