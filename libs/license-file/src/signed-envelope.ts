import { sign, verify } from 'node:crypto';
import { KeyInput, toPrivateKey, toPublicKey } from './keys';

/**
 * The one signed container for everything the server signs as JSON (license files, validation
 * answers):
 *
 *   { "format": "<kind>/1", "keyId": "<16 hex>", "payload": "<base64url of UTF-8 JSON>",
 *     "signature": "<base64url of the 64-byte Ed25519 signature>" }
 *
 * The signature covers the ASCII bytes of `format + "." + payload` — the base64url text exactly as
 * sent, so a verifier never re-serialises JSON (no canonicalisation), and the format is bound in so
 * a signed validation answer cannot be passed off as a license file. `keyId` is only a hint for
 * picking the key: a wrong one fails as UNKNOWN_KEY or BAD_SIGNATURE, never verifies.
 */
export interface SignedEnvelope {
  format: string;
  keyId: string;
  payload: string;
  signature: string;
}

export type EnvelopeFailure = 'MALFORMED' | 'WRONG_FORMAT' | 'UNKNOWN_KEY' | 'BAD_SIGNATURE';

/**
 * `payload` is whatever JSON the key's holder signed: the signature proves who wrote it, not its
 * shape, so callers narrow it (as `verifyLicenseFile` does).
 */
export type OpenEnvelopeResult = { ok: true; payload: unknown; keyId: string } | { ok: false; reason: EnvelopeFailure };

/** Public keys a verifier trusts, by keyId. Several entries let files signed before a rotation verify. */
export type PublicKeys = Readonly<Record<string, KeyInput>>;

export const ENVELOPE_VERSION = 1;
const KIND_PATTERN = /^[a-z][a-z0-9-]{0,63}$/;
const BASE64URL_PATTERN = /^[A-Za-z0-9_-]*$/;
const ED25519_SIGNATURE_BYTES = 64;

export function formatOf(kind: string): string {
  if (!KIND_PATTERN.test(kind)) throw new TypeError(`Envelope kind must match ${KIND_PATTERN}, got "${kind}"`);
  return `${kind}/${ENVELOPE_VERSION}`;
}

export function signEnvelope(kind: string, payload: unknown, privateKey: KeyInput, keyId: string): SignedEnvelope {
  const format = formatOf(kind);
  const json = JSON.stringify(payload);
  if (json === undefined) throw new TypeError('The envelope payload must be JSON-serialisable');
  const encodedPayload = Buffer.from(json, 'utf8').toString('base64url');
  const signature = sign(null, signedBytes(format, encodedPayload), toPrivateKey(privateKey));
  return { format, keyId, payload: encodedPayload, signature: signature.toString('base64url') };
}

/**
 * Checks, in this order: the shape (MALFORMED), the format is `<kind>/1` (WRONG_FORMAT), the keyId
 * is one of `publicKeys` (UNKNOWN_KEY), the signature (BAD_SIGNATURE); only then decodes the
 * payload JSON. `envelope` is the parsed JSON object as received.
 */
export function openEnvelope(envelope: unknown, kind: string, publicKeys: PublicKeys): OpenEnvelopeResult {
  if (!isEnvelopeShaped(envelope)) return { ok: false, reason: 'MALFORMED' };
  const signature = decodeBase64Url(envelope.signature);
  if (signature?.length !== ED25519_SIGNATURE_BYTES) return { ok: false, reason: 'MALFORMED' };
  const payloadBytes = decodeBase64Url(envelope.payload);
  if (!payloadBytes) return { ok: false, reason: 'MALFORMED' };
  if (envelope.format !== formatOf(kind)) return { ok: false, reason: 'WRONG_FORMAT' };

  // Own properties only: a keyId of "constructor" must not find Object.prototype's.
  if (!Object.prototype.hasOwnProperty.call(publicKeys, envelope.keyId)) return { ok: false, reason: 'UNKNOWN_KEY' };
  const publicKey = toPublicKey(publicKeys[envelope.keyId]);
  if (!verify(null, signedBytes(envelope.format, envelope.payload), publicKey, signature)) {
    return { ok: false, reason: 'BAD_SIGNATURE' };
  }

  try {
    return { ok: true, payload: JSON.parse(payloadBytes.toString('utf8')), keyId: envelope.keyId };
  } catch {
    // Signed but not JSON: only a broken signer produces this.
    return { ok: false, reason: 'MALFORMED' };
  }
}

function signedBytes(format: string, encodedPayload: string): Buffer {
  return Buffer.from(`${format}.${encodedPayload}`, 'ascii');
}

function isEnvelopeShaped(value: unknown): value is SignedEnvelope {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const fields = value as Record<string, unknown>;
  return (
    typeof fields['format'] === 'string' &&
    typeof fields['keyId'] === 'string' &&
    typeof fields['payload'] === 'string' &&
    typeof fields['signature'] === 'string'
  );
}

/**
 * Strict base64url (no padding, no stray characters, canonical trailing bits): Node's decoder
 * silently skips what it does not know, and every verifier (this one, the documented snippet, one
 * written in another language) must agree on which bytes a text means.
 */
function decodeBase64Url(text: string): Buffer | undefined {
  if (!BASE64URL_PATTERN.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}
