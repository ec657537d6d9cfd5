import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject } from 'node:crypto';

/**
 * A vendor's Ed25519 signing key pair. `keyId` is derived from the public key alone, so a program
 * holding only public keys computes the same ids the server wrote into its signed files.
 */
export interface SigningKeyPair {
  keyId: string;
  publicKeyPem: string;
  privateKeyPem: string;
}

/** A key given as PEM text, or as a `KeyObject` a server parsed once and keeps (parsing costs). */
export type KeyInput = string | KeyObject;

/** keyId = first 8 bytes (16 lowercase hex characters) of SHA-256 over the 32-byte raw public key. */
export const KEY_ID_PATTERN = /^[0-9a-f]{16}$/;

export function generateSigningKeyPair(): SigningKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    keyId: keyIdOfKeyObject(publicKey),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

export function keyIdOf(publicKeyPem: string): string {
  return keyIdOfKeyObject(toPublicKey(publicKeyPem));
}

/** The 32 raw bytes of an Ed25519 public key (RFC 8032 encoding), as JWK `x` carries them. */
export function rawPublicKey(publicKey: KeyInput): Buffer {
  const jwk = toPublicKey(publicKey).export({ format: 'jwk' });
  if (typeof jwk.x !== 'string') throw new TypeError('The public key has no Ed25519 point');
  return Buffer.from(jwk.x, 'base64url');
}

function keyIdOfKeyObject(publicKey: KeyObject): string {
  return createHash('sha256').update(rawPublicKey(publicKey)).digest('hex').slice(0, 16);
}

/** Parses (or passes through) a public key and refuses anything that is not Ed25519. */
export function toPublicKey(key: KeyInput): KeyObject {
  const keyObject = typeof key === 'string' ? createPublicKey(key) : key;
  if (keyObject.type !== 'public' || keyObject.asymmetricKeyType !== 'ed25519') {
    throw new TypeError('Expected an Ed25519 public key');
  }
  return keyObject;
}

/** Parses (or passes through) a private key and refuses anything that is not Ed25519. */
export function toPrivateKey(key: KeyInput): KeyObject {
  const keyObject = typeof key === 'string' ? createPrivateKey(key) : key;
  if (keyObject.type !== 'private' || keyObject.asymmetricKeyType !== 'ed25519') {
    throw new TypeError('Expected an Ed25519 private key');
  }
  return keyObject;
}
