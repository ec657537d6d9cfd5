import { Injectable } from '@nestjs/common';
import { advisoryLockKey, PgPool, Prisma, SqlExecutor, TenantPrisma } from '@leasehold/db';
import { SLOT_FREE } from './seat-availability.sql';
import { capacitySql, overageTrackedSql } from './seat-capacity';
import { SLOT_OPEN_TO_CHECKOUT, slotHeldFor } from './seat-queue.predicates';
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
  containerGroupId: string | null;
  /** Set when the container's user was removed or disabled: checkout is refused. */
  accessRevokedAt: Date | null;
  accessRevokedReason: string | null;
  status: 'ACTIVE' | 'SUSPENDED' | 'REVOKED';
  quantity: number;
  /** quantity + the overage allowance: the seats the pool may hand out (see seat-capacity.ts). */
  capacity: number;
  /** The license has seat reservations: checkouts pass `reservationAdmits` under a license lock. */
  hasReservations: boolean;
  /** The license has an overage allowance or an open overage episode: checkouts settle it. */
  overageTracked: boolean;
  validFrom: Date;
  expiresAt: Date | null;
  leaseTtlSeconds: number;
  heartbeatIntervalSeconds: number;
  borrowAllowed: boolean;
  maxBorrowDays: number;
  offlinePeriodDays: number;
  /** The active device of the container with the presented fingerprint, if any. */
  deviceId: string | null;
  slots: number;
  now: Date;
  /** The device's lease on this license that still holds an unexpired seat, if any. */
  liveLease: LeaseRow | null;
}

interface LiveLeaseColumns {
  liveId: string | null;
  liveSlot: number | null;
  liveDeviceId: string | null;
  liveStartedAt: Date | null;
  liveExpiresAt: Date | null;
  liveBorrowUntil: Date | null;
  liveReturnKeyHash: string | null;
  liveOverage: boolean | null;
}

/** A lease about to start: everything but the slot and times, which the claim decides. */
export interface NewLease {
  id: string;
  licenseId: string;
  containerId: string;
  deviceId: string | null;
  fingerprint: string;
  clientName: string | null;
  userId: string | null;
  borrowUntil: Date | null;
  returnKeyHash: string | null;
}

/** The advisory-lock key a checkout holds for (container, fingerprint), see `checkoutContext`. */
export function checkoutLockKey(containerId: string, fingerprint: string): bigint {
  return advisoryLockKey(`seat-checkout:${containerId}:${fingerprint}`);
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
  /** Borrowed seats: what an early return must prove (SHA-256 of the program's return key). */
  returnKeyHash: string | null;
  endedAt: Date | null;
  endReason: LeaseEndReason | null;
  /** Checked out above the license's quantity (within its overage allowance). */
  overage: boolean;
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
  offlinePeriodDays: number;
  /** The container's revision (see CONTAINER_REVISION), for the heartbeat answer. */
  containerRevision: number;
  /** The container's access was revoked (its user removed or disabled). */
  accessRevokedAt: Date | null;
  accessRevokedReason: string | null;
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
  /** quantity + overage allowance. */
  capacity: number;
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
 * The container revision of lease `l` (as GET /client/v1/updates, see libs/domain/updates
 * container-revision.ts: the container's own revision plus the sum of its licenses' revisions),
 * sub-selects on the containers primary key and the index licenses(vendorId, containerId).
 */
const CONTAINER_REVISION = Prisma.sql`((SELECT cr.revision FROM containers cr WHERE cr.id = l."containerId")
                      + (SELECT COALESCE(SUM(r.revision), 0) FROM licenses r
                          WHERE r."vendorId" = l."vendorId" AND r."containerId" = l."containerId"))::int AS "containerRevision"`;

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
  l."borrowUntil", l."returnKeyHash", l."endedAt", l."endReason"::text AS "endReason", l.overage`;

@Injectable()
export class SeatLeaseRepository {
  constructor(
    private readonly db: TenantPrisma,
    private readonly pg: PgPool,
  ) {}

  /**
   * The license a checkout is for, with its container, the device behind the fingerprint, the slot
   * count and the device's live lease on it, if any. Run it after taking the checkout's advisory
   * lock on (container, fingerprint) (`checkoutLockKey`, with BEGIN): its snapshot is then taken
   * after any concurrent checkout of the same device committed, so two of them cannot both miss
   * the live lease and claim two seats.
   */
  async checkoutContext(tx: SqlExecutor, containerId: string, ref: LicenseRef, fingerprint: string): Promise<CheckoutContext | null> {
    const vendorId = this.db.vendorId;
    const match =
      'licenseId' in ref
        ? Prisma.sql`l.id = ${ref.licenseId}::uuid`
        : Prisma.sql`l."productId" = (SELECT p.id FROM products p WHERE p."vendorId" = ${vendorId}::uuid AND p.code = ${ref.productCode})`;
    const rows = await tx.$queryRaw<(Omit<CheckoutContext, 'liveLease'> & LiveLeaseColumns)[]>`
      SELECT l.id AS "licenseId", l."containerId", c.kind::text AS kind, c."userId" AS "containerUserId", c."groupId" AS "containerGroupId",
             c."accessRevokedAt", c."accessRevokedReason", l.status::text AS status,
             l.quantity, ${capacitySql('l')}::int AS capacity,
             EXISTS (SELECT 1 FROM seat_reservations sr WHERE sr."licenseId" = l.id) AS "hasReservations",
             (${capacitySql('l')} > l.quantity
              OR EXISTS (SELECT 1 FROM license_overage_episodes oe WHERE oe."licenseId" = l.id AND oe."endedAt" IS NULL)) AS "overageTracked",
             l."validFrom", l."expiresAt", l."leaseTtlSeconds", l."heartbeatIntervalSeconds", l."borrowAllowed",
             l."maxBorrowDays", l."offlinePeriodDays",
             (SELECT d.id FROM devices d
               WHERE d."containerId" = c.id AND d."vendorId" = c."vendorId" AND d."activeFingerprint" = ${fingerprint}) AS "deviceId",
             (SELECT count(*)::int FROM seat_slots s WHERE s."licenseId" = l.id) AS slots,
             now() AS now,
             live.id AS "liveId", live.slot AS "liveSlot", live."deviceId" AS "liveDeviceId", live."startedAt" AS "liveStartedAt",
             live."expiresAt" AS "liveExpiresAt", live."borrowUntil" AS "liveBorrowUntil", live."returnKeyHash" AS "liveReturnKeyHash",
             live.overage AS "liveOverage"
        FROM licenses l
        JOIN containers c ON c.id = l."containerId" AND c."vendorId" = l."vendorId"
        LEFT JOIN LATERAL (
             SELECT x.id, x.slot, x."deviceId", x."startedAt", x."expiresAt", x."borrowUntil", x."returnKeyHash", x.overage FROM seat_leases x
               JOIN seat_slots s ON s."licenseId" = x."licenseId" AND s.slot = x.slot AND s."leaseId" = x.id
              WHERE x."vendorId" = l."vendorId" AND x."licenseId" = l.id AND x.fingerprint = ${fingerprint}
                AND x."endedAt" IS NULL AND s."expiresAt" > now()
              LIMIT 1) live ON true
       WHERE l."vendorId" = ${vendorId}::uuid AND l."containerId" = ${containerId}::uuid AND ${match}
       ORDER BY (l.status = 'ACTIVE' AND l."validFrom" <= now() AND (l."expiresAt" IS NULL OR l."expiresAt" > now())) DESC,
                l."expiresAt" DESC NULLS FIRST, l.id
       LIMIT 1`;
    const row = rows[0];
    if (!row) return null;
    const { liveId, liveSlot, liveDeviceId, liveStartedAt, liveExpiresAt, liveBorrowUntil, liveReturnKeyHash, liveOverage, ...context } = row;
    const liveLease: LeaseRow | null =
      liveId === null
        ? null
        : {
            id: liveId,
            licenseId: context.licenseId,
            containerId: context.containerId,
            slot: liveSlot as number,
            deviceId: liveDeviceId,
            fingerprint,
            startedAt: liveStartedAt as Date,
            expiresAt: liveExpiresAt as Date,
            borrowUntil: liveBorrowUntil,
            returnKeyHash: liveReturnKeyHash,
            endedAt: null,
            endReason: null,
            overage: liveOverage ?? false,
          };
    return { ...context, liveLease };
  }

  /**
   * Claims one seat and starts the lease on it, in one statement: the lowest slot that is free or
   * whose lease has expired, and only while the pool has no excess slots (slots ≤ quantity, see
   * SeatPoolService). With `wait: false` a slot locked by a concurrent transaction is skipped; with
   * `wait: true` the statement waits for such locks and re-checks the slot afterwards, so a slot
   * that is free once a concurrent release or sweep commits is still found. Returns the new lease
   * and the expired lease the slot held before, if any; null when no slot was free.
   *
   * The lease starts at `clock_timestamp()` taken once the slot row is locked and updated, not at
   * `now()` (the start of this transaction, which may be long before a concurrent release of the
   * slot committed): every earlier lease of the slot ended (at its own transaction's `now()`, or
   * at its expiry ≤ `now()`) before that instant, so the history of a slot never overlaps and
   * usage reports never show more seats than the license has (issue 10, hole 9).
   *
   * Wait queue (seat-queue.predicates.ts): with `ticketId` only the slot held for that ticket (of
   * this fingerprint) is taken; without, no held slot is, and none while tickets wait.
   * `admission` is an extra condition the claim must meet (`reservationAdmits`, the seats held for
   * reservations); the pool holds quantity + overage allowance slots (capacity).
   */
  async claimSlot(
    tx: SqlExecutor,
    input: { lease: NewLease; term: LeaseTerm; wait: boolean; ticketId?: string | null; admission?: Prisma.Sql },
  ): Promise<{ lease: LeaseRow; previousLeaseId: string | null } | null> {
    const vendorId = this.db.vendorId;
    const { lease } = input;
    const lock = input.wait ? Prisma.sql`FOR UPDATE` : Prisma.sql`FOR UPDATE SKIP LOCKED`;
    const queue = input.ticketId ? slotHeldFor(input.ticketId, lease.fingerprint) : SLOT_OPEN_TO_CHECKOUT;
    const rows = await tx.$queryRaw<(LeaseRow & { previousLeaseId: string | null })[]>`
      WITH pick AS (
        SELECT s.slot, s."leaseId" FROM seat_slots s
         WHERE s."licenseId" = ${lease.licenseId}::uuid AND s."vendorId" = ${vendorId}::uuid
           AND ${SLOT_FREE}
           AND (SELECT count(*) FROM seat_slots x WHERE x."licenseId" = ${lease.licenseId}::uuid)
               <= (SELECT ${capacitySql('q')} FROM licenses q WHERE q.id = ${lease.licenseId}::uuid)
           AND ${queue}
           AND ${input.admission ?? Prisma.sql`true`}
         ORDER BY s.slot
         LIMIT 1
         ${lock}),
      claimed AS (
        UPDATE seat_slots t SET "leaseId" = ${lease.id}::uuid, "expiresAt" = ${expiryOf(input.term)}, "heldTicketId" = NULL, "heldUntil" = NULL
          FROM pick
         WHERE t."licenseId" = ${lease.licenseId}::uuid AND t.slot = pick.slot
        RETURNING t.slot, pick."leaseId" AS "previousLeaseId", t."expiresAt", clock_timestamp() AS "claimedAt"),
      started AS (
        INSERT INTO seat_leases AS l (id, "vendorId", "licenseId", "containerId", slot, "deviceId", fingerprint, "clientName", "userId",
                                      "startedAt", "lastHeartbeatAt", "expiresAt", "borrowUntil", "returnKeyHash")
        SELECT ${lease.id}::uuid, ${vendorId}::uuid, ${lease.licenseId}::uuid, ${lease.containerId}::uuid, claimed.slot,
               ${lease.deviceId}::uuid, ${lease.fingerprint}, ${lease.clientName}, ${lease.userId}::uuid, claimed."claimedAt", claimed."claimedAt",
               claimed."expiresAt", ${lease.borrowUntil}::timestamptz, ${lease.borrowUntil ? lease.returnKeyHash : null}
          FROM claimed
        RETURNING ${LEASE_COLUMNS})
      SELECT started.*, claimed."previousLeaseId" FROM started, claimed`;
    const row = rows[0];
    if (!row) return null;
    const { previousLeaseId, ...started } = row;
    return { lease: started, previousLeaseId };
  }

  /**
   * PERSONAL containers: locks the container row (offline activations take the same lock, so a
   * checkout and an offline activation of one container run one after another) and counts its
   * offline devices whose grant still runs: each of them runs without a lease and so holds one of
   * the license's seats for its whole grant.
   */
  async lockPersonalOffline(tx: SqlExecutor, containerId: string, exceptFingerprint: string): Promise<number> {
    const vendorId = this.db.vendorId;
    await tx.$queryRaw`SELECT id FROM containers WHERE id = ${containerId}::uuid AND "vendorId" = ${vendorId}::uuid FOR UPDATE`;
    const rows = await tx.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM devices
       WHERE "vendorId" = ${vendorId}::uuid AND "containerId" = ${containerId}::uuid AND method = 'OFFLINE'
         AND fingerprint <> ${exceptFingerprint} AND "deactivatedAt" IS NULL AND ("offlineUntil" IS NULL OR "offlineUntil" > now())`;
    return rows[0].n;
  }

  /** Seats in use right now and the soonest moment one of them frees itself. */
  async occupancy(tx: SqlExecutor, licenseId: string): Promise<Occupancy> {
    const rows = await tx.$queryRaw<Occupancy[]>`
      SELECT count(*) FILTER (WHERE s."leaseId" IS NOT NULL AND s."expiresAt" > now())::int AS "inUse",
             min(s."expiresAt") FILTER (WHERE s."leaseId" IS NOT NULL AND s."expiresAt" > now()) AS "soonestExpiry",
             count(*)::int AS slots,
             (SELECT q.quantity FROM licenses q WHERE q.id = ${licenseId}::uuid) AS quantity,
             (SELECT ${capacitySql('q')} FROM licenses q WHERE q.id = ${licenseId}::uuid)::int AS capacity,
             now() AS now
        FROM seat_slots s
       WHERE s."licenseId" = ${licenseId}::uuid AND s."vendorId" = ${this.db.vendorId}::uuid`;
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
           -- a container whose user was removed or disabled keeps no seat alive (CONTAINER_ACCESS_REVOKED)
           AND NOT EXISTS (SELECT 1 FROM containers rc WHERE rc.id = cur."containerId" AND rc."accessRevokedAt" IS NOT NULL)
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
             lic."leaseTtlSeconds", lic."heartbeatIntervalSeconds", lic."borrowAllowed", lic."maxBorrowDays", lic."offlinePeriodDays",
             ${CONTAINER_REVISION}, c."accessRevokedAt", c."accessRevokedReason", now() AS now
        FROM seat_leases l
        JOIN licenses lic ON lic.id = l."licenseId"
        JOIN containers c ON c.id = l."containerId"
       WHERE l.id = ${leaseId}::uuid AND l."vendorId" = ${this.db.vendorId}::uuid ${scopeSql(scope)}`;
    return rows[0] ?? null;
  }

  /**
   * Frees the seat of a live lease (slot back to empty). `onlineOnly` refuses a borrowed lease
   * inside the same statement, so an admin stop can never end a borrow however it races. Otherwise
   * a borrowed lease is freed only when `returnProofHash` (SHA-256 of the return key presented)
   * equals the hash the borrow committed to, also decided in the statement.
   */
  async freeSlot(tx: SqlExecutor, leaseId: string, scope: SessionScope, options: { onlineOnly: boolean; returnProofHash?: string | null }): Promise<boolean> {
    const online = options.onlineOnly
      ? Prisma.sql`AND l."borrowUntil" IS NULL`
      : Prisma.sql`AND (l."borrowUntil" IS NULL OR (l."returnKeyHash" IS NOT NULL AND l."returnKeyHash" = ${options.returnProofHash ?? null}))`;
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

  /**
   * The hot path of a release, in one autocommitted statement: for the container whose current
   * secret has `credentialHash` (of an active vendor), frees the seat of its live online (not
   * borrowed) lease, ends the lease as RELEASED now and appends its `seat.released` event (id
   * `eventId`, the payload `seatEvent` builds), all or nothing. Slot first, then lease, as every
   * seat statement. Null when it did not apply (unknown secret, another container's lease, a
   * borrowed, expired or already ended lease, or a license with overage to settle): the general
   * `release` then decides and explains.
   */
  async releaseOnlineByCredential(credentialHash: string, leaseId: string, eventId: string): Promise<LeaseRow | null> {
    const iso = (column: Prisma.Sql) => Prisma.sql`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
    const rows = await this.pg.sql.$queryRaw<LeaseRow[]>`
      WITH freed AS (
        UPDATE seat_slots s SET "leaseId" = NULL, "expiresAt" = NULL
          FROM seat_leases cur
         WHERE cur.id = ${leaseId}::uuid AND ${ownedBy({ credentialHash }, () => this.db.vendorId)}
           AND cur."endedAt" IS NULL AND cur."borrowUntil" IS NULL
           AND s."licenseId" = cur."licenseId" AND s.slot = cur.slot AND s."leaseId" = cur.id AND s."expiresAt" > now()
           -- an overage episode to settle: left to SeatsService.release (one transaction with the settle)
           AND NOT EXISTS (SELECT 1 FROM licenses lq WHERE lq.id = cur."licenseId" AND ${overageTrackedSql('lq')})
        RETURNING cur.id),
      ended AS (
        UPDATE seat_leases l SET "endedAt" = now(), "endReason" = 'RELEASED'
          FROM freed
         WHERE l.id = freed.id AND l."endedAt" IS NULL
        RETURNING ${LEASE_COLUMNS}, l."vendorId"),
      event AS (
        INSERT INTO domain_events (id, "vendorId", type, "aggregateType", "aggregateId", payload)
        SELECT ${eventId}::uuid, e."vendorId", 'seat.released', 'seat', e.id::text,
               jsonb_build_object('leaseId', e.id, 'licenseId', e."licenseId", 'containerId', e."containerId", 'slot', e.slot,
                                  'deviceId', e."deviceId", 'fingerprint', e.fingerprint, 'expiresAt', ${iso(Prisma.sql`e."expiresAt"`)},
                                  'borrowUntil', NULL, 'endedAt', ${iso(Prisma.sql`e."endedAt"`)}, 'endReason', e."endReason")
          FROM ended e)
      SELECT id, "licenseId", "containerId", slot, "deviceId", fingerprint, "startedAt", "expiresAt", "borrowUntil", "returnKeyHash",
             "endedAt", "endReason"
        FROM ended`;
    return rows[0] ?? null;
  }

  /**
   * Sets (or moves later) the borrow end of a live lease; the seat then counts until exactly then.
   * The return key hash is taken when the lease becomes borrowed and never changes afterwards; a
   * borrow's end never moves earlier here (that would be an early return without proof): both
   * are conditions of the statement, so no race slips past them.
   */
  async setBorrow(tx: SqlExecutor, leaseId: string, containerId: string, until: Date, returnKeyHash: string | null = null): Promise<LeaseRow | null> {
    const vendorId = this.db.vendorId;
    const rows = await tx.$queryRaw<LeaseRow[]>`
      WITH seat AS (
        UPDATE seat_slots s SET "expiresAt" = ${until}::timestamptz
          FROM seat_leases cur
         WHERE cur.id = ${leaseId}::uuid AND cur."vendorId" = ${vendorId}::uuid AND cur."containerId" = ${containerId}::uuid
           AND cur."endedAt" IS NULL
           AND (cur."borrowUntil" IS NULL OR cur."borrowUntil" <= ${until}::timestamptz)
           AND s."licenseId" = cur."licenseId" AND s.slot = cur.slot AND s."leaseId" = cur.id AND s."expiresAt" > now()
        RETURNING s."leaseId")
      UPDATE seat_leases l SET "borrowUntil" = ${until}::timestamptz, "expiresAt" = ${until}::timestamptz, "lastHeartbeatAt" = now(),
             "returnKeyHash" = CASE WHEN l."borrowUntil" IS NULL THEN ${returnKeyHash} ELSE l."returnKeyHash" END
        FROM seat
       WHERE l.id = seat."leaseId"
      RETURNING ${LEASE_COLUMNS}`;
    return rows[0] ?? null;
  }

  /**
   * The churn limit of a container, under a lock on its row (device activations and deactivations
   * take the same lock): the strictest `maxDeactivationsPer30Days` of its licenses that are not
   * revoked, and the moments of its customer-side deactivations and early returns of borrowed
   * seats in the last 30 days, oldest first.
   */
  async lockChurn(tx: SqlExecutor, containerId: string): Promise<{ limit: number | null; recent: Date[]; now: Date }> {
    const vendorId = this.db.vendorId;
    await tx.$queryRaw`SELECT id FROM containers WHERE id = ${containerId}::uuid AND "vendorId" = ${vendorId}::uuid FOR UPDATE`;
    const rows = await tx.$queryRaw<{ limit: number | null; recent: Date[] | null; now: Date }[]>`
      SELECT (SELECT min(l."maxDeactivationsPer30Days") FROM licenses l
               WHERE l."vendorId" = ${vendorId}::uuid AND l."containerId" = ${containerId}::uuid AND l.status <> 'REVOKED')::int AS "limit",
             (SELECT array_agg(t ORDER BY t) FROM (
                SELECT d."deactivatedAt" AS t FROM devices d
                 WHERE d."vendorId" = ${vendorId}::uuid AND d."containerId" = ${containerId}::uuid
                   AND d."deactivatedBy" IN ('DEVICE', 'PORTAL_USER') AND d."deactivatedAt" > now() - interval '30 days'
                UNION ALL
                SELECT x."endedAt" FROM seat_leases x
                 WHERE x."vendorId" = ${vendorId}::uuid AND x."containerId" = ${containerId}::uuid
                   AND x."endReason" = 'RETURNED' AND x."endedAt" > now() - interval '30 days') r) AS recent,
             now() AS now`;
    return { limit: rows[0].limit, recent: rows[0].recent ?? [], now: rows[0].now };
  }

  /** Live sessions (leases holding an unexpired seat), oldest id first. */
  async listSessions(filter: SessionFilter): Promise<SessionView[]> {
    const cursor = filter.cursor ? Prisma.sql`AND l.id > ${filter.cursor}::uuid` : Prisma.empty;
    return this.db.client.$queryRaw<SessionView[]>`
      SELECT l.id, l."licenseId", l."containerId", l.slot, l."deviceId", d.name AS "deviceName", l.fingerprint, l."clientName",
             l."userId", l."startedAt", l."lastHeartbeatAt", s."expiresAt", (l."borrowUntil" IS NOT NULL) AS borrowed, l."borrowUntil", l.overage
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
