import { randomBytes } from 'node:crypto';
import { returnKeyHashOf, verifyLicenseFile } from '@leasehold/license-file';
import { createProductViaApi, createVendor, expectError } from '@leasehold/testing';
import { ClientApiWorld, useClientApiWorld } from './client-api.fixture';

describe('signed license files (GET /client/v1/license-file), verified offline with @leasehold/license-file', () => {
  const world = useClientApiWorld(new ClientApiWorld());
  const { http, publicKeys, personalContainer, enterpriseContainer, addLicense } = world;
  const FP = 'fingerprint-license-file-1';
  const DAY = 24 * 3600 * 1000;

  async function personalWithLicense(license: Record<string, unknown> = {}) {
    const c = await personalContainer();
    const licenseId = await addLicense(c.containerId, { features: ['export-pdf'], ...license });
    await http().post('/client/v1/activations').set(c.device).send({ fingerprint: FP, name: 'Laptop' }).expect(201);
    return { ...c, licenseId };
  }

  const download = (device: { Authorization: string }, query: Record<string, string> = {}) =>
    http()
      .get('/client/v1/license-file')
      .query({ fingerprint: FP, ...query })
      .set(device);

  it('issues a file to an activated device that verifies offline; tampering, another fingerprint and a time after refreshBy fail', async () => {
    const c = await personalWithLicense();
    const before = Date.now();
    const res = await download(c.device).expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const file = res.text;
    const keys = await publicKeys();

    const verified = verifyLicenseFile(file, { publicKeys: keys, fingerprint: FP });
    expect(verified.status).toBe('VALID');
    if (verified.status !== 'VALID') return;
    expect(verified.license).toMatchObject({
      vendorId: world.acme.vendor.id,
      vendorName: 'Acme',
      containerId: c.containerId,
      licenseId: c.licenseId,
      productCode: world.product.code,
      features: ['export-pdf'],
      quantity: 1,
      expiresAt: null,
      fingerprint: FP,
      revision: 1,
    });
    const refreshBy = Date.parse(verified.license.refreshBy);
    expect(refreshBy).toBeGreaterThanOrEqual(before + 7 * DAY - 60_000);
    expect(refreshBy).toBeLessThanOrEqual(Date.now() + 7 * DAY + 60_000);

    // Tampering: the program's copy with one more feature (payload re-encoded, signature kept).
    const envelope = JSON.parse(file) as { payload: string };
    const payload = JSON.parse(Buffer.from(envelope.payload, 'base64url').toString('utf8')) as { features: string[] };
    payload.features.push('print');
    const tampered = JSON.stringify({
      ...envelope,
      payload: Buffer.from(JSON.stringify(payload)).toString('base64url'),
    });
    expect(verifyLicenseFile(tampered, { publicKeys: keys, fingerprint: FP }).status).toBe('BAD_SIGNATURE');

    expect(verifyLicenseFile(file, { publicKeys: keys, fingerprint: 'fingerprint-of-another-machine' }).status).toBe(
      'WRONG_FINGERPRINT',
    );
    expect(verifyLicenseFile(file, { publicKeys: keys, fingerprint: FP, now: new Date(refreshBy) }).status).toBe(
      'REFRESH_REQUIRED',
    );
    expect(verifyLicenseFile(file, { publicKeys: keys, fingerprint: FP, now: new Date(refreshBy - 1000) }).status).toBe(
      'VALID',
    );
  });

  it('refreshBy is never after the license expiry, and the file carries the current revision', async () => {
    const expiresAt = new Date(Date.now() + 2 * DAY);
    const c = await personalWithLicense({ expiresAt: expiresAt.toISOString() });
    await http()
      .patch(`/v1/licenses/${c.licenseId}`)
      .set(world.acme.auth)
      .send({ features: ['export-pdf', 'print'] })
      .expect(200);
    const verified = verifyLicenseFile((await download(c.device).expect(200)).text, {
      publicKeys: await publicKeys(),
      fingerprint: FP,
    });
    expect(verified.status).toBe('VALID');
    if (verified.status !== 'VALID') return;
    expect(verified.license.refreshBy).toBe(expiresAt.toISOString());
    expect(verified.license.revision).toBe(2);
    expect(verified.license.features).toEqual(['export-pdf', 'print']);
    expect(
      verifyLicenseFile((await download(c.device).expect(200)).text, {
        publicKeys: await publicKeys(),
        fingerprint: FP,
        now: expiresAt,
      }).status,
    ).toBe('EXPIRED');
  });

  it('after a key rotation new files use the new key and files signed before keep verifying with the listed (retired) key', async () => {
    const vendor = await createVendor(world.app, 'Rotating Vendor');
    const own = await createProductViaApi(http, vendor);
    const c = await personalContainer({ vendor });
    await http()
      .post(`/v1/containers/${c.containerId}/licenses`)
      .set(vendor.auth)
      .send({ productId: own.productId, quantity: 1 })
      .expect(201);
    await http().post('/client/v1/activations').set(c.device).send({ fingerprint: FP, name: 'Laptop' }).expect(201);

    const oldFile = (await download(c.device).expect(200)).text;
    const rotated = await http().post('/v1/signing-keys/rotate').set(vendor.auth).expect(200);
    const newFile = (await download(c.device).expect(200)).text;

    const keys = await publicKeys(vendor.vendor.id);
    expect(Object.keys(keys)).toHaveLength(2);
    const oldCheck = verifyLicenseFile(oldFile, { publicKeys: keys, fingerprint: FP });
    const newCheck = verifyLicenseFile(newFile, { publicKeys: keys, fingerprint: FP });
    expect([oldCheck.status, newCheck.status]).toEqual(['VALID', 'VALID']);
    if (oldCheck.status !== 'VALID' || newCheck.status !== 'VALID') return;
    expect(newCheck.keyId).toBe(rotated.body.keyId);
    expect(oldCheck.keyId).not.toBe(rotated.body.keyId);
    // A program that trusts only the new key refuses the old file: the listed retired key is what keeps it valid.
    expect(
      verifyLicenseFile(oldFile, { publicKeys: { [newCheck.keyId]: keys[newCheck.keyId] }, fingerprint: FP }).status,
    ).toBe('UNKNOWN_KEY');
  });

  it('refuses a device that is not activated, a suspended license, and a container without a license', async () => {
    const c = await personalWithLicense();
    expectError(await download(c.device, { fingerprint: 'fingerprint-not-activated' }), 403, 'DEVICE_NOT_ACTIVATED');
    await http().post(`/v1/licenses/${c.licenseId}/suspend`).set(world.acme.auth).expect(200);
    expectError(await download(c.device), 403, 'LICENSE_SUSPENDED');

    const empty = await personalContainer();
    expectError(await download(empty.device), 404, 'NOT_FOUND');
    expectError(await download(c.device, { fingerprint: 'short' }), 400, 'VALIDATION_FAILED');
  });

  it('ENTERPRISE: only to a device holding a seat; refreshBy is when the seat stops counting', async () => {
    const c = await enterpriseContainer();
    const licenseId = await addLicense(c.containerId, { quantity: 2, borrowAllowed: true, maxBorrowDays: 7 });
    expectError(await download(c.device), 403, 'NO_LEASE_HELD');

    const lease = await http()
      .post('/client/v1/seats/checkout')
      .set(c.device)
      .send({ licenseId, fingerprint: FP })
      .expect(201);
    const verified = verifyLicenseFile((await download(c.device).expect(200)).text, {
      publicKeys: await publicKeys(),
      fingerprint: FP,
    });
    expect(verified.status).toBe('VALID');
    if (verified.status !== 'VALID') return;
    expect(verified.license.refreshBy).toBe(lease.body.expiresAt);
    expect(verified.license.quantity).toBe(2);

    const borrowUntil = new Date(Date.now() + 3 * DAY);
    const returnKey = randomBytes(32).toString('base64url');
    await http()
      .post(`/client/v1/seats/${lease.body.leaseId}/borrow`)
      .set(c.device)
      .send({ borrowUntil: borrowUntil.toISOString(), returnKeyHash: returnKeyHashOf(returnKey) })
      .expect(200);
    const borrowed = verifyLicenseFile((await download(c.device).expect(200)).text, {
      publicKeys: await publicKeys(),
      fingerprint: FP,
    });
    expect(borrowed.status === 'VALID' && borrowed.license.refreshBy).toBe(borrowUntil.toISOString());

    await http().post(`/client/v1/seats/${lease.body.leaseId}/release`).set(c.device).send({ returnKey }).expect(200);
    expectError(await download(c.device), 403, 'NO_LEASE_HELD');
  });
});
