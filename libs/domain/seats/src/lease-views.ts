import { isUpdateAvailable } from '@leasehold/domain-updates';
import { DomainError } from '@leasehold/errors';
import { assertLicenseUsable, returnProofRefused } from './lease-rules';
import { LeaseRow, ReleasedRow } from './lease-row';
import { LeaseStateRow } from './seat-lease.repository';
import { EndedLeaseView, HeartbeatView, LeaseEndReason, LeaseView } from './seats.types';

// What the lease operations of SeatCheckoutService and SeatsService answer (a lease, a heartbeat
// with the container revision, an ended lease) and their refusals about a lease they found (a
// borrow that would move its end earlier or change its key, a lease that no longer holds its
// seat). Pure functions of the rows the statements read back.

const STOPPED_REASONS: readonly LeaseEndReason[] = ['STOPPED', 'USER_REMOVED'];

/**
 * A live lease that is already borrowed keeps its return key hash, and its end never moves earlier
 * (that would free the seat before borrowUntil without the program's proof).
 */
export function assertBorrowMove(
  lease: { borrowUntil: Date | null; returnKeyHash: string | null },
  until: Date,
  returnKeyHash: string | null,
): void {
  if (!lease.borrowUntil) return;
  if (until < lease.borrowUntil) throw returnProofRefused(lease.borrowUntil, lease.returnKeyHash !== null);
  if (returnKeyHash !== null && returnKeyHash !== lease.returnKeyHash) {
    throw new DomainError(
      'RETURN_PROOF_INVALID',
      'The seat is already borrowed under another return key; extend it with the same returnKeyHash (or none)',
      {
        borrowUntil: lease.borrowUntil.toISOString(),
        earlyReturnPossible: lease.returnKeyHash !== null,
      },
    );
  }
}

/** The code for a lease that no longer holds its seat (or whose license no longer allows it). */
export function whyNotLive(state: LeaseStateRow): DomainError {
  if (state.endReason && STOPPED_REASONS.includes(state.endReason)) {
    return new DomainError('SESSION_STOPPED', 'The session was stopped; check out again', {
      endReason: state.endReason,
    });
  }
  if (state.live) {
    // The lease holds its seat but the license no longer allows using it.
    assertLicenseUsable(
      { status: state.licenseStatus, validFrom: state.licenseValidFrom, expiresAt: state.licenseExpiresAt },
      state.now,
    );
  }
  return new DomainError('LEASE_EXPIRED', 'The lease is no longer held; check out again', {
    endReason: state.endReason ?? 'EXPIRED',
    expiredAt: (state.endedAt ?? state.expiresAt).toISOString(),
  });
}

export function toLease(
  row: LeaseRow,
  license: { heartbeatIntervalSeconds: number; leaseTtlSeconds: number },
): LeaseView {
  return {
    leaseId: row.id,
    licenseId: row.licenseId,
    containerId: row.containerId,
    slot: row.slot,
    startedAt: row.startedAt,
    expiresAt: row.expiresAt,
    heartbeatIntervalSeconds: license.heartbeatIntervalSeconds,
    leaseTtlSeconds: license.leaseTtlSeconds,
    borrowUntil: row.borrowUntil,
    overage: row.overage,
  };
}

export function withRevision(
  lease: LeaseView,
  revision: number,
  knownRevision: number | null | undefined,
): HeartbeatView {
  return { ...lease, revision, updateAvailable: isUpdateAvailable(knownRevision, revision) };
}

export function toEnded(row: ReleasedRow): EndedLeaseView {
  return {
    leaseId: row.id,
    licenseId: row.licenseId,
    endedAt: row.endedAt ?? row.expiresAt,
    endReason: row.endReason ?? 'EXPIRED',
  };
}
