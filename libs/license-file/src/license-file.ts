import { KeyInput } from './keys';
import { openEnvelope, PublicKeys, signEnvelope } from './signed-envelope';

/**
 * What a signed license file states. Dates are ISO 8601 strings (as `Date#toISOString` writes
 * them); `expiresAt: null` means the license does not expire. Verifiers ignore fields they do not
 * know, so a field can be added without a new format version; changing a field's meaning needs one.
 */
export interface LicenseFilePayload {
  vendorId: string;
  vendorName?: string;
  containerId: string;
  licenseId: string;
  productCode: string;
  features: string[];
  quantity: number;
  validFrom: string;
  expiresAt: string | null;
  /** The device fingerprint this file was issued for, exactly as the program reported it. */
  fingerprint: string;
  issuedAt: string;
  /** The program must fetch a fresh file before this instant; after it the file stops verifying. */
  refreshBy: string;
  revision: number;
}

export const LICENSE_FILE_KIND = 'leasehold-license';

export type LicenseFileStatus =
  | 'VALID'
  | 'MALFORMED'
  | 'UNKNOWN_KEY'
  | 'BAD_SIGNATURE'
  | 'WRONG_FINGERPRINT'
  | 'NOT_YET_VALID'
  | 'EXPIRED'
  | 'REFRESH_REQUIRED';

/**
 * Integrity failures carry no license: nothing in an unverified file can be trusted, not even for
 * an error message. Later failures carry it, so a program can say "expired on …".
 */
export type LicenseFileVerification =
  | { status: 'VALID'; license: LicenseFilePayload; keyId: string }
  | { status: 'MALFORMED' | 'UNKNOWN_KEY' | 'BAD_SIGNATURE' }
  | {
      status: 'WRONG_FINGERPRINT' | 'NOT_YET_VALID' | 'EXPIRED' | 'REFRESH_REQUIRED';
      license: LicenseFilePayload;
      keyId: string;
    };

export interface VerifyLicenseFileOptions {
  /** Trusted vendor public keys by keyId; keep retired keys here until the files they signed expire. */
  publicKeys: PublicKeys;
  /** This device's fingerprint, computed the same way as when the file was requested. */
  fingerprint: string;
  now?: Date;
}

/** Signs a license file; returns the envelope as pretty JSON (UTF-8 text, ends with a newline). */
export function createLicenseFile(payload: LicenseFilePayload, privateKey: KeyInput, keyId: string): string {
  const license = parseLicensePayload(payload);
  if (!license) throw new TypeError('The license file payload is incomplete or has a field of the wrong type');
  // Sign the normalised copy: what a verifier reads back is exactly what was checked here.
  return `${JSON.stringify(signEnvelope(LICENSE_FILE_KIND, license, privateKey, keyId), null, 2)}\n`;
}

/**
 * Verification order — integrity, then binding, then time:
 * 1. MALFORMED (not JSON, not an envelope, not a `leasehold-license/1` file, or a signed payload
 *    missing a field), UNKNOWN_KEY, BAD_SIGNATURE;
 * 2. WRONG_FINGERPRINT: issued for another device;
 * 3. NOT_YET_VALID (now < validFrom), EXPIRED (now ≥ expiresAt);
 * 4. REFRESH_REQUIRED (now ≥ refreshBy): still a real license, but the program must reconnect.
 */
export function verifyLicenseFile(text: string, options: VerifyLicenseFileOptions): LicenseFileVerification {
  let envelope: unknown;
  try {
    envelope = JSON.parse(text);
  } catch {
    return { status: 'MALFORMED' };
  }
  const opened = openEnvelope(envelope, LICENSE_FILE_KIND, options.publicKeys);
  if (!opened.ok) return { status: opened.reason === 'WRONG_FORMAT' ? 'MALFORMED' : opened.reason };
  const license = parseLicensePayload(opened.payload);
  if (!license) return { status: 'MALFORMED' };

  const { keyId } = opened;
  if (license.fingerprint !== options.fingerprint) return { status: 'WRONG_FINGERPRINT', license, keyId };
  const now = (options.now ?? new Date()).getTime();
  if (now < Date.parse(license.validFrom)) return { status: 'NOT_YET_VALID', license, keyId };
  if (license.expiresAt !== null && now >= Date.parse(license.expiresAt)) return { status: 'EXPIRED', license, keyId };
  if (now >= Date.parse(license.refreshBy)) return { status: 'REFRESH_REQUIRED', license, keyId };
  return { status: 'VALID', license, keyId };
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** A fresh object with exactly the known fields, or undefined when one is missing or mistyped. */
function parseLicensePayload(value: unknown): LicenseFilePayload | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const fields = value as Record<string, unknown>;
  const { vendorId, vendorName, containerId, licenseId, productCode, features, quantity } = fields;
  const { validFrom, expiresAt, fingerprint, issuedAt, refreshBy, revision } = fields;
  const valid =
    isNonEmptyString(vendorId) &&
    (vendorName === undefined || typeof vendorName === 'string') &&
    isNonEmptyString(containerId) &&
    isNonEmptyString(licenseId) &&
    isNonEmptyString(productCode) &&
    Array.isArray(features) &&
    features.every((feature) => typeof feature === 'string') &&
    isNonNegativeInteger(quantity) &&
    isInstant(validFrom) &&
    (expiresAt === null || isInstant(expiresAt)) &&
    isNonEmptyString(fingerprint) &&
    isInstant(issuedAt) &&
    isInstant(refreshBy) &&
    isNonNegativeInteger(revision);
  if (!valid) return undefined;
  return {
    vendorId,
    ...(vendorName === undefined ? {} : { vendorName }),
    containerId,
    licenseId,
    productCode,
    features: [...(features as string[])],
    quantity,
    validFrom,
    expiresAt,
    fingerprint,
    issuedAt,
    refreshBy,
    revision,
  };
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isInstant(value: unknown): value is string {
  return typeof value === 'string' && ISO_INSTANT.test(value) && !Number.isNaN(Date.parse(value));
}
