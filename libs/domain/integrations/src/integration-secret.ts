import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { decryptPrivateKey, encryptPrivateKey } from '@leasehold/domain-signing';

// An integration's HMAC secret must be readable again to verify each event, so it is stored
// encrypted, not hashed. The AES-256-GCM code is the signing keys' (one implementation of the
// platform-key cipher); the associated data binds the ciphertext to the vendor, the integration and
// the secret's version, so a ciphertext copied onto another row does not decrypt.

const SECRET_PREFIX = 'lhi_';

/** A new secret, shown to the vendor once (on create and on rotation). */
export function generateIntegrationSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;
}

const binding = (integrationId: string, secretVersion: number) => `integration:${integrationId}:${secretVersion}`;

export function encryptIntegrationSecret(
  platformKey: Buffer,
  secret: string,
  vendorId: string,
  integrationId: string,
  secretVersion: number,
): string {
  return encryptPrivateKey(platformKey, secret, vendorId, binding(integrationId, secretVersion));
}

export function decryptIntegrationSecret(
  platformKey: Buffer,
  encrypted: string,
  vendorId: string,
  integrationId: string,
  secretVersion: number,
): string {
  return decryptPrivateKey(platformKey, encrypted, vendorId, binding(integrationId, secretVersion));
}

/** `v1=<hex HMAC-SHA256 of "<timestamp>.<raw body>">`: what the ERP puts in `Leasehold-Signature`. */
export function signInboundEvent(secret: string, timestamp: string, rawBody: Buffer | string): string {
  const hmac = createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
  return `v1=${hmac}`;
}

/**
 * True when one of the comma-separated signatures in the header is the v1 signature of this body
 * and timestamp (several are allowed so a sender can sign with two secrets during its own rollover).
 * Compared in constant time.
 */
export function inboundSignatureMatches(
  secret: string,
  timestamp: string,
  rawBody: Buffer | string,
  header: string | undefined,
): boolean {
  if (!header) return false;
  const expected = Buffer.from(signInboundEvent(secret, timestamp, rawBody), 'utf8');
  return header
    .split(',')
    .map((part) => Buffer.from(part.trim(), 'utf8'))
    .some((given) => given.length === expected.length && timingSafeEqual(given, expected));
}

export const TIMESTAMP_TOLERANCE_PAST_SECONDS = 300;
export const TIMESTAMP_TOLERANCE_FUTURE_SECONDS = 60;

/** Why a `Leasehold-Timestamp` header is refused, or null when it is fresh. */
export function timestampProblem(header: string | undefined, now: Date): string | null {
  if (!header || !/^\d{1,12}$/.test(header)) return 'Leasehold-Timestamp must be the unix time in seconds';
  const age = Math.floor(now.getTime() / 1000) - Number(header);
  if (age > TIMESTAMP_TOLERANCE_PAST_SECONDS)
    return `The event was signed ${age} s ago; at most ${TIMESTAMP_TOLERANCE_PAST_SECONDS} s are accepted (replay?)`;
  if (-age > TIMESTAMP_TOLERANCE_FUTURE_SECONDS)
    return `The event is signed ${-age} s in the future; check the sender's clock`;
  return null;
}
