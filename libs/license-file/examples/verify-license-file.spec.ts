import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createLicenseFile,
  fingerprintDigest,
  generateSigningKeyPair,
  LicenseFilePayload,
  parseRequestCode,
  returnKeyHashOf,
  verifyLicenseFile,
} from '../src/index';
import { checkLicenseFile } from './verify-license-file';

// The standalone verifier is what docs/license-file-format.md tells vendors to paste: it must agree
// with the library on every outcome, and the document must show exactly this file.

const oldKey = generateSigningKeyPair();
const newKey = generateSigningKeyPair();
const publicKeys = { [oldKey.keyId]: oldKey.publicKeyPem, [newKey.keyId]: newKey.publicKeyPem };
const fingerprint = 'device-7f3a';
const license: LicenseFilePayload = {
  vendorId: '01960000-0000-7000-8000-000000000001',
  containerId: '01960000-0000-7000-8000-000000000002',
  licenseId: '01960000-0000-7000-8000-000000000003',
  productCode: 'CAD-PRO',
  features: ['render'],
  quantity: 1,
  validFrom: '2025-01-01T00:00:00.000Z',
  expiresAt: '2026-01-01T00:00:00.000Z',
  fingerprint,
  issuedAt: '2025-03-01T00:00:00.000Z',
  refreshBy: '2025-04-01T00:00:00.000Z',
  revision: 1,
};

function tamperedSignature(text: string): string {
  const envelope = JSON.parse(text) as { signature: string };
  const bytes = Buffer.from(envelope.signature, 'base64url');
  bytes[10] ^= 0x01;
  return JSON.stringify({ ...envelope, signature: bytes.toString('base64url') });
}

describe('the standalone verifier in the documentation', () => {
  const oldFile = createLicenseFile(license, oldKey.privateKeyPem, oldKey.keyId);
  const newFile = createLicenseFile({ ...license, expiresAt: null, revision: 2 }, newKey.privateKeyPem, newKey.keyId);
  const stranger = generateSigningKeyPair();
  const cases: Array<{ text: string; fingerprint: string; now: string; expected: string }> = [
    { text: oldFile, fingerprint, now: '2025-03-15T00:00:00Z', expected: 'VALID' },
    { text: newFile, fingerprint, now: '2025-03-15T00:00:00Z', expected: 'VALID' },
    { text: tamperedSignature(oldFile), fingerprint, now: '2025-03-15T00:00:00Z', expected: 'BAD_SIGNATURE' },
    {
      text: createLicenseFile(license, stranger.privateKeyPem, stranger.keyId),
      fingerprint,
      now: '2025-03-15T00:00:00Z',
      expected: 'UNKNOWN_KEY',
    },
    {
      text: oldFile.replace('leasehold-license/1', 'leasehold-validation/1'),
      fingerprint,
      now: '2025-03-15T00:00:00Z',
      expected: 'MALFORMED',
    },
    { text: '{"format":', fingerprint, now: '2025-03-15T00:00:00Z', expected: 'MALFORMED' },
    { text: 'null', fingerprint, now: '2025-03-15T00:00:00Z', expected: 'MALFORMED' },
    { text: oldFile, fingerprint: 'another-device', now: '2025-03-15T00:00:00Z', expected: 'WRONG_FINGERPRINT' },
    { text: oldFile, fingerprint, now: '2024-12-31T00:00:00Z', expected: 'NOT_YET_VALID' },
    { text: oldFile, fingerprint, now: '2026-01-01T00:00:00Z', expected: 'EXPIRED' },
    { text: oldFile, fingerprint, now: '2025-04-01T00:00:00Z', expected: 'REFRESH_REQUIRED' },
    { text: newFile, fingerprint, now: '2080-01-01T00:00:00Z', expected: 'REFRESH_REQUIRED' },
  ];

  it.each(cases)('answers $expected as the library does', ({ text, fingerprint: deviceFingerprint, now, expected }) => {
    const standalone = checkLicenseFile(text, publicKeys, deviceFingerprint, new Date(now));
    const library = verifyLicenseFile(text, { publicKeys, fingerprint: deviceFingerprint, now: new Date(now) });
    expect(standalone.status).toBe(expected);
    expect(library.status).toBe(expected);
    expect(standalone.license).toEqual('license' in library ? library.license : undefined);
  });

  it('verifies the example file and request code the documentation shows', () => {
    const documentation = readFileSync(join(__dirname, '../../../docs/license-file-format.md'), 'utf8');
    const publicKeyPem = /-----BEGIN PUBLIC KEY-----\n.+\n-----END PUBLIC KEY-----\n/.exec(documentation)?.[0] ?? '';
    const exampleFile = /```json\n(\{\n {2}"format": "leasehold-license\/1"[^`]+)```/.exec(documentation)?.[1] ?? '';
    const exampleKeys = { '187cdaa81c10ec31': publicKeyPem };
    const now = new Date('2025-03-15T00:00:00Z');
    expect(checkLicenseFile(exampleFile, exampleKeys, 'board:XJ-42|disk:9f2c', now)).toMatchObject({
      status: 'VALID',
      license: { productCode: 'CAD-PRO', revision: 4 },
    });
    const requestCode = /Example: `([0-9A-Z-]+)`/.exec(documentation)?.[1] ?? '';
    const returnKey = /return key `([A-Za-z0-9_-]{43})`/.exec(documentation)?.[1] ?? '';
    expect(parseRequestCode(requestCode)).toMatchObject({
      ok: true,
      request: {
        kind: 'activate',
        format: 2,
        containerId: '0196a1b2-7c3d-7e4f-8a5b-6c7d8e9f0a2c',
        fingerprintDigest: fingerprintDigest('board:XJ-42|disk:9f2c'),
        returnKeyHash: returnKeyHashOf(returnKey),
      },
    });
    const legacy = /The same request in format 1:\n`([0-9A-Z-]+)`/.exec(documentation)?.[1] ?? '';
    expect(parseRequestCode(legacy)).toMatchObject({
      ok: true,
      request: { kind: 'activate', format: 1, fingerprintDigest: fingerprintDigest('board:XJ-42|disk:9f2c') },
    });
  });

  it('is shown verbatim in docs/license-file-format.md', () => {
    const snippet = readFileSync(join(__dirname, 'verify-license-file.ts'), 'utf8');
    const documentation = readFileSync(join(__dirname, '../../../docs/license-file-format.md'), 'utf8');
    expect(documentation).toContain(`\`\`\`ts\n${snippet}\`\`\``);
  });
});
