import type { LicenseStatus } from '@leasehold/db';

/**
 * The stable answers of POST /client/v1/validate (docs/licensing.md has the table). Credential
 * problems (CREDENTIALS_INVALID, CREDENTIALS_REVOKED) are authentication failures (401): the
 * validation statement resolves the secret itself, so no reset can slip in between.
 */
export const VALIDATION_CODES = [
  'VALID',
  'CHECKOUT_REQUIRED',
  'FEATURE_NOT_LICENSED',
  'DEVICE_NOT_ACTIVATED',
  'EXPIRED',
  'NOT_YET_VALID',
  'SUSPENDED',
  'REVOKED',
  'NO_LICENSE',
  'USER_REMOVED',
  'USER_DISABLED',
] as const;

export type ValidationCode = (typeof VALIDATION_CODES)[number];

export interface ValidateCommand {
  fingerprint: string;
  /** A feature code the program is about to use. */
  feature?: string;
  /** Narrows the answer to the container's license(s) of this product code. */
  product?: string;
  /** Echoed inside the signed payload, so a program can tell a fresh answer from a replayed one. */
  nonce?: string;
  /** The container revision the program knows (from its last answer): sets `updateAvailable`. Null: not known. */
  knownRevision?: number | null;
  /**
   * The user running the program (from its portal access token, as at checkout), for the seats
   * their checkout could take; a user of another vendor than the container's is refused (TOKEN_INVALID).
   */
  user?: { id: string; vendorId: string } | null;
}

/** What is signed (kind `leasehold-validation`) and also returned in clear. */
export interface ValidationPayload {
  code: ValidationCode;
  valid: boolean;
  vendorId: string;
  containerId: string;
  fingerprint: string;
  feature: string | null;
  nonce: string | null;
  license: {
    id: string;
    productId: string;
    product: string;
    features: string[];
    quantity: number;
    status: LicenseStatus;
    validFrom: string;
    expiresAt: string | null;
    revision: number;
  } | null;
  /**
   * For a license whose use is counted (ENTERPRISE seats; a PERSONAL license with fewer seats than
   * active devices): its seats right now. VALID then means this device holds one of them;
   * CHECKOUT_REQUIRED that it must check one out first. `capacity` is the quantity plus the
   * overage allowance; `available` the seats a checkout of this user (no queue ticket) could take
   * now, by the checkout's own rule (libs/domain/seats seat-availability.sql.ts). Null when the
   * use is not counted.
   */
  availability: { quantity: number; capacity: number; inUse: number; available: number } | null;
  /** The container's revision: the sum of its licenses' revisions (as GET /client/v1/updates). */
  revision: number;
  /** True when the command gave a `knownRevision` and it differs from `revision`: fetch the license again. */
  updateAvailable: boolean;
  issuedAt: string;
}

export const VALIDATION_ENVELOPE_KIND = 'leasehold-validation';
