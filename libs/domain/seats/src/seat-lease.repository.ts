import { Injectable } from '@nestjs/common';
import { PgPool, Prisma, SqlExecutor, TenantPrisma } from '@leasehold/db';
import { ContainerKind, LeaseEndReason, LicenseRef, SessionFilter, SessionScope, SessionView } from './seats.types';

// Every statement here is raw SQL on purpose: seat claims need FOR UPDATE SKIP LOCKED and
// conditional updates whose WHERE clause is the rule ("the slot is free or its lease expired",
// "the lease is live and not borrowed"). The tenant extension does not scope raw SQL, so each
// statement names the vendor explicitly. Lock order is always seat slot first, then lease, so
// two of these statements never wait on each other in a cycle.

export interface CheckoutContext {
  licenseId: string;
  containerId: string;
  kind: ContainerKind;
  containerUserId: string | null;
  status: 'ACTIVE' | 'SUSPENDED' | 'REVOKED';
  quantity: number;
  validFrom: Date;
  expiresAt: Date | null;
  leaseTtlSeconds: number;
  heartbeatIntervalSeconds: number;
  borrowAllowed: boolean;
  maxBorrowDays: number;
  /** The active device of the container with the presented fingerprint, if any. */
  deviceId: string | null;
  slots: number;
  now: Date;
}

export interface LeaseRow {
  id: string;
  licenseId: string;
  containerId: string;
  slot: number;
  deviceId: string | null;
  fingerprint: string;
  startedAt: Date;
  expiresAt: Date;
  borrowUntil: Date | null;
  endedAt: Date | null;
  endReason: LeaseEndReason | null;
}

/** A lease with the facts needed to explain why an operation on it did not apply. */
export interface LeaseStateRow extends LeaseRow {
  /** The lease still holds its seat slot and the slot has not expired. */
  live: boolean;
  licenseStatus: 'ACTIVE' | 'SUSPENDED' | 'REVOKED';
  licenseValidFrom: Date;
  licenseExpiresAt: Date | null;
  leaseTtlSeconds: number;
  heartbeatIntervalSeconds: number;
  borrowAllowed: boolean;
  maxBorrowDays: number;
  /** The container's revision (the sum of its licenses' revisions), for the heartbeat answer. */
  containerRevision: number;
  now: Date;
}

/** A lease extended by a heartbeat, with what the answer needs. */
export interface HeartbeatRow extends LeaseRow {
  heartbeatIntervalSeconds: number;
  leaseTtlSeconds: number;
  /** The container's revision (the sum of its licenses' revisions). */
  containerRevision: number;
}

export interface Occupancy {
  inUse: number;
  soonestExpiry: Date | null;
  slots: number;
  quantity: number;
  now: Date;
}

/** How long a claimed seat counts: online (TTL, capped at the license expiry) or borrowed. */
export type LeaseTerm = { borrowUntil: Date } | { ttlSeconds: number; notAfter: Date | null };

function expiryOf(term: LeaseTerm): Prisma.Sql {
  return 'borrowUntil' in term
    ? Prisma.sql`${term.borrowUntil}::timestamptz`
    : Prisma.sql`LEAST(now() + make_interval(secs => ${term.ttlSeconds}::int), COALESCE(${term.notAfter}::timestamptz, 'infinity'::timestamptz))`;
}

/**
 * The container revision of lease `l` (as GET /client/v1/updates: the sum of the container's
 * licenses' revisions), a sub-select on the index licenses(vendorId, containerId).
 */
const CONTAINER_REVISION = Prisma.sql`(SELECT COALESCE(SUM(r.revision), 0)::int FROM licenses r
                      WHERE r."vendorId" = l."vendorId" AND r."containerId" = l."containerId") AS "containerRevision"`;

/**
 * Whose lease `cur` must be: the authenticated container's (vendor in context), or, on the hot
 * path, the container whose current secret has this hash, of an active vendor (authentication in
 * the same statement).
 */
export type LeaseOwner = { containerId: string } | { credentialHash: string };

function ownedBy(owner: LeaseOwner, vendorId: () => string): Prisma.Sql {
  return 'credentialHash' in owner
    ? Prisma.sql`(cur."vendorId", cur."containerId") = (SELECT cc."vendorId", cc.id FROM containers cc JOIN vendors v ON v.id = cc."vendorId"
                                                          WHERE cc."credentialHash" = ${owner.credentialHash} AND v.status = 'ACTIVE')`
    : Prisma.sql`cur."vendorId" = ${vendorId()}::uuid AND cur."containerId" = ${owner.containerId}::uuid`;
}

const LEASE_COLUMNS = Prisma.sql`l.id, l."licenseId", l."containerId", l.slot, l."deviceId", l.fingerprint, l."startedAt", l."expiresAt",
  l."borrowUntil", l."endedAt", l."endReason"::text AS "endReason"`;

@Injectable()
export class SeatLeaseRepository {
  constructor(
    private readonly db: TenantPrisma,
    private readonly pg: PgPool,
  ) {}

  /**
   * The license a checkout is for, with its container, the device behind the fingerprint and the
   * slot count. Also takes a transaction-scoped advisory lock on (container, fingerprint), so two
   * checkouts of one device cannot both miss its existing lease and claim two seats.
   */
  async checkoutContext(tx: SqlExecutor, containerId: string, ref: LicenseRef, fingerprint: string): Promise<CheckoutContext | null> {
    const vendorId = this.db.vendorId;
    const match =
      'licenseId' in ref
        ? Prisma.sql`l.id = ${ref.licenseId}::uuid`
        : Prisma.sql`l."productId" = (SELECT p.id FROM products p WHERE p."vendorId" = ${vendorId}::uuid AND p.code = ${ref.productCode})`;
    const rows = await tx.$queryRaw<CheckoutContext[]>`
      SELECT l.id AS "licenseId", l."containerId", c.kind::text AS kind, c."userId" AS "containerUserId", l.status::text AS status,
             l.quantity, l."validFrom", l."expiresAt", l."leaseTtlSeconds", l."heartbeatIntervalSeconds", l."borrowAllowed",
             l."maxBorrowDays",
             (SELECT d.id FROM devices d
               WHERE d."containerId" = c.id AND d."vendorId" = c."vendorId" AND d."activeFingerprint" = ${fingerprint}) AS "deviceId",
             (SELECT count(*)::int FROM seat_slots s WHERE s."licenseId" = l.id) AS slots,
             now() AS now,
             (SELECT pg_advisory_xact_lock(hashtextextended(${containerId} || ':' || ${fingerprint}, 0))) IS NULL AS locked
        FROM licenses l
        JOIN containers c ON c.id = l."containerId" AND c."vendorId" = l."vendorId"
       WHERE l."vendorId" = ${vendorId}::uuid AND l."containerId" = ${containerId}::uuid AND ${match}
       ORDER BY (l.status = 'ACTIVE' AND l."validFrom" <= now() AND (l."expiresAt" IS NULL OR l."expiresAt" > now())) DESC,
                l."expiresAt" DESC NULLS FIRST, l.id
       LIMIT 1`;
    return rows[0] ?? null;
  }

  /** The device's lease on this license that still holds an unexpired seat. */
  async findLiveLease(tx: SqlExecutor, licenseId: string, fingerprint: string): Promise<LeaseRow | null> {
    const rows = await tx.$queryRaw<LeaseRow[]>`
      SELECT ${LEASE_COLUMNS} FROM seat_leases l
        JOIN seat_slots s ON s."licenseId" = l."licenseId" AND s.slot = l.slot AND s."leaseId" = l.id
       WHERE l."vendorId" = ${this.db.vendorId}::uuid AND l."licenseId" = ${licenseId}::uuid AND l.fingerprint = ${fingerprint}
         AND l."endedAt" IS NULL AND s."expiresAt" > now()
       LIMIT 1`;
    return rows[0] ?? null;
  }

  /**
   * Claims one seat: the lowest slot that is free or whose lease has expired, and only while the
   * pool has no excess slots (slots ≤ quantity, see SeatPoolService). With `wait: false` a slot
   * locked by a concurrent transaction is skipped; with `wait: true` the statement waits for such
   * locks and re-checks the slot afterwards, so a slot that is free once a concurrent release or
   * sweep commits is still found. Returns the slot and the expired lease it held before, if any.
   */
  async claimSlot(
    tx: SqlExecutor,
    input: { licenseId: string; leaseId: string; term: LeaseTerm; wait: boolean },
  ): Promise<{ slot: number; previousLeaseId: string | null; expiresAt: Date } | null> {
    const vendorId = this.db.vendorId;
    const lock = input.wait ? Prisma.sql`FOR UPDATE` : Prisma.sql`FOR UPDATE SKIP LOCKED`;
    const rows = await tx.$queryRaw<{ slot: number; previousLeaseId: string | null; expiresAt: Date }[]>`
      WITH pick AS (
        SELECT s.slot, s."leaseId" FROM seat_slots s
         WHERE s."licenseId" = ${input.licenseId}::uuid AND s."vendorId" = ${vendorId}::uuid
           AND (s."leaseId" IS NULL OR s."expiresAt" <= now())
           AND (SELECT count(*) FROM seat_slots x WHERE x."licenseId" = ${input.licenseId}::uuid)
               <= (SELECT q.quantity FROM licenses q WHERE q.id = ${input.licenseId}::uuid)
         ORDER BY s.slot
         LIMIT 1
         ${lock})
      UPDATE seat_slots t SET "leaseId" = ${input.leaseId}::uuid, "expiresAt" = ${expiryOf(input.term)}
        FROM pick
       WHERE t."licenseId" = ${input.licenseId}::uuid AND t.slot = pick.slot
      RETURNING t.slot, pick."leaseId" AS "previousLeaseId", t."expiresAt"`;
    return rows[0] ?? null;
  }

  /** Seats in use right now and the soonest moment one of them frees itself. */
  async occupancy(tx: SqlExecutor, licenseId: string): Promise<Occupancy> {
    const rows = await tx.$queryRaw<Occupancy[]>`
      SELECT count(*) FILTER (WHERE s."leaseId" IS NOT NULL AND s."expiresAt" > now())::int AS "inUse",
             min(s."expiresAt") FILTER (WHERE s."leaseId" IS NOT NULL AND s."expiresAt" > now()) AS "soonestExpiry",
             count(*)::int AS slots,
             (SELECT q.quantity FROM licenses q WHERE q.id = ${licenseId}::uuid) AS quantity,
             now() AS now
        FROM seat_slots s
       WHERE s."licenseId" = ${licenseId}::uuid AND s."vendorId" = ${this.db.vendorId}::uuid`;
    return rows[0];
  }

  async insertLease(
    tx: SqlExecutor,
    lease: {
      id: string;
      licenseId: string;
      containerId: string;
      slot: number;
      deviceId: string | null;
      fingerprint: string;
      clientName: string | null;
      userId: string | null;
      expiresAt: Date;
      borrowUntil: Date | null;
    },
  ): Promise<LeaseRow> {
    const rows = await tx.$queryRaw<LeaseRow[]>`
      INSERT INTO seat_leases AS l (id, "vendorId", "licenseId", "containerId", slot, "deviceId", fingerprint, "clientName", "userId",
                                    "startedAt", "lastHeartbeatAt", "expiresAt", "borrowUntil")
      VALUES (${lease.id}::uuid, ${this.db.vendorId}::uuid, ${lease.licenseId}::uuid, ${lease.containerId}::uuid, ${lease.slot}::int,
              ${lease.deviceId}::uuid, ${lease.fingerprint}, ${lease.clientName}, ${lease.userId}::uuid, now(), now(),
              ${lease.expiresAt}::timestamptz, ${lease.borrowUntil}::timestamptz)
      RETURNING ${LEASE_COLUMNS}`;
    return rows[0];
  }

  /** One more refused checkout in the license's current hour (an upsert on the hour's row). */
  async countDenial(tx: SqlExecutor, licenseId: string): Promise<void> {
    await tx.$executeRaw`
      INSERT INTO license_usage_hours ("licenseId", hour, "vendorId", denials)
      VALUES (${licenseId}::uuid, date_trunc('hour', now()), ${this.db.vendorId}::uuid, 1)
      ON CONFLICT ("licenseId", hour) DO UPDATE SET denials = license_usage_hours.denials + 1`;
  }

  /**
   * The heartbeat, in one statement: extends the seat and the lease of a live, online (not
   * borrowed) lease of the owner's container whose license is still usable, answering the
   * container revision too. No row means "did not apply" (or, by credential hash, "not this
   * secret's lease"); `leaseState` then explains why.
   */
  async heartbeat(tx: SqlExecutor | undefined, leaseId: string, owner: LeaseOwner): Promise<HeartbeatRow | null> {
    const db = tx ?? this.pg.sql;
    const rows = await db.$queryRaw<HeartbeatRow[]>`
      WITH extended AS (
        UPDATE seat_slots s
           SET "expiresAt" = LEAST(now() + make_interval(secs => lic."leaseTtlSeconds"), COALESCE(lic."expiresAt", 'infinity'::timestamptz))
          FROM seat_leases cur, licenses lic
         WHERE cur.id = ${leaseId}::uuid AND ${ownedBy(owner, () => this.db.vendorId)}
           AND cur."endedAt" IS NULL AND cur."borrowUntil" IS NULL
           AND s."licenseId" = cur."licenseId" AND s.slot = cur.slot AND s."leaseId" = cur.id AND s."expiresAt" > now()
           AND lic.id = cur."licenseId" AND lic.status = 'ACTIVE' AND lic."validFrom" <= now()
           AND (lic."expiresAt" IS NULL OR lic."expiresAt" > now())
        RETURNING s."leaseId", s."expiresAt", lic."heartbeatIntervalSeconds", lic."leaseTtlSeconds")
      UPDATE seat_leases l SET "lastHeartbeatAt" = now(), "expiresAt" = extended."expiresAt"
        FROM extended
       WHERE l.id = extended."leaseId"
      RETURNING ${LEASE_COLUMNS}, extended."heartbeatIntervalSeconds", extended."leaseTtlSeconds", ${CONTAINER_REVISION}`;
    return rows[0] ?? null;
  }

  /** A lease of the current vendor (narrowed by scope) with its license, to explain outcomes. */
  async leaseState(tx: SqlExecutor | undefined, leaseId: string, scope: SessionScope): Promise<LeaseStateRow | null> {
    const db = tx ?? this.pg.sql;
    const rows = await db.$queryRaw<LeaseStateRow[]>`
      SELECT ${LEASE_COLUMNS},
             (l."endedAt" IS NULL AND EXISTS (SELECT 1 FROM seat_slots s WHERE s."licenseId" = l."licenseId" AND s.slot = l.slot
                                              AND s."leaseId" = l.id AND s."expiresAt" > now())) AS live,
             lic.status::text AS "licenseStatus", lic."validFrom" AS "licenseValidFrom", lic."expiresAt" AS "licenseExpiresAt",
             lic."leaseTtlSeconds", lic."heartbeatIntervalSeconds", lic."borrowAllowed", lic."maxBorrowDays",
             ${CONTAINER_REVISION}, now() AS now
        FROM seat_leases l
        JOIN licenses lic ON lic.id = l."licenseId"
        JOIN containers c ON c.id = l."containerId"
       WHERE l.id = ${leaseId}::uuid AND l."vendorId" = ${this.db.vendorId}::uuid ${scopeSql(scope)}`;
    return rows[0] ?? null;
  }

  /**
   * Frees the seat of a live lease (slot back to empty). `onlineOnly` refuses a borrowed lease
   * inside the same statement, so an admin stop can never end a borrow however it races.
   */
  async freeSlot(tx: SqlExecutor, leaseId: string, scope: SessionScope, options: { onlineOnly: boolean }): Promise<boolean> {
    const online = options.onlineOnly ? Prisma.sql`AND l."borrowUntil" IS NULL` : Prisma.empty;
    const count = await tx.$executeRaw`
      UPDATE seat_slots s SET "leaseId" = NULL, "expiresAt" = NULL
        FROM seat_leases l, containers c
       WHERE l.id = ${leaseId}::uuid AND l."vendorId" = ${this.db.vendorId}::uuid AND l."endedAt" IS NULL ${online}
         AND c.id = l."containerId" ${scopeSql(scope)}
         AND s."licenseId" = l."licenseId" AND s.slot = l.slot AND s."leaseId" = l.id AND s."expiresAt" > now()`;
    return count === 1;
  }

  /**
   * Ends a lease that has not ended yet. `at: 'now'` for a release, stop or removal; an expired
   * lease ends at its own expiry. Returns null when it had already ended.
   */
  async endLease(tx: SqlExecutor, leaseId: string, reason: LeaseEndReason, at: 'now' | 'expiry'): Promise<LeaseRow | null> {
    const endedAt = at === 'now' ? Prisma.sql`now()` : Prisma.sql`LEAST(l."expiresAt", now())`;
    const rows = await tx.$queryRaw<LeaseRow[]>`
      UPDATE seat_leases l SET "endedAt" = ${endedAt}, "endReason" = ${reason}::"LeaseEndReason"
       WHERE l.id = ${leaseId}::uuid AND l."vendorId" = ${this.db.vendorId}::uuid AND l."endedAt" IS NULL
      RETURNING ${LEASE_COLUMNS}`;
    return rows[0] ?? null;
  }

  /** Sets (or moves) the borrow end of a live lease; the seat then counts until exactly then. */
  async setBorrow(tx: SqlExecutor, leaseId: string, containerId: string, until: Date): Promise<LeaseRow | null> {
    const vendorId = this.db.vendorId;
    const rows = await tx.$queryRaw<LeaseRow[]>`
      WITH seat AS (
        UPDATE seat_slots s SET "expiresAt" = ${until}::timestamptz
          FROM seat_leases cur
         WHERE cur.id = ${leaseId}::uuid AND cur."vendorId" = ${vendorId}::uuid AND cur."containerId" = ${containerId}::uuid
           AND cur."endedAt" IS NULL
           AND s."licenseId" = cur."licenseId" AND s.slot = cur.slot AND s."leaseId" = cur.id AND s."expiresAt" > now()
        RETURNING s."leaseId")
      UPDATE seat_leases l SET "borrowUntil" = ${until}::timestamptz, "expiresAt" = ${until}::timestamptz, "lastHeartbeatAt" = now()
        FROM seat
       WHERE l.id = seat."leaseId"
      RETURNING ${LEASE_COLUMNS}`;
    return rows[0] ?? null;
  }

  /** Live sessions (leases holding an unexpired seat), oldest id first. */
  async listSessions(filter: SessionFilter): Promise<SessionView[]> {
    const cursor = filter.cursor ? Prisma.sql`AND l.id > ${filter.cursor}::uuid` : Prisma.empty;
    return this.db.client.$queryRaw<SessionView[]>`
      SELECT l.id, l."licenseId", l."containerId", l.slot, l."deviceId", d.name AS "deviceName", l.fingerprint, l."clientName",
             l."userId", l."startedAt", l."lastHeartbeatAt", s."expiresAt", (l."borrowUntil" IS NOT NULL) AS borrowed, l."borrowUntil"
        FROM seat_leases l
        JOIN seat_slots s ON s."licenseId" = l."licenseId" AND s.slot = l.slot AND s."leaseId" = l.id AND s."expiresAt" > now()
        JOIN containers c ON c.id = l."containerId"
        LEFT JOIN devices d ON d.id = l."deviceId"
       WHERE l."vendorId" = ${this.db.vendorId}::uuid AND l."endedAt" IS NULL ${scopeSql(filter)} ${cursor}
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
          JOIN seat_leases l ON l.id = s."leaseId"
          JOIN containers c ON c.id = l."containerId"
         WHERE s."vendorId" = ${vendorId}::uuid AND l."vendorId" = ${vendorId}::uuid AND l."endedAt" IS NULL
           AND (l."userId" = ${userId}::uuid OR c."userId" = ${userId}::uuid)
         ORDER BY s."licenseId", s.slot
           FOR UPDATE OF s)
      UPDATE seat_slots s SET "leaseId" = NULL, "expiresAt" = NULL
        FROM mine
       WHERE s."licenseId" = mine."licenseId" AND s.slot = mine.slot AND s."leaseId" = mine."leaseId"
      RETURNING mine."leaseId"`;
    return rows.map((r) => r.leaseId);
  }

  /** Leases of the user that have not ended yet (live or expired but not swept). */
  async unendedLeaseIdsOfUser(tx: SqlExecutor, userId: string): Promise<string[]> {
    const rows = await tx.$queryRaw<{ id: string }[]>`
      SELECT l.id FROM seat_leases l JOIN containers c ON c.id = l."containerId"
       WHERE l."vendorId" = ${this.db.vendorId}::uuid AND l."endedAt" IS NULL
         AND (l."userId" = ${userId}::uuid OR c."userId" = ${userId}::uuid)`;
    return rows.map((r) => r.id);
  }
}

/** Conditions narrowing a query on lease `l` joined with its container `c`. */
function scopeSql(scope: SessionScope): Prisma.Sql {
  const parts: Prisma.Sql[] = [];
  if (scope.licenseId) parts.push(Prisma.sql`AND l."licenseId" = ${scope.licenseId}::uuid`);
  if (scope.containerId) parts.push(Prisma.sql`AND l."containerId" = ${scope.containerId}::uuid`);
  if (scope.groupId) parts.push(Prisma.sql`AND c."groupId" = ${scope.groupId}::uuid`);
  return parts.length ? Prisma.join(parts, ' ') : Prisma.empty;
}
