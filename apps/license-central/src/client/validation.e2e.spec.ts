import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { PrismaService } from '@leasehold/db';
import { openEnvelope } from '@leasehold/license-file';
import {
  ApiProduct,
  createEnterpriseContainerViaApi,
  createPersonalContainerViaApi,
  createPortalUser,
  createProductViaApi,
  createTestApp,
  createVendor,
  dbOf,
  expectError,
  insertGroup,
  TestVendor,
} from '@leasehold/testing';
import { LICENSE_CENTRAL_API } from '../api-info';
import { AppModule } from '../app.module';

describe('validation (client API): codes, signed answers', () => {
  let app: INestApplication;
  let acme: TestVendor;
  let product: ApiProduct;
  const http = () => request(app.getHttpServer());
  const FP = 'fingerprint-validation-1';

  beforeAll(async () => {
    app = await createTestApp(AppModule, LICENSE_CENTRAL_API);
    acme = await createVendor(app, 'Acme');
    product = await createProductViaApi(http, acme);
  });
  afterAll(() => app.close());

  async function personalWithLicense(license: Record<string, unknown> = {}, activate = true) {
    const c = await createPersonalContainerViaApi(http, dbOf(app), acme);
    const created = await http()
      .post(`/v1/containers/${c.containerId}/licenses`)
      .set(acme.auth)
      .send({ productId: product.productId, quantity: 1, features: ['export-pdf'], ...license })
      .expect(201);
    if (activate)
      await http().post('/client/v1/activations').set(c.device).send({ fingerprint: FP, name: 'Laptop' }).expect(201);
    return { ...c, licenseId: created.body.id as string };
  }

  async function validate(device: { Authorization: string }, body: Record<string, unknown> = {}) {
    const res = await http()
      .post('/client/v1/validate')
      .set(device)
      .send({ fingerprint: FP, ...body });
    expect(res.status).toBe(200);
    return res.body;
  }

  async function publicKeys(vendorId: string) {
    const keys = (await http().get(`/client/v1/vendors/${vendorId}/signing-keys`).expect(200)).body.data as {
      keyId: string;
      publicKeyPem: string;
    }[];
    return Object.fromEntries(keys.map((k) => [k.keyId, k.publicKeyPem]));
  }

  it('VALID: features, validity and revision, signed with the vendor key (payload = the answer without the envelope)', async () => {
    const c = await personalWithLicense({ expiresAt: '2099-01-01T00:00:00.000Z' });
    const answer = await validate(c.device, { feature: 'export-pdf', nonce: 'n-123' });
    expect(answer).toMatchObject({
      code: 'VALID',
      valid: true,
      vendorId: acme.vendor.id,
      containerId: c.containerId,
      fingerprint: FP,
      feature: 'export-pdf',
      nonce: 'n-123',
      license: {
        id: c.licenseId,
        product: product.code,
        features: ['export-pdf'],
        quantity: 1,
        status: 'ACTIVE',
        expiresAt: '2099-01-01T00:00:00.000Z',
        revision: 1,
      },
    });
    const opened = openEnvelope(answer.envelope, 'leasehold-validation', await publicKeys(acme.vendor.id));
    expect(opened.ok).toBe(true);
    const { envelope, ...clear } = answer;
    expect(envelope.format).toBe('leasehold-validation/1');
    expect(opened.ok && opened.payload).toEqual(clear);
    // tampering with the payload breaks the signature
    const forged = {
      ...envelope,
      payload: Buffer.from(
        JSON.stringify({ ...clear, code: 'VALID', license: { ...clear.license, quantity: 99 } }),
      ).toString('base64url'),
    };
    expect(openEnvelope(forged, 'leasehold-validation', await publicKeys(acme.vendor.id))).toEqual({
      ok: false,
      reason: 'BAD_SIGNATURE',
    });
  });

  it('answers the container revision and updateAvailable (signed): a vendor change makes the old revision stale; the product filter does not narrow it', async () => {
    const c = await personalWithLicense();
    const first = await validate(c.device, { knownRevision: 1 });
    expect(first).toMatchObject({ code: 'VALID', revision: 1, updateAvailable: false });
    // without knownRevision (or null) the program is told the revision but never that an update is available
    expect(await validate(c.device)).toMatchObject({ revision: 1, updateAvailable: false });
    expect(await validate(c.device, { knownRevision: null })).toMatchObject({ revision: 1, updateAvailable: false });

    await http()
      .patch(`/v1/licenses/${c.licenseId}`)
      .set(acme.auth)
      .send({ quantity: 3, features: ['export-pdf', 'print'] })
      .expect(200);
    const stale = await validate(c.device, { knownRevision: 1, nonce: 'after-change' });
    expect(stale).toMatchObject({
      code: 'VALID',
      revision: 2,
      updateAvailable: true,
      license: { quantity: 3, features: ['export-pdf', 'print'], revision: 2 },
    });
    const opened = openEnvelope(stale.envelope, 'leasehold-validation', await publicKeys(acme.vendor.id));
    expect(opened.ok && opened.payload).toMatchObject({ revision: 2, updateAvailable: true, nonce: 'after-change' });
    expect(await validate(c.device, { knownRevision: 2 })).toMatchObject({ revision: 2, updateAvailable: false });

    // the container revision is the sum over all its licenses, as GET /client/v1/updates answers
    const other = await createProductViaApi(http, acme);
    await http()
      .post(`/v1/containers/${c.containerId}/licenses`)
      .set(acme.auth)
      .send({ productId: other.productId, quantity: 1 })
      .expect(201);
    expect(await validate(c.device, { knownRevision: 2, product: product.code })).toMatchObject({
      license: { id: c.licenseId, revision: 2 },
      revision: 3,
      updateAvailable: true,
    });
    expect(
      (await http().get('/client/v1/updates').query({ knownRevision: 0, wait: 0 }).set(c.device).expect(200)).body
        .revision,
    ).toBe(3);

    for (const knownRevision of [-1, 1.5, '3', 2_147_483_648, true]) {
      const res = await http().post('/client/v1/validate').set(c.device).send({ fingerprint: FP, knownRevision });
      expectError(res, 400, 'VALIDATION_FAILED');
      expect(res.body.error.details.fields.map((f: { field: string }) => f.field)).toEqual(['knownRevision']);
    }
  });

  it('FEATURE_NOT_LICENSED, DEVICE_NOT_ACTIVATED', async () => {
    const c = await personalWithLicense();
    expect((await validate(c.device, { feature: 'print' })).code).toBe('FEATURE_NOT_LICENSED');
    expect((await validate(c.device, { fingerprint: 'fingerprint-unknown' })).code).toBe('DEVICE_NOT_ACTIVATED');
    await http().post('/client/v1/activations/deactivate').set(c.device).send({ fingerprint: FP }).expect(200);
    const after = await validate(c.device);
    expect(after).toMatchObject({ code: 'DEVICE_NOT_ACTIVATED', valid: false, license: { id: c.licenseId } });
  });

  it('EXPIRED and NOT_YET_VALID', async () => {
    const expired = await personalWithLicense({ validFrom: '2020-01-01T00:00:00Z', expiresAt: '2021-01-01T00:00:00Z' });
    expect((await validate(expired.device)).code).toBe('EXPIRED');
    const future = await personalWithLicense({ validFrom: '2098-01-01T00:00:00Z' });
    expect((await validate(future.device)).code).toBe('NOT_YET_VALID');
  });

  it('SUSPENDED, then VALID again on resume with a higher revision, then REVOKED', async () => {
    const c = await personalWithLicense();
    await http().post(`/v1/licenses/${c.licenseId}/suspend`).set(acme.auth).expect(200);
    expect(await validate(c.device)).toMatchObject({ code: 'SUSPENDED', license: { revision: 2 } });
    await http().post(`/v1/licenses/${c.licenseId}/resume`).set(acme.auth).expect(200);
    expect(await validate(c.device)).toMatchObject({ code: 'VALID', license: { revision: 3 } });
    await http().post(`/v1/licenses/${c.licenseId}/revoke`).set(acme.auth).expect(200);
    expect(await validate(c.device)).toMatchObject({ code: 'REVOKED', valid: false });
  });

  it('NO_LICENSE (none in the container, or none of the asked product); several licenses: the best answer wins', async () => {
    const empty = await createPersonalContainerViaApi(http, dbOf(app), acme);
    await http().post('/client/v1/activations').set(empty.device).send({ fingerprint: FP, name: 'x' }).expect(201);
    expect(await validate(empty.device)).toMatchObject({ code: 'NO_LICENSE', license: null });

    const c = await personalWithLicense({ validFrom: '2020-01-01T00:00:00Z', expiresAt: '2021-01-01T00:00:00Z' });
    expect((await validate(c.device, { product: 'no-such-product' })).code).toBe('NO_LICENSE');
    const second = await http()
      .post(`/v1/containers/${c.containerId}/licenses`)
      .set(acme.auth)
      .send({ productId: product.productId, quantity: 1, features: ['print'] })
      .expect(201);
    expect(await validate(c.device, { product: product.code })).toMatchObject({
      code: 'VALID',
      license: { id: second.body.id },
    });
    expect(await validate(c.device, { feature: 'export-pdf' })).toMatchObject({
      code: 'FEATURE_NOT_LICENSED',
      license: { id: second.body.id },
    });
  });

  // The removal itself is carried by the worker's outbox relay (apps/worker/src/access/user-access.spec.ts);
  // here the container is put in the state the reaction leaves it in.
  it('USER_REMOVED / USER_DISABLED for a container whose access was revoked; VALID again once reassigned', async () => {
    const c = await personalWithLicense();
    const prisma = app.get(PrismaService);
    await prisma.container.updateMany({
      where: { id: c.containerId },
      data: { accessRevokedAt: new Date(), accessRevokedReason: 'USER_DISABLED' },
    });
    expect(await validate(c.device)).toMatchObject({ code: 'USER_DISABLED', valid: false, license: null });
    await prisma.container.updateMany({
      where: { id: c.containerId },
      data: { accessRevokedReason: 'USER_REMOVED', groupId: null },
    });
    expect(await validate(c.device)).toMatchObject({ code: 'USER_REMOVED', valid: false, license: null });
    const otherUser = (
      await app
        .get(PrismaService)
        .user.create({ data: { vendorId: acme.vendor.id, email: `u${Date.now()}@example.test`, name: 'New owner' } })
    ).id;
    await http().patch(`/v1/containers/${c.containerId}`).set(acme.auth).send({ userId: otherUser }).expect(200);
    expect((await validate(c.device)).code).toBe('VALID');
  });

  it('resolves the secret in the validation statement itself: unknown, malformed, reset and suspended-vendor secrets are refused as by authentication', async () => {
    const c = await personalWithLicense();
    const unknown = `lhc_${'a'.repeat(12)}_${'b'.repeat(43)}`;
    expectError(
      await http()
        .post('/client/v1/validate')
        .set({ Authorization: `Bearer ${unknown}` })
        .send({ fingerprint: FP }),
      401,
      'CREDENTIALS_INVALID',
    );
    expectError(
      await http().post('/client/v1/validate').set({ Authorization: 'Bearer lhc_nope' }).send({ fingerprint: FP }),
      401,
      'CREDENTIALS_INVALID',
    );
    expectError(await http().post('/client/v1/validate').send({ fingerprint: FP }), 401, 'UNAUTHENTICATED');

    const reset = await http().post(`/v1/containers/${c.containerId}/credentials/reset`).set(acme.auth).expect(200);
    expectError(
      await http().post('/client/v1/validate').set(c.device).send({ fingerprint: FP }),
      401,
      'CREDENTIALS_REVOKED',
    );
    expect(await validate({ Authorization: `Bearer ${reset.body.secret}` })).toMatchObject({
      code: 'VALID',
      containerId: c.containerId,
    });

    const vendor = await createVendor(app, 'Suspended soon');
    const p = await createProductViaApi(http, vendor);
    const other = await createPersonalContainerViaApi(http, dbOf(app), vendor);
    await http()
      .post(`/v1/containers/${other.containerId}/licenses`)
      .set(vendor.auth)
      .send({ productId: p.productId, quantity: 1 })
      .expect(201);
    await app.get(PrismaService).vendor.update({ where: { id: vendor.vendor.id }, data: { status: 'SUSPENDED' } });
    expectError(
      await http().post('/client/v1/validate').set(other.device).send({ fingerprint: FP }),
      403,
      'VENDOR_SUSPENDED',
    );
    // Another vendor's programs are not affected.
    expect((await validate({ Authorization: `Bearer ${reset.body.secret}` })).code).toBe('VALID');
  });

  it('ENTERPRISE containers need no device activation: a device holding a seat validates, others are told CHECKOUT_REQUIRED', async () => {
    const e = await createEnterpriseContainerViaApi(http, acme, await insertGroup(dbOf(app), acme.vendor.id));
    const license = await http()
      .post(`/v1/containers/${e.containerId}/licenses`)
      .set(acme.auth)
      .send({ productId: product.productId, quantity: 5 })
      .expect(201);
    expect(await validate(e.device)).toMatchObject({
      code: 'CHECKOUT_REQUIRED',
      valid: false,
      availability: { quantity: 5, capacity: 5, inUse: 0, available: 5 },
    });
    await http()
      .post('/client/v1/seats/checkout')
      .set(e.device)
      .send({ licenseId: license.body.id, fingerprint: FP })
      .expect(201);
    expect(await validate(e.device)).toMatchObject({
      code: 'VALID',
      valid: true,
      availability: { quantity: 5, capacity: 5, inUse: 1, available: 4 },
    });
  });

  describe('availability says what a checkout of the same user would get (the checkout rule, one SQL)', () => {
    async function enterprise(quantity: number) {
      const groupId = await insertGroup(dbOf(app), acme.vendor.id);
      const e = await createEnterpriseContainerViaApi(http, acme, groupId);
      const license = await http()
        .post(`/v1/containers/${e.containerId}/licenses`)
        .set(acme.auth)
        .send({ productId: product.productId, quantity })
        .expect(201);
      return { ...e, groupId, licenseId: license.body.id as string };
    }
    const checkout = (
      e: { device: { Authorization: string }; licenseId: string },
      fingerprint: string,
      userToken?: string,
    ) =>
      http()
        .post('/client/v1/seats/checkout')
        .set(e.device)
        .send({ licenseId: e.licenseId, fingerprint, ...(userToken ? { userToken } : {}) });
    const availability = async (e: { device: { Authorization: string } }, fingerprint: string, userToken?: string) =>
      (await validate(e.device, { fingerprint, ...(userToken ? { userToken } : {}) })).availability;

    it('reservations: seats free only for reserved users are not available to others; the reserved user sees them (userToken)', async () => {
      const e = await enterprise(3);
      const night = await createPortalUser(app, acme, { groupId: e.groupId, role: 'MEMBER' });
      const day = await createPortalUser(app, acme, { groupId: e.groupId, role: 'MEMBER' });
      await http()
        .post(`/v1/licenses/${e.licenseId}/reservations`)
        .set(acme.auth)
        .send({ name: 'Night shift', seats: 2, userIds: [night.id] })
        .expect(201);
      await checkout(e, 'fp-anon-holder').expect(201);

      // The attack: validate must not promise a seat that checkout then refuses, with or without a user.
      expect(await availability(e, 'fp-anon-2')).toEqual({ quantity: 3, capacity: 3, inUse: 1, available: 0 });
      expectError(await checkout(e, 'fp-anon-2'), 409, 'NO_SEAT_AVAILABLE');
      expect(await availability(e, 'fp-day-1', day.accessToken)).toMatchObject({ inUse: 1, available: 0 });
      expectError(await checkout(e, 'fp-day-1', day.accessToken), 409, 'NO_SEAT_AVAILABLE');

      // The reserved user: both unused reserved seats are free for them.
      expect(await availability(e, 'fp-night-1', night.accessToken)).toEqual({
        quantity: 3,
        capacity: 3,
        inUse: 1,
        available: 2,
      });
      await checkout(e, 'fp-night-1', night.accessToken).expect(201);
      expect(await availability(e, 'fp-night-2', night.accessToken)).toMatchObject({ inUse: 2, available: 1 });
      await checkout(e, 'fp-night-2', night.accessToken).expect(201);
      expect(await availability(e, 'fp-night-3', night.accessToken)).toMatchObject({ inUse: 3, available: 0 });
      expectError(await checkout(e, 'fp-night-3', night.accessToken), 409, 'NO_SEAT_AVAILABLE');

      // A bad or foreign userToken is refused as at checkout.
      expectError(
        await http()
          .post('/client/v1/validate')
          .set(e.device)
          .send({ fingerprint: 'fp-xxxxxx', userToken: 'not-a-jwt' }),
        401,
        'TOKEN_INVALID',
      );
      const other = await createVendor(app);
      const foreign = await createPortalUser(app, other);
      expectError(
        await http()
          .post('/client/v1/validate')
          .set(e.device)
          .send({ fingerprint: 'fp-xxxxxx', userToken: foreign.accessToken }),
        401,
        'TOKEN_INVALID',
      );
    });

    it('overage allowance: seats up to the capacity are available, as checkout hands them out', async () => {
      const e = await enterprise(2);
      await http().put(`/v1/licenses/${e.licenseId}/overage`).set(acme.auth).send({ factor: 1.5 }).expect(200);
      await checkout(e, 'fp-over-1').expect(201);
      await checkout(e, 'fp-over-2').expect(201);
      expect(await availability(e, 'fp-over-3')).toEqual({ quantity: 2, capacity: 3, inUse: 2, available: 1 });
      expect((await checkout(e, 'fp-over-3').expect(201)).body.overage).toBe(true);
      expect(await availability(e, 'fp-over-4')).toEqual({ quantity: 2, capacity: 3, inUse: 3, available: 0 });
      expectError(await checkout(e, 'fp-over-4'), 409, 'NO_SEAT_AVAILABLE');
    });

    it('wait queue: a seat held for a ticket is not available to anyone else', async () => {
      const e = await enterprise(1);
      const ticket = await http()
        .post('/client/v1/seat-queue')
        .set(e.device)
        .send({ licenseId: e.licenseId, fingerprint: 'fp-waiter-1' })
        .expect(201);
      expect(ticket.body.status).toBe('HELD');
      expect(await availability(e, 'fp-other-1')).toEqual({ quantity: 1, capacity: 1, inUse: 0, available: 0 });
      expectError(await checkout(e, 'fp-other-1'), 409, 'NO_SEAT_AVAILABLE');
    });
  });

  it('signs with the new key after a rotation; the old key still verifies old answers', async () => {
    const vendor = await createVendor(app);
    const p = await createProductViaApi(http, vendor);
    const c = await createPersonalContainerViaApi(http, dbOf(app), vendor);
    await http()
      .post(`/v1/containers/${c.containerId}/licenses`)
      .set(vendor.auth)
      .send({ productId: p.productId, quantity: 1 })
      .expect(201);
    const before = await validate(c.device);
    const rotated = (await http().post('/v1/signing-keys/rotate').set(vendor.auth).expect(200)).body;
    const after = await validate(c.device);
    expect(after.envelope.keyId).toBe(rotated.keyId);
    expect(before.envelope.keyId).not.toBe(rotated.keyId);
    const keys = await publicKeys(vendor.vendor.id);
    expect(openEnvelope(before.envelope, 'leasehold-validation', keys).ok).toBe(true);
    expect(openEnvelope(after.envelope, 'leasehold-validation', keys).ok).toBe(true);
  });

  it('a vendor whose key is missing still gets a signed answer (key made on first use)', async () => {
    const vendor = await createVendor(app);
    const p = await createProductViaApi(http, vendor);
    const c = await createPersonalContainerViaApi(http, dbOf(app), vendor);
    await http()
      .post(`/v1/containers/${c.containerId}/licenses`)
      .set(vendor.auth)
      .send({ productId: p.productId, quantity: 1 })
      .expect(201);
    await app.get(PrismaService).signingKey.deleteMany({ where: { vendorId: vendor.vendor.id } });
    const answer = await validate(c.device);
    expect(openEnvelope(answer.envelope, 'leasehold-validation', await publicKeys(vendor.vendor.id)).ok).toBe(true);
  });
});
