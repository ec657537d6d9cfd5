import { Injectable } from '@nestjs/common';
import {
  advisoryLockKey,
  PgPool,
  Prisma,
  rowByBatchKey,
  SqlExecutor,
  statementBatch,
  TenantPrisma,
} from '@leasehold/db';
import {
  authenticatedBy,
  BatchedClaim,
  CheckoutContext,
  ClaimedContext,
  claimedContext,
  ClaimingColumns,
  claimsSql,
  CommonClaim,
  ContextColumns,
  contextSql,
  toContext,
} from './checkout-context.sql';
import { LEASE_COLUMNS, LeaseRow } from './lease-row';
import { capacitySql, poolWithinCapacity } from './seat-capacity';
import { queueAdmitsCheckout } from './seat-availability.sql';
import { slotHeldFor } from './seat-queue.predicates';
import { deviceActive, licenseKey, onlineSeatUntil, seatClaimable, seatInUse } from './seat-rules.sql';
import { LicenseRef } from './seats.types';

// The statements of a checkout (SeatCheckoutService.checkout, and SeatQueueService's join, which
// reads the same context): the license context under the checkout lock, the slot claim, the
// offline devices of a PERSONAL container, the occupancy a refusal reports and the denial count.
// Every statement here is raw SQL on purpose: seat claims need FOR UPDATE SKIP LOCKED and
// conditional updates whose WHERE clause is the rule ("the slot is free or its lease expired",
// "the lease is live and not borrowed"). The tenant extension does not scope raw SQL, so each
// statement names the vendor explicitly. Lock order is always seat slot first, then lease, so
// two of these statements never wait on each other in a cycle. The rules themselves are
// fragments of seat-rules.sql.ts; the rendered statements are in sql/ (`npm run sql:snapshot`).

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
  constructor(
    private readonly db: TenantPrisma,
    private readonly pg: PgPool,
  ) {}

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
    const vendorId = this.db.vendorId;
    const rows = await tx.$queryRaw<ContextColumns[]>(
      contextSql(vendorId, {
        containerId: Prisma.sql`${containerId}::uuid`,
        license:
          'licenseId' in ref
            ? Prisma.sql`l.id = ${ref.licenseId}::uuid`
            : Prisma.sql`l."productId" = (SELECT p.id FROM products p WHERE p."vendorId" = ${vendorId}::uuid AND p.code = ${ref.productCode})`,
        fingerprint: Prisma.sql`${fingerprint}`,
        authenticated: credentialHash === undefined ? Prisma.sql`true` : authenticatedBy(Prisma.sql`${credentialHash}`),
      }),
    );
    return rows[0] ? toContext(rows[0], fingerprint) : null;
  }

  /**
   * The common checkout as a transaction of its own, in one round trip (`PgPool.lockedStatement`):
   * `BEGIN` with the checkout's advisory lock on (container, fingerprint), then one statement that
   * reads `checkoutContext` and claims the common case's seat, then `COMMIT`. The common checkouts
   * of one turn of the event loop share that transaction and that statement (one per vendor,
   * `statementBatch`; `claimsSql`), under all of their locks. The common case: an ENTERPRISE
   * container whose access stands, a usable license without reservations, overage allowance or
   * excess slots, no live lease of the device on it, no user token, ticket or borrow (the caller
   * asks only then). The claim takes the lowest empty slot (SKIP LOCKED, the queue's and the
   * pool's conditions; `claimSlot`, the general path's pick, also takes a slot whose lease
   * expired); the lease starts and its `seat.checked_out` event (the payload `seatEvent` builds,
   * id `eventId`) is appended in the same statement. Returns the license found (what the lease's
   * answer tells of it) with the started lease, committed; or with null when nothing was claimed,
   * and then nothing changed: the caller runs the general path in a transaction of its own, under
   * the same lock, on the context read anew. Null when there is no such license (or the secret is
   * not accepted).
   */
  async claimCommon(input: CommonClaim, eventId: string): Promise<ClaimedContext | null> {
    return claimedContext(await this.claims({ ...input, vendorId: this.db.vendorId, eventId }), input);
  }

  private readonly claims = statementBatch<BatchedClaim, ClaimingColumns>(
    async (vendorId, claims) => {
      const rows = await this.pg.lockedStatement<ClaimingColumns & { batchKey: string }>(
        claims.map((claim) => checkoutLockKey(claim.containerId, claim.fingerprint)),
        claimsSql(vendorId, claims),
      );
      return rowByBatchKey(rows);
    },
    (claim) => claim.leaseId,
  );

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
