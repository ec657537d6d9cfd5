import { Injectable } from '@nestjs/common';
import { PgPool } from '@leasehold/db';
import { OutboxRepository } from '@leasehold/domain-events';
import { DomainError } from '@leasehold/errors';
import { GroupBorrowingPolicy } from './group-borrowing.policy';
import {
  assertBorrowAllowed,
  assertContainerAccess,
  assertLicenseUsable,
  returnProofHash,
  returnProofRefused,
} from './lease-rules';
import { assertBorrowMove, toEnded, toLease, whyNotLive, withRevision } from './lease-views';
import { OverageService } from './overage.service';
import { seatEvent } from './seat-events';
import { SeatLeaseRepository } from './seat-lease.repository';
import { EndedLeaseView, HeartbeatView, LeaseEndReason, LeaseView } from './seats.types';

// The life of a lease once a checkout (SeatCheckoutService) granted it: kept alive by heartbeats,
// ended by a release (for a borrowed seat, an early return with the program's proof), borrowed
// away from the network.

@Injectable()
export class SeatsService {
  constructor(
    private readonly pg: PgPool,
    private readonly leases: SeatLeaseRepository,
    private readonly outbox: OutboxRepository,
    private readonly groupBorrowing: GroupBorrowingPolicy,
    private readonly overage: OverageService,
  ) {}

  /**
   * Extends a live online lease by one lease TTL (one SQL statement). A borrowed lease needs no
   * heartbeat and answers as it is. Anything else answers with the code that says why not.
   * The answer carries the container revision; with `knownRevision` (the program's last one),
   * `updateAvailable` says whether it differs, so the program fetches its license again.
   */
  async heartbeat(containerId: string, leaseId: string, knownRevision?: number | null): Promise<HeartbeatView> {
    const row = await this.leases.heartbeat(undefined, leaseId, { containerId });
    if (row) return withRevision(toLease(row, row), row.containerRevision, knownRevision);
    const state = await this.leases.leaseState(undefined, leaseId, { containerId });
    if (!state) throw DomainError.notFound('Lease', leaseId);
    if (state.live) assertContainerAccess(state);
    if (state.live && state.borrowUntil)
      return withRevision(toLease(state, state), state.containerRevision, knownRevision);
    throw whyNotLive(state);
  }

  /**
   * The hot path of `heartbeat` for a secret not yet looked up (`device-token`), of the vendor its
   * route names: one statement authenticates (current secret, active vendor) and extends (one
   * statement for all the heartbeats of the same turn of the event loop:
   * SeatLeaseRepository.heartbeatByCredential). Null when it did not apply (unknown secret, another
   * container's lease, a borrowed, expired or stopped lease): the caller then authenticates as
   * usual and asks `heartbeat`, which explains.
   */
  async heartbeatByCredential(
    vendorId: string,
    credentialHash: string,
    leaseId: string,
    knownRevision?: number | null,
  ): Promise<HeartbeatView | null> {
    const row = await this.leases.heartbeatByCredential({ vendorId, credentialHash, leaseId });
    return row ? withRevision(toLease(row, row), row.containerRevision, knownRevision) : null;
  }

  /**
   * Ends the lease and frees its seat: a release, or for a borrowed seat an early return, which
   * needs the program's proof (`returnKey`, whose SHA-256 the borrow committed to) and counts
   * towards the container's churn limit. Idempotent: releasing a lease that already ended answers
   * how it ended.
   */
  async release(containerId: string, leaseId: string, returnKey?: string | null): Promise<EndedLeaseView> {
    return this.pg.transaction(async (tx) => {
      let state = await this.leases.leaseState(tx, leaseId, { containerId });
      if (!state) throw DomainError.notFound('Lease', leaseId);
      const proof = returnProofHash(returnKey);
      if (state.live && state.borrowUntil) {
        if (!state.returnKeyHash || state.returnKeyHash !== proof)
          throw returnProofRefused(state.borrowUntil, state.returnKeyHash !== null);
        // Early returns count towards the churn limit, under the container lock devices take too.
        const churn = await this.leases.lockChurn(tx, containerId);
        assertChurn(churn);
        state = (await this.leases.leaseState(tx, leaseId, { containerId })) ?? state;
      }
      const freed = await this.leases.freeSlot(
        tx,
        leaseId,
        { containerId },
        { onlineOnly: false, returnProofHash: proof },
      );
      if (!freed && state.live && state.borrowUntil) {
        // Still held and borrowed (the statement refused): the proof decided, not a race.
        const current = await this.leases.leaseState(tx, leaseId, { containerId });
        if (current?.live && current.borrowUntil)
          throw returnProofRefused(current.borrowUntil, current.returnKeyHash !== null);
      }
      const reason: LeaseEndReason = freed ? (state.borrowUntil ? 'RETURNED' : 'RELEASED') : 'EXPIRED';
      const ended = await this.leases.endLease(tx, leaseId, reason, freed ? 'now' : 'expiry');
      if (ended) {
        const type = reason === 'RETURNED' ? 'seat.returned' : reason === 'RELEASED' ? 'seat.released' : 'seat.expired';
        await this.outbox.append(tx, seatEvent(type, ended));
        await this.overage.settleIfTracked(tx, ended.licenseId);
        return toEnded(ended);
      }
      const current = await this.leases.leaseState(tx, leaseId, { containerId });
      return toEnded(current ?? state);
    });
  }

  /**
   * The hot path of `release` for a secret not yet looked up (`device-token`): one statement
   * authenticates, frees the seat of a live online lease, ends it and appends `seat.released`.
   * Null when it did not apply (unknown secret, another container's lease, a borrowed, expired or
   * ended lease): the caller then authenticates as usual and asks `release`, which explains.
   */
  async releaseByCredential(vendorId: string, credentialHash: string, leaseId: string): Promise<EndedLeaseView | null> {
    const row = await this.leases.releaseByCredential({ vendorId, credentialHash, leaseId });
    return row ? toEnded(row) : null;
  }

  /**
   * Borrows the seat of a live lease until `until` (committing to `returnKeyHash`, if given), or
   * moves the end of a borrow later (extend while online; moving it earlier is an early return and
   * needs the proof: release instead).
   */
  async borrow(
    containerId: string,
    leaseId: string,
    until: Date,
    returnKeyHash: string | null = null,
  ): Promise<LeaseView> {
    return this.pg.transaction(async (tx) => {
      const state = await this.leases.leaseState(tx, leaseId, { containerId });
      if (!state) throw DomainError.notFound('Lease', leaseId);
      if (!state.live) throw whyNotLive(state);
      assertContainerAccess(state);
      const license = {
        status: state.licenseStatus,
        validFrom: state.licenseValidFrom,
        expiresAt: state.licenseExpiresAt,
      };
      assertLicenseUsable(license, state.now);
      assertBorrowAllowed({ ...state, expiresAt: state.licenseExpiresAt }, until, state.now);
      await this.groupBorrowing.assertAllowed(tx, containerId);
      assertBorrowMove(state, until, returnKeyHash);
      const row = await this.leases.setBorrow(tx, leaseId, containerId, until, returnKeyHash);
      if (!row) throw whyNotLive((await this.leases.leaseState(tx, leaseId, { containerId })) ?? state);
      await this.outbox.append(tx, seatEvent('seat.borrowed', row));
      return toLease(row, state);
    });
  }
}

const CHURN_WINDOW_MS = 30 * 24 * 3600 * 1000;

/** The churn limit: deactivations by the customer and early returns, at most `limit` per rolling 30 days. */
function assertChurn(churn: { limit: number | null; recent: Date[]; now: Date }): void {
  const { limit, recent, now } = churn;
  if (limit === null || recent.length < limit) return;
  const freesAt = recent[recent.length - limit].getTime() + CHURN_WINDOW_MS;
  throw new DomainError(
    'ACTIVATION_CHURN_LIMIT',
    `At most ${limit} deactivations and early returns per 30 days on this container`,
    {
      limit,
      used: recent.length,
      retryAfter: Math.max(1, Math.ceil((freesAt - now.getTime()) / 1000)),
    },
  );
}
