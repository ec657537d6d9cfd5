import { generateSigningKeyPair } from './keys';
import { createLicenseFile, LicenseFilePayload, verifyLicenseFile } from './license-file';
import { signEnvelope, SignedEnvelope } from './signed-envelope';

const vendorKey = generateSigningKeyPair();
const publicKeys = { [vendorKey.keyId]: vendorKey.publicKeyPem };
const fingerprint = 'sha256:9f2c…device-fingerprint';

const license: LicenseFilePayload = {
  vendorId: '01960000-0000-7000-8000-000000000001',
  vendorName: 'Acme Drafting',
  containerId: '01960000-0000-7000-8000-000000000002',
  licenseId: '01960000-0000-7000-8000-000000000003',
  productCode: 'CAD-PRO',
  features: ['export-dwg', 'render'],
  quantity: 3,
  validFrom: '2025-01-01T00:00:00.000Z',
  expiresAt: '2026-01-01T00:00:00.000Z',
  fingerprint,
  issuedAt: '2025-03-01T12:00:00.000Z',
  refreshBy: '2025-04-01T12:00:00.000Z',
  revision: 4,
};
const duringTerm = new Date('2025-03-15T00:00:00.000Z');

function verify(
  text: string,
  overrides: { fingerprint?: string; now?: Date; publicKeys?: Record<string, string> } = {},
) {
  return verifyLicenseFile(text, { publicKeys, fingerprint, now: duringTerm, ...overrides });
}

function envelopeOf(text: string): SignedEnvelope {
  return JSON.parse(text) as SignedEnvelope;
}

describe('license files', () => {
  const file = createLicenseFile(license, vendorKey.privateKeyPem, vendorKey.keyId);

  it('verifies the file it created and returns the license it states', () => {
    expect(verify(file)).toEqual({ status: 'VALID', license, keyId: vendorKey.keyId });
    expect(envelopeOf(file)).toMatchObject({ format: 'leasehold-license/1', keyId: vendorKey.keyId });
    expect(file.endsWith('}\n')).toBe(true);
  });

  it('is BAD_SIGNATURE when any byte of the signed license JSON or of the signature is changed', () => {
    const envelope = envelopeOf(file);
    for (const field of ['payload', 'signature'] as const) {
      const bytes = Buffer.from(envelope[field], 'base64url');
      for (let index = 0; index < bytes.length; index += 1) {
        const altered = Buffer.from(bytes);
        altered[index] ^= 0x20;
        const tampered = JSON.stringify({ ...envelope, [field]: altered.toString('base64url') });
        expect(verify(tampered).status).toBe('BAD_SIGNATURE');
      }
    }
  });

  it('is BAD_SIGNATURE when a field is rewritten, say a later expiry or more seats', () => {
    const envelope = envelopeOf(file);
    for (const change of [
      { expiresAt: '2099-01-01T00:00:00.000Z' },
      { quantity: 100 },
      { fingerprint: 'another-device' },
    ]) {
      const payload = Buffer.from(JSON.stringify({ ...license, ...change })).toString('base64url');
      expect(verify(JSON.stringify({ ...envelope, payload }), { fingerprint: 'another-device' }).status).toBe(
        'BAD_SIGNATURE',
      );
    }
  });

  it('is WRONG_FINGERPRINT on another device, and still shows the license', () => {
    expect(verify(file, { fingerprint: 'another-device' })).toEqual({
      status: 'WRONG_FINGERPRINT',
      license,
      keyId: vendorKey.keyId,
    });
  });

  it('applies the validity window: validFrom inclusive, expiresAt exclusive', () => {
    expect(verify(file, { now: new Date('2024-12-31T23:59:59.999Z') }).status).toBe('NOT_YET_VALID');
    const atStart = createLicenseFile(
      { ...license, refreshBy: '2025-01-02T00:00:00.000Z' },
      vendorKey.privateKeyPem,
      vendorKey.keyId,
    );
    expect(verify(atStart, { now: new Date(license.validFrom) }).status).toBe('VALID');
    const nearEnd = createLicenseFile(
      { ...license, refreshBy: '2027-01-01T00:00:00.000Z' },
      vendorKey.privateKeyPem,
      vendorKey.keyId,
    );
    expect(verify(nearEnd, { now: new Date('2025-12-31T23:59:59.999Z') }).status).toBe('VALID');
    expect(verify(nearEnd, { now: new Date('2026-01-01T00:00:00.000Z') })).toEqual({
      status: 'EXPIRED',
      license: { ...license, refreshBy: '2027-01-01T00:00:00.000Z' },
      keyId: vendorKey.keyId,
    });
  });

  it('is REFRESH_REQUIRED from refreshBy on, even for a license that never expires', () => {
    const perpetual = createLicenseFile({ ...license, expiresAt: null }, vendorKey.privateKeyPem, vendorKey.keyId);
    expect(verify(perpetual, { now: new Date('2025-04-01T12:00:00.000Z') }).status).toBe('REFRESH_REQUIRED');
    expect(verify(perpetual, { now: new Date('2025-04-01T11:59:59.999Z') }).status).toBe('VALID');
    expect(verify(perpetual, { now: new Date('2090-01-01T00:00:00.000Z') }).status).toBe('REFRESH_REQUIRED');
  });

  it('checks in the documented order: integrity, fingerprint, validity window, refreshBy', () => {
    const afterEverything = new Date('2030-01-01T00:00:00.000Z');
    const { signature } = envelopeOf(
      createLicenseFile({ ...license, revision: 5 }, vendorKey.privateKeyPem, vendorKey.keyId),
    );
    const tampered = JSON.stringify({ ...envelopeOf(file), signature });
    expect(verify(tampered, { fingerprint: 'another-device', now: afterEverything }).status).toBe('BAD_SIGNATURE');
    expect(verify(file, { fingerprint: 'another-device', now: afterEverything }).status).toBe('WRONG_FINGERPRINT');
    expect(verify(file, { now: afterEverything }).status).toBe('EXPIRED');
    const late = createLicenseFile(
      { ...license, validFrom: '2031-01-01T00:00:00.000Z', expiresAt: null },
      vendorKey.privateKeyPem,
      vendorKey.keyId,
    );
    expect(verify(late, { now: afterEverything }).status).toBe('NOT_YET_VALID');
  });

  it('uses the current time when no clock is injected', () => {
    const current = createLicenseFile(
      {
        ...license,
        validFrom: new Date(Date.now() - 60_000).toISOString(),
        refreshBy: new Date(Date.now() + 60_000).toISOString(),
        expiresAt: null,
      },
      vendorKey.privateKeyPem,
      vendorKey.keyId,
    );
    expect(verifyLicenseFile(current, { publicKeys, fingerprint }).status).toBe('VALID');
    expect(verifyLicenseFile(file, { publicKeys, fingerprint }).status).not.toBe('VALID');
  });

  it('is UNKNOWN_KEY when signed by a key the program does not trust', () => {
    const stranger = generateSigningKeyPair();
    const foreign = createLicenseFile(license, stranger.privateKeyPem, stranger.keyId);
    expect(verify(foreign)).toEqual({ status: 'UNKNOWN_KEY' });
  });

  it('keeps verifying files signed with a retired key while both keys are trusted', () => {
    const newKey = generateSigningKeyPair();
    const rotatedKeys = { [vendorKey.keyId]: vendorKey.publicKeyPem, [newKey.keyId]: newKey.publicKeyPem };
    const newFile = createLicenseFile({ ...license, revision: 5 }, newKey.privateKeyPem, newKey.keyId);
    expect(verify(file, { publicKeys: rotatedKeys })).toMatchObject({ status: 'VALID', keyId: vendorKey.keyId });
    expect(verify(newFile, { publicKeys: rotatedKeys })).toMatchObject({ status: 'VALID', keyId: newKey.keyId });
    expect(verify(file, { publicKeys: { [newKey.keyId]: newKey.publicKeyPem } }).status).toBe('UNKNOWN_KEY');
  });

  it('is MALFORMED for text that is not a signed license file', () => {
    const validationAnswer = signEnvelope('leasehold-validation', license, vendorKey.privateKeyPem, vendorKey.keyId);
    const incomplete = Object.fromEntries(Object.entries(license).filter(([field]) => field !== 'fingerprint'));
    const signedIncomplete = signEnvelope('leasehold-license', incomplete, vendorKey.privateKeyPem, vendorKey.keyId);
    const signedBadDate = signEnvelope(
      'leasehold-license',
      { ...license, refreshBy: 'next week' },
      vendorKey.privateKeyPem,
      vendorKey.keyId,
    );
    for (const text of [
      '',
      'not json',
      '[]',
      JSON.stringify(validationAnswer),
      JSON.stringify(signedIncomplete),
      JSON.stringify(signedBadDate),
    ]) {
      expect(verify(text)).toEqual({ status: 'MALFORMED' });
    }
  });

  it('ignores fields it does not know, so the format can grow without a new version', () => {
    const grown = signEnvelope(
      'leasehold-license',
      { ...license, maxBorrowDays: 14 },
      vendorKey.privateKeyPem,
      vendorKey.keyId,
    );
    expect(verify(JSON.stringify(grown))).toEqual({ status: 'VALID', license, keyId: vendorKey.keyId });
  });

  it('refuses to sign a payload that verifiers would call MALFORMED', () => {
    for (const broken of [
      { ...license, expiresAt: 'soon' },
      { ...license, quantity: -1 },
      { ...license, features: [1] },
      { ...license, fingerprint: '' },
    ]) {
      expect(() => createLicenseFile(broken as LicenseFilePayload, vendorKey.privateKeyPem, vendorKey.keyId)).toThrow(
        TypeError,
      );
    }
  });
});
