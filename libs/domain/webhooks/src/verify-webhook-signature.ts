import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Verifies a Leasehold webhook delivery. Pass the raw request body exactly as received (before any
 * JSON parsing) and the `Leasehold-Timestamp` and `Leasehold-Signature` headers. Returns true when
 * a `v1=` signature matches and the timestamp is within `toleranceSeconds` of now (replay guard).
 */
export function verifyLeaseholdWebhook(
  secret: string,
  rawBody: string | Buffer,
  timestampHeader: string | undefined,
  signatureHeader: string | undefined,
  toleranceSeconds = 300,
  nowSeconds = Math.floor(Date.now() / 1000),
): boolean {
  if (!timestampHeader || !signatureHeader || !/^\d+$/.test(timestampHeader)) return false;
  if (Math.abs(nowSeconds - Number(timestampHeader)) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${timestampHeader}.`).update(rawBody).digest();
  // Several signatures may be given, separated by spaces (e.g. while a secret is being rotated).
  return signatureHeader.split(' ').some((part) => {
    if (!part.startsWith('v1=')) return false;
    const given = Buffer.from(part.slice(3), 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
