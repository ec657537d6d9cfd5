import { randomBytes } from 'node:crypto';
import { generateSigningKeyPair } from '@leasehold/license-file';
import { decryptPrivateKey, encryptPrivateKey } from './private-key-cipher';

describe('private key cipher (AES-256-GCM with the platform key)', () => {
  const platformKey = randomBytes(32);
  const pair = generateSigningKeyPair();
  const vendorA = '0190a000-0000-7000-8000-00000000000a';
  const vendorB = '0190b000-0000-7000-8000-00000000000b';

  it('round-trips and never stores the PEM in clear', () => {
    const encrypted = encryptPrivateKey(platformKey, pair.privateKeyPem, vendorA, pair.keyId);
    expect(encrypted).not.toContain('PRIVATE KEY');
    expect(encrypted).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(decryptPrivateKey(platformKey, encrypted, vendorA, pair.keyId)).toBe(pair.privateKeyPem);
  });

  it('uses a fresh IV each time', () => {
    expect(encryptPrivateKey(platformKey, pair.privateKeyPem, vendorA, pair.keyId)).not.toBe(
      encryptPrivateKey(platformKey, pair.privateKeyPem, vendorA, pair.keyId),
    );
  });

  it('refuses another platform key, another vendor, another key id and any tampering', () => {
    const encrypted = encryptPrivateKey(platformKey, pair.privateKeyPem, vendorA, pair.keyId);
    expect(() => decryptPrivateKey(randomBytes(32), encrypted, vendorA, pair.keyId)).toThrow();
    expect(() => decryptPrivateKey(platformKey, encrypted, vendorB, pair.keyId)).toThrow();
    expect(() => decryptPrivateKey(platformKey, encrypted, vendorA, '0000000000000000')).toThrow();
    const parts = encrypted.split('.');
    const body = Buffer.from(parts[3], 'base64url');
    body[0] ^= 1;
    expect(() =>
      decryptPrivateKey(
        platformKey,
        [parts[0], parts[1], parts[2], body.toString('base64url')].join('.'),
        vendorA,
        pair.keyId,
      ),
    ).toThrow();
    expect(() => decryptPrivateKey(platformKey, 'v2.a.b.c', vendorA, pair.keyId)).toThrow(/format/);
  });
});
