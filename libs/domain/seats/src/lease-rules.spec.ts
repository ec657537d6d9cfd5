import { DomainError } from '@leasehold/errors';
import { assertBorrowAllowed, assertLicenseUsable } from './lease-rules';

const now = new Date('2026-06-01T12:00:00Z');
const days = (n: number) => new Date(now.getTime() + n * 86_400_000);

function codeOf(fn: () => void): string | null {
  try {
    fn();
    return null;
  } catch (error) {
    return error instanceof DomainError ? error.code : 'not a DomainError';
  }
}

describe('assertLicenseUsable', () => {
  const active = { status: 'ACTIVE' as const, validFrom: days(-1), expiresAt: days(30) };

  it('accepts an active license inside its validity window', () => {
    expect(codeOf(() => assertLicenseUsable(active, now))).toBeNull();
    expect(codeOf(() => assertLicenseUsable({ ...active, expiresAt: null }, now))).toBeNull();
  });

  it('names each reason with its own code', () => {
    expect(codeOf(() => assertLicenseUsable({ ...active, status: 'REVOKED' }, now))).toBe('LICENSE_REVOKED');
    expect(codeOf(() => assertLicenseUsable({ ...active, status: 'SUSPENDED' }, now))).toBe('LICENSE_SUSPENDED');
    expect(codeOf(() => assertLicenseUsable({ ...active, validFrom: days(1) }, now))).toBe('LICENSE_NOT_YET_VALID');
    expect(codeOf(() => assertLicenseUsable({ ...active, expiresAt: now }, now))).toBe('LICENSE_EXPIRED');
  });
});

describe('assertBorrowAllowed', () => {
  const terms = { borrowAllowed: true, maxBorrowDays: 7, offlinePeriodDays: 30, expiresAt: days(10) };

  it('accepts up to the maximum days and up to the license expiry', () => {
    expect(codeOf(() => assertBorrowAllowed(terms, days(7), now))).toBeNull();
    expect(codeOf(() => assertBorrowAllowed({ ...terms, maxBorrowDays: 30 }, days(10), now))).toBeNull();
  });

  it('refuses each case with its own code', () => {
    expect(codeOf(() => assertBorrowAllowed({ ...terms, borrowAllowed: false }, days(1), now))).toBe(
      'BORROW_NOT_ALLOWED',
    );
    expect(codeOf(() => assertBorrowAllowed(terms, days(7.01), now))).toBe('BORROW_TOO_LONG');
    expect(codeOf(() => assertBorrowAllowed({ ...terms, maxBorrowDays: 30 }, days(10.5), now))).toBe(
      'BORROW_PAST_LICENSE_EXPIRY',
    );
    expect(codeOf(() => assertBorrowAllowed(terms, now, now))).toBe('BORROW_UNTIL_IN_PAST');
  });

  it('never lets a borrow outlast the offline period', () => {
    expect(codeOf(() => assertBorrowAllowed({ ...terms, offlinePeriodDays: 3 }, days(3), now))).toBeNull();
    expect(codeOf(() => assertBorrowAllowed({ ...terms, offlinePeriodDays: 3 }, days(3.01), now))).toBe(
      'BORROW_TOO_LONG',
    );
  });
});
