import { Injectable } from '@nestjs/common';
import { advisoryLockKey, LicenseStatus, PgPool, Prisma, SqlExecutor, TenantPrisma } from '@leasehold/db';
import { LEASE_COLUMNS, LeaseRow } from './lease-row';
import { capacitySql, overageTrackedSql, poolWithinCapacity, slotsWithinCapacity } from './seat-capacity';
import { queueAdmitsCheckout, queueAdmitsCheckoutWithoutReservations } from './seat-availability.sql';
import { seatEventPayloadSql } from './seat-events';
import { slotHeldFor } from './seat-queue.predicates';
import {
  deviceActive,
  deviceOfFingerprint,
  licenseKey,
  LicenseKey,
  licenseUsable,
  liveLeasesOfDevice,
  onlineSeatUntil,
  seatClaimable,
  seatInUse,
} from './seat-rules.sql';
import { ContainerKind, LicenseRef } from './seats.types';

// The statements of a checkout (SeatCheckoutService.checkout, and SeatQueueService's join, which
// reads the same context): the license context under the checkout lock, the slot claim, the
// offline devices of a PERSONAL container, the occupancy a refusal reports and the denial count.
// Every statement here is raw SQL on purpose: seat claims need FOR UPDATE SKIP LOCKED and
// conditional updates whose WHERE clause is the rule ("the slot is free or its lease expired",
// "the lease is live and not borrowed"). The tenant extension does not scope raw SQL, so each
// statement names the vendor explicitly. Lock order is always seat slot first, then lease, so
// two of these statements never wait on each other in a cycle. The rules themselves are
// fragments of seat-rules.sql.ts; the rendered statements are in sql/ (`npm run sql:snapshot`).

export interface CheckoutContext {
  licenseId: string;
  containerId: string;
  kind: ContainerKind;
  containerUserId: string | null;
  containerGroupId: string | null;
  /** Set when the container's user was removed or disabled: checkout is refused. */
  accessRevokedAt: Date | null;
  accessRevokedReason: string | null;
  status: LicenseStatus;
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
  /** The license's seat pool has no excess slots (`slotsWithinCapacity`): at most its capacity. */
  withinCapacity: boolean;
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

type ContextColumns = Omit<CheckoutContext, 'liveLease'> & LiveLeaseColumns;

/** The lease `claimCommon` started, if any (the rest of its row is the statement's input). */
interface StartedColumns {
  startedSlot: number | null;
  startedAt: Date | null;
  startedExpiresAt: Date | null;
}

/** A context row as `CheckoutContext`: the device's live lease columns folded into `liveLease`. */
function toContext(row: ContextColumns, fingerprint: string): CheckoutContext {
  const {
    liveId,
    liveSlot,
    liveDeviceId,
    liveStartedAt,
    liveExpiresAt,
    liveBorrowUntil,
    liveReturnKeyHash,
    liveOverage,
    ...context
  } = row;
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

/** The common checkout `claimCommon` may claim: no user token, ticket or borrow. */
export interface CommonClaim {
  containerId: string;
  license: LicenseRef;
  fingerprint: string;
  /** The id of the lease it starts, if it claims. */
  leaseId: string;
  clientName: string | null;
  /** Authenticates too: the container's current secret has this hash, its vendor is active (else no row). */
  credentialHash?: string;
}

/** A checkout's context, and the lease the common claim started on it (null: nothing claimed). */
export interface ClaimedContext {
  context: CheckoutContext;
  lease: LeaseRow | null;
}

type ClaimingColumns = ContextColumns & StartedColumns;

/** The claiming statement's row as the context and the lease it started; null without a row. */
function claimedContext(row: ClaimingColumns | undefined, input: CommonClaim): ClaimedContext | null {
  if (!row) return null;
  const { startedSlot, startedAt, startedExpiresAt, ...columns } = row;
  const context = toContext(columns, input.fingerprint);
  const lease: LeaseRow | null =
    startedSlot === null
      ? null
      : {
          id: input.leaseId,
          licenseId: context.licenseId,
          containerId: context.containerId,
          slot: startedSlot,
          deviceId: context.deviceId,
          fingerprint: input.fingerprint,
          startedAt: startedAt as Date,
          expiresAt: startedExpiresAt as Date,
          borrowUntil: null,
          returnKeyHash: null,
          endedAt: null,
          endReason: null,
          overage: false,
        };
  return { context, lease };
}

/** The advisory-lock key a checkout holds for (container, fingerprint), see `checkoutContext`. */
export function checkoutLockKey(containerId: string, fingerprint: string): bigint {
  return advisoryLockKey(`seat-checkout:${containerId}:${fingerprint}`);
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
    : onlineSeatUntil(Prisma.sql`${term.ttlSeconds}::int`, Prisma.sql`${term.notAfter}::timestamptz`);
}

@Injectable()
export class SeatCheckoutRepository {
  constructor(private readonly db: TenantPrisma) {}

  /**
   * The license a checkout is for, with its container, the device behind the fingerprint, whether
   * its pool is within capacity and the device's live lease on it, if any. Run it after taking the
   * checkout's advisory lock on (container, fingerprint) (`checkoutLockKey`, with BEGIN): its
   * snapshot is then taken after any concurrent checkout of the same device committed, so two of
   * them cannot both miss the live lease and claim two seats. With `credentialHash`, it also
   * authenticates: no row unless the container's current secret has that hash and its vendor is
   * active.
   */
  async checkoutContext(
    tx: SqlExecutor,
    containerId: string,
    ref: LicenseRef,
    fingerprint: string,
    credentialHash?: string,
  ): Promise<CheckoutContext | null> {
    const rows = await tx.$queryRaw<ContextColumns[]>(this.contextSql(containerId, ref, fingerprint, credentialHash));
    return rows[0] ? toContext(rows[0], fingerprint) : null;
  }

  /**
   * The common checkout as a transaction of its own, in one round trip
   * (`PgPool.lockedStatementBatched`): `BEGIN` with the checkout's advisory lock on (container,
   * fingerprint), then one statement that reads `checkoutContext` and claims the common case's
   * seat, then `COMMIT`; the common checkouts of one turn of the event loop share that transaction
   * (one per vendor), each statement under its lock, after the ones before it. The common case: an
   * ENTERPRISE container whose access stands, a usable license without reservations, overage
   * allowance or excess slots, no live lease of the device on it, no user token, ticket or borrow
   * (the caller asks only then). The claim is `claimSlot`'s (lowest claimable slot, SKIP LOCKED,
   * the queue's and the pool's conditions), taken only when that slot is empty; the lease starts
   * and its `seat.checked_out` event (the payload `seatEvent` builds, id `eventId`) is appended in
   * the same statement. Returns the context with the started lease, committed; or with null when
   * nothing was claimed, and then nothing changed: the caller runs the general path in a
   * transaction of its own, under the same lock, on a context read anew (this one was read under a
   * lock since released). Null when there is no such license (or the secret is not accepted).
   */
  async claimCommon(pg: PgPool, input: CommonClaim, eventId: string): Promise<ClaimedContext | null> {
    const rows = await pg.lockedStatementBatched<ClaimingColumns>(
      this.db.vendorId,
      checkoutLockKey(input.containerId, input.fingerprint),
      this.claimingSql(input, eventId),
    );
    return claimedContext(rows[0], input);
  }

  /** The statement of `claimCommon`: at most one row, the context's columns and the started lease's. */
  private claimingSql(input: CommonClaim, eventId: string): Prisma.Sql {
    const vendorId = this.db.vendorId;
    const { leaseId, fingerprint } = input;
    const license: LicenseKey = { vendorId: Prisma.sql`${vendorId}::uuid`, id: Prisma.sql`ctx."licenseId"` };
    return Prisma.sql`
      WITH ctx AS MATERIALIZED (${this.contextSql(input.containerId, input.license, fingerprint, input.credentialHash)}),
      pick AS (
        SELECT s.slot, s."leaseId" FROM ctx JOIN seat_slots s ON s."vendorId" = ${vendorId}::uuid AND s."licenseId" = ctx."licenseId"
         WHERE ctx.kind = 'ENTERPRISE' AND ctx."accessRevokedAt" IS NULL AND ${licenseUsable('ctx')}
           AND NOT ctx."hasReservations" AND NOT ctx."overageTracked" AND ctx."liveId" IS NULL AND ctx."withinCapacity"
           -- ctx."withinCapacity" is poolWithinCapacity, read in this statement's snapshot
           AND ${seatClaimable('s')} AND ${queueAdmitsCheckoutWithoutReservations(license)}
         ORDER BY s.slot
         LIMIT 1
         FOR UPDATE OF s SKIP LOCKED),
      claimed AS (
        UPDATE seat_slots t SET "leaseId" = ${leaseId}::uuid, "heldTicketId" = NULL, "heldUntil" = NULL,
               "expiresAt" = ${onlineSeatUntil(Prisma.sql`ctx."leaseTtlSeconds"`, Prisma.sql`ctx."expiresAt"`)}
          FROM pick, ctx
         WHERE t."vendorId" = ${vendorId}::uuid AND t."licenseId" = ctx."licenseId" AND t.slot = pick.slot AND pick."leaseId" IS NULL
        RETURNING t.slot, t."expiresAt", clock_timestamp() AS "claimedAt"),
      started AS (
        INSERT INTO seat_leases AS l (id, "vendorId", "licenseId", "containerId", slot, "deviceId", fingerprint, "clientName", "userId",
                                      "startedAt", "lastHeartbeatAt", "expiresAt", "borrowUntil", "returnKeyHash")
        SELECT ${leaseId}::uuid, ${vendorId}::uuid, ctx."licenseId", ctx."containerId", claimed.slot, ctx."deviceId", ${fingerprint},
               ${input.clientName}, NULL, claimed."claimedAt", claimed."claimedAt", claimed."expiresAt", NULL, NULL
          FROM claimed, ctx
        RETURNING ${LEASE_COLUMNS}),
      event AS (
        INSERT INTO domain_events (id, "vendorId", type, "aggregateType", "aggregateId", payload)
        SELECT ${eventId}::uuid, ${vendorId}::uuid, 'seat.checked_out', 'seat', e.id::text, ${seatEventPayloadSql('e')}
          FROM started e)
      SELECT ctx.*, started.slot AS "startedSlot", started."startedAt", started."expiresAt" AS "startedExpiresAt"
        FROM ctx LEFT JOIN started ON true`;
  }

  /**
   * The select of `checkoutContext`: one row, the columns `toContext` reads. With `credentialHash`,
   * only while the container's current secret has that hash and its vendor is active (as
   * `ContainerCredentialsService.authenticateHash` decides; it explains a refusal).
   */
  private contextSql(containerId: string, ref: LicenseRef, fingerprint: string, credentialHash?: string): Prisma.Sql {
    const vendorId = this.db.vendorId;
    const authenticated =
      credentialHash === undefined
        ? Prisma.empty
        : Prisma.sql` AND c."credentialHash" = ${credentialHash}
         AND EXISTS (SELECT 1 FROM vendors v WHERE v.id = c."vendorId" AND v.status = 'ACTIVE')`;
    const match =
      'licenseId' in ref
        ? Prisma.sql`l.id = ${ref.licenseId}::uuid`
        : Prisma.sql`l."productId" = (SELECT p.id FROM products p WHERE p."vendorId" = ${vendorId}::uuid AND p.code = ${ref.productCode})`;
    return Prisma.sql`
      SELECT l.id AS "licenseId", l."containerId", c.kind::text AS kind, c."userId" AS "containerUserId", c."groupId" AS "containerGroupId",
             c."accessRevokedAt", c."accessRevokedReason", l.status::text AS status,
             l.quantity, ${capacitySql('l')}::int AS capacity,
             EXISTS (SELECT 1 FROM seat_reservations sr WHERE sr."vendorId" = l."vendorId" AND sr."licenseId" = l.id) AS "hasReservations",
             ${overageTrackedSql('l')} AS "overageTracked",
             l."validFrom", l."expiresAt", l."leaseTtlSeconds", l."heartbeatIntervalSeconds", l."borrowAllowed",
             l."maxBorrowDays", l."offlinePeriodDays",
             (SELECT d.id FROM devices d WHERE ${deviceOfFingerprint('d', 'c', fingerprint)}) AS "deviceId",
             ${slotsWithinCapacity(Prisma.sql`l."vendorId"`, Prisma.sql`l.id`, capacitySql('l'))} AS "withinCapacity",
             now() AS now,
             live.id AS "liveId", live.slot AS "liveSlot", live."deviceId" AS "liveDeviceId", live."startedAt" AS "liveStartedAt",
             live."expiresAt" AS "liveExpiresAt", live."borrowUntil" AS "liveBorrowUntil", live."returnKeyHash" AS "liveReturnKeyHash",
             live.overage AS "liveOverage"
        FROM licenses l
        JOIN containers c ON c.id = l."containerId" AND c."vendorId" = l."vendorId"
        LEFT JOIN LATERAL (
             SELECT x.id, x.slot, x."deviceId", x."startedAt", x."expiresAt", x."borrowUntil", x."returnKeyHash", x.overage
               FROM ${liveLeasesOfDevice('l', fingerprint)}
              LIMIT 1) live ON true
       WHERE l."vendorId" = ${vendorId}::uuid AND l."containerId" = ${containerId}::uuid AND ${match}${authenticated}
       ORDER BY ${licenseUsable('l')} DESC,
                l."expiresAt" DESC NULLS FIRST, l.id
       LIMIT 1`;
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
   * usage reports never show more seats than the license has.
   *
   * Wait queue: with `ticketId` only the slot held for that ticket (of this fingerprint) is taken
   * (seat-queue.predicates.ts); without, no held slot is, and none while tickets wait ahead of the
   * checkout (`queueAdmitsCheckout`). `admission` is an extra condition the claim must meet
   * (`reservationAdmits`, the seats held for reservations); the pool holds quantity + overage
   * allowance slots (capacity).
   */
  async claimSlot(
    tx: SqlExecutor,
    input: { lease: NewLease; term: LeaseTerm; wait: boolean; ticketId?: string | null; admission?: Prisma.Sql },
  ): Promise<{ lease: LeaseRow; previousLeaseId: string | null } | null> {
    const vendorId = this.db.vendorId;
    const { lease } = input;
    const lock = input.wait ? Prisma.sql`FOR UPDATE` : Prisma.sql`FOR UPDATE SKIP LOCKED`;
    const queue = input.ticketId
      ? slotHeldFor(input.ticketId, lease.fingerprint)
      : queueAdmitsCheckout(licenseKey(vendorId, lease.licenseId), Prisma.sql`${lease.userId}::uuid`);
    const rows = await tx.$queryRaw<(LeaseRow & { previousLeaseId: string | null })[]>`
      WITH pick AS (
        SELECT s.slot, s."leaseId" FROM seat_slots s
         WHERE s."licenseId" = ${lease.licenseId}::uuid AND s."vendorId" = ${vendorId}::uuid
           AND ${seatClaimable('s')}
           AND ${poolWithinCapacity(licenseKey(this.db.vendorId, lease.licenseId))}
           AND ${queue}
           AND ${input.admission ?? Prisma.sql`true`}
         ORDER BY s.slot
         LIMIT 1
         ${lock}),
      claimed AS (
        UPDATE seat_slots t SET "leaseId" = ${lease.id}::uuid, "expiresAt" = ${expiryOf(input.term)}, "heldTicketId" = NULL, "heldUntil" = NULL
          FROM pick
         WHERE t."vendorId" = ${vendorId}::uuid AND t."licenseId" = ${lease.licenseId}::uuid AND t.slot = pick.slot
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
      SELECT count(*)::int AS n FROM devices o
       WHERE o."vendorId" = ${vendorId}::uuid AND o."containerId" = ${containerId}::uuid AND o.method = 'OFFLINE'
         AND o.fingerprint <> ${exceptFingerprint} AND ${deviceActive('o')}`;
    return rows[0].n;
  }

  /** Seats in use right now and the soonest moment one of them frees itself. */
  async occupancy(tx: SqlExecutor, licenseId: string): Promise<Occupancy> {
    const rows = await tx.$queryRaw<Occupancy[]>`
      SELECT count(*) FILTER (WHERE ${seatInUse('s')})::int AS "inUse",
             min(s."expiresAt") FILTER (WHERE ${seatInUse('s')}) AS "soonestExpiry",
             count(*)::int AS slots,
             (SELECT q.quantity FROM licenses q WHERE q."vendorId" = ${this.db.vendorId}::uuid AND q.id = ${licenseId}::uuid) AS quantity,
             (SELECT ${capacitySql('q')} FROM licenses q WHERE q."vendorId" = ${this.db.vendorId}::uuid AND q.id = ${licenseId}::uuid)::int AS capacity,
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
      ON CONFLICT ("vendorId", "licenseId", hour) DO UPDATE SET denials = license_usage_hours.denials + 1`;
  }
}
