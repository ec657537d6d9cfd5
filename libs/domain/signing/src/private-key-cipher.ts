import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

// Vendors' private signing keys are stored encrypted with the platform key (AES-256-GCM). The
// associated data binds a ciphertext to its vendor and key id, so a ciphertext copied onto another
// row (another vendor) does not decrypt. Format: `v1.<iv>.<tag>.<ciphertext>`, base64url parts.

const VERSION = 'v1';
const IV_BYTES = 12;

function associatedData(vendorId: string, keyId: string): Buffer {
  return Buffer.from(`leasehold-signing-key:${vendorId}:${keyId}`, 'utf8');
}

export function encryptPrivateKey(platformKey: Buffer, privateKeyPem: string, vendorId: string, keyId: string): string {
  if (platformKey.length !== 32) throw new TypeError('The platform key must be 32 bytes');
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', platformKey, iv);
  cipher.setAAD(associatedData(vendorId, keyId));
  const ciphertext = Buffer.concat([cipher.update(privateKeyPem, 'utf8'), cipher.final()]);
  return [
    VERSION,
    iv.toString('base64url'),
    cipher.getAuthTag().toString('base64url'),
    ciphertext.toString('base64url'),
  ].join('.');
}

/** Throws when the text was not made by `encryptPrivateKey` with this platform key, vendor and key id. */
export function decryptPrivateKey(platformKey: Buffer, encrypted: string, vendorId: string, keyId: string): string {
  const [version, iv, tag, ciphertext, ...rest] = encrypted.split('.');
  if (version !== VERSION || !iv || !tag || ciphertext === undefined || rest.length) {
    throw new Error('Unrecognised encrypted private key format');
  }
  const decipher = createDecipheriv('aes-256-gcm', platformKey, Buffer.from(iv, 'base64url'));
  decipher.setAAD(associatedData(vendorId, keyId));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
}
