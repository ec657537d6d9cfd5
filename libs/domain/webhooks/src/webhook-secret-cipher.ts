import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

// Endpoint secrets must be usable to sign, so they are stored encrypted (AES-256-GCM with the
// platform key), not hashed. The associated data binds a ciphertext to its vendor, so a value
// copied onto another vendor's row does not decrypt. Format: `v1.<iv>.<tag>.<ciphertext>`, base64url.

const VERSION = 'v1';

function associatedData(vendorId: string): Buffer {
  return Buffer.from(`leasehold-webhook-secret:${vendorId}`, 'utf8');
}

export function encryptWebhookSecret(platformKey: Buffer, secret: string, vendorId: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', platformKey, iv);
  cipher.setAAD(associatedData(vendorId));
  const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return [
    VERSION,
    iv.toString('base64url'),
    cipher.getAuthTag().toString('base64url'),
    ciphertext.toString('base64url'),
  ].join('.');
}

export function decryptWebhookSecret(platformKey: Buffer, encrypted: string, vendorId: string): string {
  const [version, iv, tag, ciphertext, ...rest] = encrypted.split('.');
  if (version !== VERSION || !iv || !tag || ciphertext === undefined || rest.length)
    throw new Error('Unrecognised encrypted webhook secret');
  const decipher = createDecipheriv('aes-256-gcm', platformKey, Buffer.from(iv, 'base64url'));
  decipher.setAAD(associatedData(vendorId));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
}
