import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { generateSigningKeyPair, keyIdOf, rawPublicKey, toPrivateKey, toPublicKey } from './keys';

describe('signing keys', () => {
  it('derives the keyId from the public key: first 16 hex of SHA-256 over the raw 32 bytes', () => {
    const pair = generateSigningKeyPair();
    // An Ed25519 SPKI DER is a fixed 12-byte prefix followed by the raw key.
    const der = createPublicKey(pair.publicKeyPem).export({ type: 'spki', format: 'der' });
    const raw = der.subarray(der.length - 32);
    expect(rawPublicKey(pair.publicKeyPem).equals(raw)).toBe(true);
    expect(pair.keyId).toBe(createHash('sha256').update(raw).digest('hex').slice(0, 16));
    expect(pair.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(keyIdOf(pair.publicKeyPem)).toBe(pair.keyId);
  });

  it('gives every key pair its own id and PEM texts of the expected kinds', () => {
    const first = generateSigningKeyPair();
    const second = generateSigningKeyPair();
    expect(first.keyId).not.toBe(second.keyId);
    expect(first.publicKeyPem).toContain('BEGIN PUBLIC KEY');
    expect(first.privateKeyPem).toContain('BEGIN PRIVATE KEY');
    expect(toPrivateKey(first.privateKeyPem).asymmetricKeyType).toBe('ed25519');
  });

  it('refuses keys that are not Ed25519, and a private key where a public one belongs', () => {
    const ecKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() => keyIdOf(ecKey.publicKey.export({ type: 'spki', format: 'pem' }).toString())).toThrow(TypeError);
    expect(() => toPrivateKey(ecKey.privateKey)).toThrow(TypeError);
    expect(() => toPublicKey(toPrivateKey(generateSigningKeyPair().privateKeyPem))).toThrow(TypeError);
  });
});
