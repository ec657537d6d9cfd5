import { createHash } from 'node:crypto';
import { DomainError } from '@leasehold/errors';
import type { ContainerKind, LicenseStatus } from '@leasehold/db';

// The license checks shared by checkout, borrow and heartbeat, and the borrow limits. Pure
// functions of the license row and the database clock, so they read the same on every replica.

export interface LicenseTerms {
  status: LicenseStatus;
  validFrom: Date;
  expiresAt: Date | null;
}

/** Why no seat of the license may be used at `now`, or null when it may (`licenseUsable` in seat-rules.sql.ts says the same in SQL). */
export type LicenseUnusable = 'REVOKED' | 'SUSPENDED' | 'NOT_YET_VALID' | 'EXPIRED';

export function licenseUnusable(license: LicenseTerms, now: Date): LicenseUnusable | null {
  if (license.status === 'REVOKED') return 'REVOKED';
  if (license.status === 'SUSPENDED') return 'SUSPENDED';
  if (license.validFrom > now) return 'NOT_YET_VALID';
  if (license.expiresAt && license.expiresAt <= now) return 'EXPIRED';
  return null;
}

/** Throws the code that says why no seat of this license may be used now. */
export function assertLicenseUsable(license: LicenseTerms, now: Date): void {
  switch (licenseUnusable(license, now)) {
    case 'REVOKED':
      throw new DomainError('LICENSE_REVOKED', 'The license was revoked');
    case 'SUSPENDED':
      throw new DomainError('LICENSE_SUSPENDED', 'The license is suspended');
    case 'NOT_YET_VALID':
      throw new DomainError('LICENSE_NOT_YET_VALID', 'The license is not valid yet', {
        validFrom: license.validFrom.toISOString(),
      });
    case 'EXPIRED':
      throw new DomainError('LICENSE_EXPIRED', 'The license has expired', {
        expiresAt: license.expiresAt?.toISOString(),
      });
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
  throw new DomainError(
    'CONTAINER_ACCESS_REVOKED',
    `The container's user ${why}; the container no longer grants access`,
    {
      reason,
      revokedAt: container.accessRevokedAt.toISOString(),
    },
  );
}

/** What a checkout (or a wait for a seat) needs to know of the license, its container and the device. */
export interface SeatTaker extends LicenseTerms, ContainerAccess {
  kind: ContainerKind;
  containerGroupId: string | null;
  deviceId: string | null;
  now: Date;
}

/** Throws the code that says why this device may not take (or wait for) a seat of the license. */
export function assertMayTakeSeat(license: SeatTaker, user: { id: string; groupId: string | null } | undefined): void {
  assertContainerAccess(license);
  assertLicenseUsable(license, license.now);
  if (user && license.kind === 'ENTERPRISE' && user.groupId !== license.containerGroupId) {
    throw new DomainError('USER_NOT_IN_GROUP', "The user of userToken is not a member of the container's group", {
      userId: user.id,
    });
  }
  if (license.kind === 'PERSONAL' && !license.deviceId) {
    throw new DomainError('DEVICE_NOT_ACTIVATED', 'This device is not activated on the container; activate it first');
  }
}

export interface BorrowTerms {
  borrowAllowed: boolean;
  maxBorrowDays: number;
  /** The license's offline period: no offline grant, a borrow included, lasts longer. */
  offlinePeriodDays: number;
  expiresAt: Date | null;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Throws the code that says why a seat may not be borrowed until `until`; each refusal has its own. */
export function assertBorrowAllowed(license: BorrowTerms, until: Date, now: Date): void {
  if (!license.borrowAllowed)
    throw new DomainError('BORROW_NOT_ALLOWED', 'This license does not allow borrowing seats');
  if (until <= now) {
    throw new DomainError('BORROW_UNTIL_IN_PAST', 'borrowUntil must be in the future', {
      borrowUntil: until.toISOString(),
    });
  }
  const days = Math.min(license.maxBorrowDays, license.offlinePeriodDays);
  const latest = new Date(now.getTime() + days * DAY_MS);
  if (until > latest) {
    throw new DomainError('BORROW_TOO_LONG', `A seat can be borrowed for at most ${days} days`, {
      maxBorrowDays: days,
      latestBorrowUntil: latest.toISOString(),
    });
  }
  if (license.expiresAt && until > license.expiresAt) {
    throw new DomainError('BORROW_PAST_LICENSE_EXPIRY', 'A seat cannot be borrowed past the license expiry', {
      licenseExpiresAt: license.expiresAt.toISOString(),
    });
  }
}

/**
 * The program's proof that it gave a borrowed seat up: SHA-256 of its return key (32 bytes,
 * base64url), as base64url — what the borrow committed to (`returnKeyHash`). Null for anything that
 * is not a well-formed key, which then matches no lease.
 */
export function returnProofHash(returnKey: string | null | undefined): string | null {
  if (!returnKey || !/^[A-Za-z0-9_-]{43}$/.test(returnKey)) return null;
  const bytes = Buffer.from(returnKey, 'base64url');
  return bytes.length === 32 ? createHash('sha256').update(bytes).digest('base64url') : null;
}

/** The refusal of an early return (or of moving a borrow's end earlier) without the program's proof. */
export function returnProofRefused(borrowUntil: Date, hasHash: boolean): DomainError {
  const message = hasHash
    ? 'A borrowed seat is returned before borrowUntil only with the returnKey the borrow committed to'
    : 'The seat was borrowed without a returnKeyHash: it stays borrowed until borrowUntil';
  return new DomainError('RETURN_PROOF_INVALID', message, {
    borrowUntil: borrowUntil.toISOString(),
    earlyReturnPossible: hasHash,
  });
}
