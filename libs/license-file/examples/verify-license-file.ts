// A standalone license file verifier: node:crypto only, nothing else to install. Paste it into a
// program as it is; it does what verifyLicenseFile in @leasehold/client/license-file does.
import { createPublicKey, verify } from 'node:crypto';

export interface License {
  vendorId: string;
  vendorName?: string;
  containerId: string;
  licenseId: string;
  productCode: string;
  features: string[];
  quantity: number;
  validFrom: string;
  expiresAt: string | null;
  fingerprint: string;
  issuedAt: string;
  refreshBy: string;
  revision: number;
}

export type LicenseStatus =
  | 'VALID'
  | 'MALFORMED'
  | 'UNKNOWN_KEY'
  | 'BAD_SIGNATURE'
  | 'WRONG_FINGERPRINT'
  | 'NOT_YET_VALID'
  | 'EXPIRED'
  | 'REFRESH_REQUIRED';

/** publicKeys: the vendor's public keys (PEM) by keyId, retired ones included. */
export function checkLicenseFile(
  text: string,
  publicKeys: Record<string, string>,
  fingerprint: string,
  now: Date = new Date(),
): { status: LicenseStatus; license?: License } {
  // 1. Integrity: a leasehold-license/1 envelope, a trusted key, a good signature.
  let envelope: Record<string, unknown>;
  try {
    envelope = JSON.parse(text);
  } catch {
    return { status: 'MALFORMED' };
  }
  const { format, keyId, payload, signature } = envelope ?? {};
  if (format !== 'leasehold-license/1' || typeof keyId !== 'string') return { status: 'MALFORMED' };
  const payloadBytes = strictBase64Url(payload);
  const signatureBytes = strictBase64Url(signature);
  if (!payloadBytes || signatureBytes?.length !== 64) return { status: 'MALFORMED' };
  if (!Object.prototype.hasOwnProperty.call(publicKeys, keyId)) return { status: 'UNKNOWN_KEY' };
  const signedBytes = Buffer.from(`${format}.${payload as string}`, 'ascii');
  if (!verify(null, signedBytes, createPublicKey(publicKeys[keyId]), signatureBytes)) {
    return { status: 'BAD_SIGNATURE' };
  }
  let license: License;
  try {
    license = JSON.parse(payloadBytes.toString('utf8'));
  } catch {
    return { status: 'MALFORMED' };
  }
  const instant = (value: unknown): number => (typeof value === 'string' ? Date.parse(value) : NaN);
  if (
    typeof license?.fingerprint !== 'string' ||
    !Array.isArray(license.features) ||
    Number.isNaN(instant(license.validFrom)) ||
    Number.isNaN(instant(license.refreshBy)) ||
    (license.expiresAt !== null && Number.isNaN(instant(license.expiresAt)))
  ) {
    return { status: 'MALFORMED' };
  }

  // 2. Binding to this device. 3. Validity window. 4. Refresh deadline.
  const time = now.getTime();
  if (license.fingerprint !== fingerprint) return { status: 'WRONG_FINGERPRINT', license };
  if (time < instant(license.validFrom)) return { status: 'NOT_YET_VALID', license };
  if (license.expiresAt !== null && time >= instant(license.expiresAt)) return { status: 'EXPIRED', license };
  if (time >= instant(license.refreshBy)) return { status: 'REFRESH_REQUIRED', license };
  return { status: 'VALID', license };
}

function strictBase64Url(value: unknown): Buffer | undefined {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]*$/.test(value)) return undefined;
  const bytes = Buffer.from(value, 'base64url');
  return bytes.toString('base64url') === value ? bytes : undefined;
}
