import { DomainError } from '@leasehold/errors';

// The license checks shared by checkout, borrow and heartbeat, and the borrow limits. Pure
// functions of the license row and the database clock, so they read the same on every replica.

export interface LicenseTerms {
  status: 'ACTIVE' | 'SUSPENDED' | 'REVOKED';
  validFrom: Date;
  expiresAt: Date | null;
}

/** Throws the code that says why no seat of this license may be used now. */
export function assertLicenseUsable(license: LicenseTerms, now: Date): void {
  if (license.status === 'REVOKED') throw new DomainError('LICENSE_REVOKED', 'The license was revoked');
  if (license.status === 'SUSPENDED') throw new DomainError('LICENSE_SUSPENDED', 'The license is suspended');
  if (license.validFrom > now) {
    throw new DomainError('LICENSE_NOT_YET_VALID', 'The license is not valid yet', { validFrom: license.validFrom.toISOString() });
  }
  if (license.expiresAt && license.expiresAt <= now) {
    throw new DomainError('LICENSE_EXPIRED', 'The license has expired', { expiresAt: license.expiresAt.toISOString() });
  }
}

export interface ContainerAccess {
  accessRevokedAt: Date | null;
  accessRevokedReason: string | null;
}

/**
 * A container whose user was removed from their group or disabled refuses everything a program
 * does with it (checkout, heartbeat, borrow, activation, license file, offline requests); the
 * validation answers USER_REMOVED / USER_DISABLED instead. One code for every route.
 */
export function assertContainerAccess(container: ContainerAccess): void {
  if (!container.accessRevokedAt) return;
  const reason = container.accessRevokedReason ?? 'USER_REMOVED';
  const why = reason === 'USER_DISABLED' ? 'was disabled' : 'was removed from their group';
  throw new DomainError('CONTAINER_ACCESS_REVOKED', `The container's user ${why}; the container no longer grants access`, {
    reason,
    revokedAt: container.accessRevokedAt.toISOString(),
  });
}

export interface BorrowTerms {
  borrowAllowed: boolean;
  maxBorrowDays: number;
  expiresAt: Date | null;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Throws the code that says why a seat may not be borrowed until `until`; each refusal has its own. */
export function assertBorrowAllowed(license: BorrowTerms, until: Date, now: Date): void {
  if (!license.borrowAllowed) throw new DomainError('BORROW_NOT_ALLOWED', 'This license does not allow borrowing seats');
  if (until <= now) {
    throw new DomainError('BORROW_UNTIL_IN_PAST', 'borrowUntil must be in the future', { borrowUntil: until.toISOString() });
  }
  const latest = new Date(now.getTime() + license.maxBorrowDays * DAY_MS);
  if (until > latest) {
    throw new DomainError('BORROW_TOO_LONG', `A seat can be borrowed for at most ${license.maxBorrowDays} days`, {
      maxBorrowDays: license.maxBorrowDays,
      latestBorrowUntil: latest.toISOString(),
    });
  }
  if (license.expiresAt && until > license.expiresAt) {
    throw new DomainError('BORROW_PAST_LICENSE_EXPIRY', 'A seat cannot be borrowed past the license expiry', {
      licenseExpiresAt: license.expiresAt.toISOString(),
    });
  }
}
