import { Injectable } from '@nestjs/common';
import { PgPool, SqlExecutor, uuidV7 } from '@leasehold/db';
import { OutboxRepository } from '@leasehold/domain-events';
import { DomainError } from '@leasehold/errors';
import { GroupBorrowingPolicy } from './group-borrowing.policy';
import { assertBorrowAllowed, assertMayTakeSeat } from './lease-rules';
import { assertBorrowMove, toLease } from './lease-views';
import { OverageService } from './overage.service';
import { ReservationsRepository } from './reservations.repository';
import { retryAfterSeconds } from './retry-after';
import { seatEvent } from './seat-events';
import { LeaseRow } from './lease-row';
import { CheckoutContext } from './checkout-context.sql';
import { checkoutLockKey, LeaseTerm, NewLease, Occupancy, SeatCheckoutRepository } from './seat-checkout.repository';
import { SeatLeaseRepository } from './seat-lease.repository';
import { SeatPoolService } from './seat-pool.service';
import { SeatQueueRepository } from './seat-queue.repository';
import { ticketRefusal } from './seat-queue.rules';
import { CheckoutInput, LeaseView } from './seats.types';

// The seat count of a license is never exceeded: a checkout holds a seat only by claiming one of
// the license's seat_slots rows in a conditional UPDATE (free, or its lease expired), so however
// many checkouts race on however many replicas, at most `quantity` leases hold a slot. A lease
// stops counting the moment its slot's expiresAt passes; nothing needs to sweep it first.

type CheckoutOutcome =
  | { kind: 'lease'; lease: LeaseView }
  | { kind: 'denied'; occupancy: Occupancy; license: CheckoutContext; reservedUnused: number };

@Injectable()
export class SeatCheckoutService {
  constructor(
    private readonly pg: PgPool,
    private readonly checkouts: SeatCheckoutRepository,
    private readonly leases: SeatLeaseRepository,
    private readonly pool: SeatPoolService,
    private readonly outbox: OutboxRepository,
    private readonly groupBorrowing: GroupBorrowingPolicy,
    private readonly queue: SeatQueueRepository,
    private readonly reservations: ReservationsRepository,
    private readonly overage: OverageService,
  ) {}

  /**
   * Checks out a seat (or, with `borrowUntil`, borrows one). The same device checking out again
   * while its lease is live gets that lease back, extended (or turned into a borrow).
   */
  async checkout(input: CheckoutInput): Promise<LeaseView> {
    const outcome = await this.checkoutLocked(input);
    if (!outcome)
      throw DomainError.notFound(
        'License',
        'licenseId' in input.license ? input.license.licenseId : input.license.productCode,
      );
    return answer(outcome);
  }

  /**
   * The common checkout (no user token, ticket or borrow) for a secret not yet looked up
   * (`device-token`): the container is the one the secret's route names, and the statement that
   * reads the context and claims the seat also authenticates (the container's current secret has
   * this hash, its vendor is active), so a granted checkout costs one statement under its lock.
   * Null when it did not authenticate or found no such license: the caller then authenticates as
   * usual (which explains a refusal) and asks `checkout`. Anything else is `checkout`'s answer.
   */
  async checkoutByCredential(
    input: Omit<CheckoutInput, 'user' | 'ticketId' | 'borrowUntil' | 'returnKeyHash'>,
    credentialHash: string,
  ): Promise<LeaseView | null> {
    const outcome = await this.checkoutLocked(input, credentialHash);
    return outcome && answer(outcome);
  }

  /**
   * A checkout under its lock on (container, fingerprint): the context, then the general path on
   * it. A checkout without a user token, ticket or borrow first tries the common case's claim as a
   * transaction of its own in one round trip (`claimCommon`: the context and the claim in one
   * statement, which appends its event and authenticates by `credentialHash` when given). Whatever
   * it did not grant changed nothing and runs under the lock again: the context read anew
   * (authenticated the same way), then the general path on it. Null: no such license in the
   * container (or the secret not accepted); nothing was changed.
   */
  private async checkoutLocked(input: CheckoutInput, credentialHash?: string): Promise<CheckoutOutcome | null> {
    if (!input.user && !input.ticketId && !input.borrowUntil) {
      const common = await this.checkouts.claimCommon(newClaim(input, credentialHash), uuidV7());
      if (!common) return null;
      if (common.lease) return { kind: 'lease', lease: toLease(common.lease, common.context) };
    }
    return this.pg.transaction(
      async (tx): Promise<CheckoutOutcome | null> => {
        const { containerId, license, fingerprint } = input;
        const context = await this.checkouts.checkoutContext(tx, containerId, license, fingerprint, credentialHash);
        return context && this.decide(tx, input, context);
      },
      { advisoryLock: checkoutLockKey(input.containerId, input.fingerprint) },
    );
  }

  /** A checkout on its context, read under its lock: resume, claim or refuse. */
  private async decide(tx: SqlExecutor, input: CheckoutInput, license: CheckoutContext): Promise<CheckoutOutcome> {
    assertMayTakeSeat(license, input.user);
    if (input.borrowUntil) {
      assertBorrowAllowed(license, input.borrowUntil, license.now);
      await this.groupBorrowing.assertAllowed(tx, license.containerId);
    }
    const term: LeaseTerm = input.borrowUntil
      ? { borrowUntil: input.borrowUntil }
      : { ttlSeconds: license.leaseTtlSeconds, notAfter: license.expiresAt };

    if (license.liveLease)
      return {
        kind: 'lease',
        lease: await this.resume(tx, license.liveLease, license, input.borrowUntil, input.returnKeyHash ?? null),
      };

    if (license.kind === 'PERSONAL') {
      // Offline devices run on their grant without a lease: each holds a seat until it ends.
      const offline = await this.checkouts.lockPersonalOffline(tx, license.containerId, input.fingerprint);
      if (offline > 0) {
        const occupancy = await this.checkouts.occupancy(tx, license.licenseId);
        if (occupancy.inUse + offline >= occupancy.capacity)
          return this.deny(tx, input, license, { ...occupancy, inUse: occupancy.inUse + offline });
      }
    }
    const userId = license.kind === 'PERSONAL' ? license.containerUserId : (input.user?.id ?? null);
    const ticketId = input.ticketId ?? null;
    // Reservations: checkouts of the license run one after another, and the claim admits this user
    // only if the seats still held for reservations stay free (or are theirs). A seat held for a
    // ticket passed that rule when the grant pass held it (and counted as taken since): its claim
    // only turns the hold into a lease.
    const reservationsApply = license.hasReservations && !ticketId;
    const admission = reservationsApply ? this.reservations.admits(license.licenseId, userId) : undefined;
    if (reservationsApply) {
      // Deny-only fast path on this snapshot (a concurrent claim only makes the license fuller),
      // so a storm of checkouts on a license whose free seats are reserved does not queue for the lock.
      const seen = await this.checkouts.occupancy(tx, license.licenseId);
      const openTo = await this.reservations.seatsOpenTo(tx, license.licenseId, userId);
      if (openTo < 1 || seen.inUse + 1 > Math.min(seen.slots, seen.capacity))
        return this.deny(tx, input, license, seen);
    }
    if (license.hasReservations) await this.reservations.lockForCheckout(tx, license.licenseId);
    // After the reservation lock: a checkout's lock order is reservation lock → license row (trim) → slot → lease → overage.
    if (!license.withinCapacity) await this.pool.trim(tx, license.licenseId);
    const lease: NewLease = {
      id: uuidV7(),
      licenseId: license.licenseId,
      containerId: license.containerId,
      deviceId: license.deviceId,
      fingerprint: input.fingerprint,
      clientName: input.clientName ?? null,
      // Who the lease belongs to, so that the user's removal or disabling ends it (docs/licensing.md).
      userId,
      borrowUntil: input.borrowUntil ?? null,
      returnKeyHash: input.borrowUntil ? (input.returnKeyHash ?? null) : null,
    };
    let claim = await this.checkouts.claimSlot(tx, { lease, term, wait: false, ticketId, admission });
    if (!claim && ticketId) {
      const refusal = ticketRefusal(
        await this.queue.find(tx, ticketId, { containerId: license.containerId, licenseId: license.licenseId }),
        ticketId,
        input.fingerprint,
      );
      if (refusal) throw refusal;
    }
    if (!claim) {
      let occupancy = await this.checkouts.occupancy(tx, license.licenseId);
      if (occupancy.slots > occupancy.capacity) {
        await this.pool.trim(tx, license.licenseId);
        occupancy = await this.checkouts.occupancy(tx, license.licenseId);
      }
      // Slots that look free in this snapshot but were skipped are locked by concurrent
      // transactions (a checkout that may roll back, a release or sweep about to free one): wait
      // for those locks instead of calling the license full. None free: full, no waiting.
      if (occupancy.inUse < Math.min(occupancy.slots, occupancy.capacity)) {
        claim = await this.checkouts.claimSlot(tx, { lease, term, wait: true, ticketId, admission });
      }
      if (!claim) return this.deny(tx, input, license, occupancy);
    }
    if (claim.previousLeaseId) await this.endPrevious(tx, claim.previousLeaseId);
    if (ticketId) await this.queue.markClaimed(tx, ticketId, claim.lease.id);
    const row = claim.lease;
    // Overage: marks the lease and starts the license's episode when it went above the quantity.
    if (license.overageTracked) row.overage = await this.overage.settle(tx, license.licenseId, row.id);
    await this.outbox.append(tx, seatEvent(input.borrowUntil ? 'seat.borrowed' : 'seat.checked_out', row));
    return { kind: 'lease', lease: toLease(row, license) };
  }

  /** A refused checkout: announced and counted in the license's hour. */
  private async deny(
    tx: SqlExecutor,
    input: CheckoutInput,
    license: CheckoutContext,
    occupancy: Occupancy,
  ): Promise<CheckoutOutcome> {
    await this.outbox.append(tx, {
      type: 'seat.denied',
      aggregateType: 'license',
      aggregateId: license.licenseId,
      payload: {
        licenseId: license.licenseId,
        containerId: license.containerId,
        fingerprint: input.fingerprint,
        inUse: occupancy.inUse,
        quantity: occupancy.quantity,
      },
    });
    // Last statement: the hour's usage row is shared by every denial, keep its lock short.
    await this.checkouts.countDenial(tx, license.licenseId);
    const reservedUnused = license.hasReservations ? await this.reservations.reservedUnused(tx, license.licenseId) : 0;
    return { kind: 'denied', occupancy, license, reservedUnused };
  }

  /** The device already holds a live lease: extend it (heartbeat) or set its borrow. */
  private async resume(
    tx: SqlExecutor,
    lease: LeaseRow,
    license: CheckoutContext,
    borrowUntil: Date | undefined,
    returnKeyHash: string | null,
  ): Promise<LeaseView> {
    if (borrowUntil) {
      assertBorrowMove(lease, borrowUntil, returnKeyHash);
      const row = await this.leases.setBorrow(tx, lease.id, lease.containerId, borrowUntil, returnKeyHash);
      if (!row) throw new DomainError('CONFLICT', 'The lease ended while it was being borrowed; check out again');
      await this.outbox.append(tx, seatEvent('seat.borrowed', row));
      return toLease(row, license);
    }
    if (lease.borrowUntil) return toLease(lease, license);
    const row = await this.leases.heartbeat(tx, lease.id, { containerId: lease.containerId });
    return toLease(row ?? lease, license);
  }

  /** The expired lease whose slot a checkout just took over ends now, as EXPIRED at its expiry. */
  private async endPrevious(tx: SqlExecutor, leaseId: string): Promise<void> {
    const ended = await this.leases.endLease(tx, leaseId, 'EXPIRED', 'expiry');
    if (ended) await this.outbox.append(tx, seatEvent('seat.expired', ended));
  }
}

/** What `claimCommon` needs of a checkout: a new lease id, and the secret's hash when it authenticates too. */
function newClaim(input: CheckoutInput, credentialHash?: string) {
  return {
    containerId: input.containerId,
    license: input.license,
    fingerprint: input.fingerprint,
    leaseId: uuidV7(),
    clientName: input.clientName ?? null,
    ...(credentialHash === undefined ? {} : { credentialHash }),
  };
}

/** A checkout's outcome as its answer: the lease, or NO_SEAT_AVAILABLE with what a program needs to try again. */
function answer(outcome: CheckoutOutcome): LeaseView {
  if (outcome.kind === 'lease') return outcome.lease;
  const { occupancy, license, reservedUnused } = outcome;
  const soonest = occupancy.soonestExpiry ? (occupancy.soonestExpiry.getTime() - occupancy.now.getTime()) / 1000 : null;
  const retryAfter = retryAfterSeconds({
    inUse: occupancy.inUse,
    soonestExpiryInSeconds: soonest,
    leaseTtlSeconds: license.leaseTtlSeconds,
  });
  const message =
    occupancy.inUse < occupancy.capacity
      ? `The free seats of the license are reserved for other users (${reservedUnused} reserved); try again later`
      : `All ${occupancy.capacity} seats of the license are in use; try again later`;
  throw new DomainError('NO_SEAT_AVAILABLE', message, {
    licenseId: license.licenseId,
    quantity: occupancy.quantity,
    inUse: occupancy.inUse,
    soonestExpiryAt: occupancy.soonestExpiry?.toISOString() ?? null,
    retryAfter,
    ...(license.hasReservations ? { reservedSeats: reservedUnused } : {}),
    ...(occupancy.capacity > occupancy.quantity ? { capacity: occupancy.capacity } : {}),
  });
}
