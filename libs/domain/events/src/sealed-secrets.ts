import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

// One-time tokens in event payloads (the invitation and password-reset tokens of `user.invited`
// and `user.password_reset_requested`, and the links that carry them) are sealed with the platform
// key (AES-256-GCM) before the event is stored: domain_events is read by the relay, listed to
// tests and operators, backed up, and a reset token read from it would reset a password. The
// webhook delivery opens the seal when it builds the body it signs and sends, so the vendor
// receives the event exactly as before. The associated data binds a seal to its vendor.
//
// Stored payload: the event's other fields, plus `"sealed": "v1.<iv>.<tag>.<ciphertext>"` (base64url
// parts) holding a JSON object of the secret fields.

export const SEALED_FIELD = 'sealed';
const VERSION = 'v1';

function associatedData(vendorId: string): Buffer {
  return Buffer.from(`leasehold-event-secrets:${vendorId}`, 'utf8');
}

/** The `sealed` value for the secret fields of a payload. */
export function sealEventSecrets(platformKey: Buffer, vendorId: string, secrets: Record<string, string>): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', platformKey, iv);
  cipher.setAAD(associatedData(vendorId));
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(secrets), 'utf8'), cipher.final()]);
  return [
    VERSION,
    iv.toString('base64url'),
    cipher.getAuthTag().toString('base64url'),
    ciphertext.toString('base64url'),
  ].join('.');
}

/**
 * The payload as the vendor receives it: the sealed fields opened and merged in, `sealed` removed.
 * A payload without a seal is returned as it is. Throws when the seal does not open (another
 * vendor's, another platform key).
 */
export function openEventPayload(
  platformKey: Buffer,
  vendorId: string,
  payload: Record<string, unknown>,
): Record<string, unknown> {
  const sealed = payload[SEALED_FIELD];
  if (typeof sealed !== 'string') return payload;
  const [version, iv, tag, ciphertext, ...rest] = sealed.split('.');
  if (version !== VERSION || !iv || !tag || ciphertext === undefined || rest.length)
    throw new Error('Unrecognised sealed event secrets');
  const decipher = createDecipheriv('aes-256-gcm', platformKey, Buffer.from(iv, 'base64url'));
  decipher.setAAD(associatedData(vendorId));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  const secrets = JSON.parse(
    Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8'),
  ) as Record<string, unknown>;
  const { [SEALED_FIELD]: _sealed, ...rest2 } = payload;
  return { ...rest2, ...secrets };
}
