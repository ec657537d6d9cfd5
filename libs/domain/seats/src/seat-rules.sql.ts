import { Prisma } from '@leasehold/db';

// The seat rules in SQL, one name each, used by every statement that needs them (checkout,
// heartbeat, release, borrow, sessions, sweeps, the wait queue, reservations, overage, validation,
// license file). Each takes the table aliases of the statement it is spliced into (identifiers
// written in code, never data). The rule's TypeScript twin, where the code decides outside SQL, is
// named beside it. Every statement that uses them is rendered in sql/ (`npm run sql:snapshot`).
// Related rules kept beside their own TypeScript: the seat capacity (`capacitySql`,
// seat-capacity.ts), the wait queue's slot holds (seat-queue.predicates.ts), the reservation
// admission (`reservationAdmits`, reservations.repository.ts), the container revision
// (`containerRevisionSql`, libs/domain/updates/src/container-revision.ts).

const id = (alias: string) => Prisma.raw(alias);

/**
 * A license in SQL by its key, the vendor and the id (each an SQL expression): every rule that
 * reads a license's rows names both, so on Citus the read stays on the vendor's shard.
 */
export interface LicenseKey {
  vendorId: Prisma.Sql;
  id: Prisma.Sql;
}

/** The key of the license row aliased `l`. */
export function licenseKeyOf(l: string): LicenseKey {
  return { vendorId: Prisma.sql`${id(l)}."vendorId"`, id: Prisma.sql`${id(l)}.id` };
}

/** The key of a license given as parameters. */
export function licenseKey(vendorId: string, licenseId: string): LicenseKey {
  return { vendorId: Prisma.sql`${vendorId}::uuid`, id: Prisma.sql`${licenseId}::uuid` };
}

/**
 * Lease `l` holds its seat: it has not ended, and slot `s` is its slot, still points at it and has
 * not expired. A lease stops counting the moment its slot's expiresAt passes, swept or not.
 */
export function leaseHoldsSeat(l: string, s: string): Prisma.Sql {
  const [L, S] = [id(l), id(s)];
  return Prisma.sql`${L}."endedAt" IS NULL AND ${S}."vendorId" = ${L}."vendorId" AND ${S}."licenseId" = ${L}."licenseId" AND ${S}.slot = ${L}.slot AND ${S}."leaseId" = ${L}.id AND ${S}."expiresAt" > now()`;
}

/**
 * The device's leases holding a seat of license `l`: `FROM` and `WHERE` of a select over lease `x`
 * and its slot `s` (at most one row: a checkout of the device resumes its live lease). Checkout
 * context, validation (`leaseHeld`) and license file read it.
 */
export function liveLeasesOfDevice(l: string, fingerprint: string | Prisma.Sql): Prisma.Sql {
  const L = id(l);
  return Prisma.sql`seat_leases x JOIN seat_slots s ON ${leaseHoldsSeat('x', 's')}
              WHERE x."vendorId" = ${L}."vendorId" AND x."licenseId" = ${L}.id AND x.fingerprint = ${fingerprint}`;
}

/** Until when an online seat counts from now: one lease TTL (seconds), never past the license's expiry (null: none). Checkout and heartbeat. */
export function onlineSeatUntil(ttlSeconds: Prisma.Sql, licenseExpiresAt: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`LEAST(now() + make_interval(secs => ${ttlSeconds}), COALESCE(${licenseExpiresAt}, 'infinity'::timestamptz))`;
}

/** Slot `s` is in use: a lease holds it and its seat has not expired. */
export function seatInUse(s: string): Prisma.Sql {
  const S = id(s);
  return Prisma.sql`${S}."leaseId" IS NOT NULL AND ${S}."expiresAt" > now()`;
}

/**
 * Slot `s` holds no lease: the condition of the partial index `seat_slots_empty_idx`, so a search
 * of a license's slots by it reads that index instead of every slot in use.
 */
export function seatEmpty(s: string): Prisma.Sql {
  return Prisma.sql`${id(s)}."leaseId" IS NULL`;
}

/** Slot `s` may be claimed: empty, or the seat of the lease on it expired (the opposite of `seatInUse`). */
export function seatClaimable(s: string): Prisma.Sql {
  const S = id(s);
  return Prisma.sql`(${S}."leaseId" IS NULL OR ${S}."expiresAt" <= now())`;
}

/** The seats of license `license` in use now, as an int. */
export function seatsInUseOf(license: LicenseKey): Prisma.Sql {
  return Prisma.sql`(SELECT count(*)::int FROM seat_slots s WHERE s."vendorId" = ${license.vendorId} AND s."licenseId" = ${license.id} AND ${seatInUse('s')})`;
}

/**
 * License `l` may be used now: ACTIVE, started, not expired. TypeScript twin: `licenseUnusable` /
 * `assertLicenseUsable` (lease-rules.ts), which also say why not.
 */
export function licenseUsable(l: string): Prisma.Sql {
  const L = id(l);
  return Prisma.sql`(${L}.status = 'ACTIVE' AND ${L}."validFrom" <= now() AND (${L}."expiresAt" IS NULL OR ${L}."expiresAt" > now()))`;
}

/**
 * Device `d` counts as active on its container: not deactivated, and an offline one only while its
 * grant runs (each running offline device holds a seat of a PERSONAL license for its grant).
 */
export function deviceActive(d: string): Prisma.Sql {
  const D = id(d);
  return Prisma.sql`${D}."deactivatedAt" IS NULL AND (${D}."offlineUntil" IS NULL OR ${D}."offlineUntil" > now())`;
}

/** Device `d` is the active device of container `c` for the fingerprint (unique index devices(containerId, activeFingerprint)). */
export function deviceOfFingerprint(d: string, c: string, fingerprint: string | Prisma.Sql): Prisma.Sql {
  const [D, C] = [id(d), id(c)];
  return Prisma.sql`${D}."vendorId" = ${C}."vendorId" AND ${D}."containerId" = ${C}.id AND ${D}."activeFingerprint" = ${fingerprint}`;
}

/** How many devices of container `c` are active (`deviceActive`), or with `offlineOnly` of those the offline ones, as an int. */
export function activeDevicesOf(c: string, options: { offlineOnly: boolean }): Prisma.Sql {
  const C = id(c);
  const offline = options.offlineOnly ? Prisma.sql` AND a.method = 'OFFLINE'` : Prisma.empty;
  return Prisma.sql`(SELECT count(*)::int FROM devices a WHERE a."vendorId" = ${C}."vendorId" AND a."containerId" = ${C}.id${offline} AND ${deviceActive('a')})`;
}
