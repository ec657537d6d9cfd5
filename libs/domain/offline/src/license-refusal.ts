import { DomainError } from '@leasehold/errors';

/**
 * Why a license cannot be put into a license file or an offline response now, or null. A license
 * that starts later is allowed: the program itself sees NOT_YET_VALID until validFrom.
 */
export function licenseRefusal(
  license: { id: string | null; status: string | null; expiresAt: Date | null },
  now: Date,
): DomainError | null {
  if (license.status === 'REVOKED')
    return new DomainError('LICENSE_REVOKED', 'The license was revoked', { licenseId: license.id });
  if (license.status === 'SUSPENDED')
    return new DomainError('LICENSE_SUSPENDED', 'The license is suspended', { licenseId: license.id });
  if (license.expiresAt && license.expiresAt <= now) {
    return new DomainError('LICENSE_EXPIRED', 'The license has expired', {
      licenseId: license.id,
      expiresAt: license.expiresAt.toISOString(),
    });
  }
  return null;
}
