import { PrismaService } from '@leasehold/db';
import { createPersonalContainerViaApi, dbOf, expectError } from '@leasehold/testing';
import { FP, useValidationWorld } from './validation.fixture';

describe('validation (client API): codes, signed answers', () => {
  const world = useValidationWorld();
  const { http, personalWithLicense, validate, vendorWithLicense } = world;

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
    await http().post(`/v1/licenses/${c.licenseId}/suspend`).set(world.acme.auth).expect(200);
    expect(await validate(c.device)).toMatchObject({ code: 'SUSPENDED', license: { revision: 2 } });
    await http().post(`/v1/licenses/${c.licenseId}/resume`).set(world.acme.auth).expect(200);
    expect(await validate(c.device)).toMatchObject({ code: 'VALID', license: { revision: 3 } });
    await http().post(`/v1/licenses/${c.licenseId}/revoke`).set(world.acme.auth).expect(200);
    expect(await validate(c.device)).toMatchObject({ code: 'REVOKED', valid: false });
  });

  it('NO_LICENSE (none in the container, or none of the asked product); several licenses: the best answer wins', async () => {
    const empty = await createPersonalContainerViaApi(http, dbOf(world.app), world.acme);
    await http().post('/client/v1/activations').set(empty.device).send({ fingerprint: FP, name: 'x' }).expect(201);
    expect(await validate(empty.device)).toMatchObject({ code: 'NO_LICENSE', license: null });

    const c = await personalWithLicense({ validFrom: '2020-01-01T00:00:00Z', expiresAt: '2021-01-01T00:00:00Z' });
    expect((await validate(c.device, { product: 'no-such-product' })).code).toBe('NO_LICENSE');
    const second = await http()
      .post(`/v1/containers/${c.containerId}/licenses`)
      .set(world.acme.auth)
      .send({ productId: world.product.productId, quantity: 1, features: ['print'] })
      .expect(201);
    expect(await validate(c.device, { product: world.product.code })).toMatchObject({
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
    const prisma = world.app.get(PrismaService);
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
      await world.app.get(PrismaService).user.create({
        data: { vendorId: world.acme.vendor.id, email: `u${Date.now()}@example.test`, name: 'New owner' },
      })
    ).id;
    await http().patch(`/v1/containers/${c.containerId}`).set(world.acme.auth).send({ userId: otherUser }).expect(200);
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

    const reset = await http()
      .post(`/v1/containers/${c.containerId}/credentials/reset`)
      .set(world.acme.auth)
      .expect(200);
    expectError(
      await http().post('/client/v1/validate').set(c.device).send({ fingerprint: FP }),
      401,
      'CREDENTIALS_REVOKED',
    );
    expect(await validate({ Authorization: `Bearer ${reset.body.secret}` })).toMatchObject({
      code: 'VALID',
      containerId: c.containerId,
    });

    const { vendor, container: other } = await vendorWithLicense('Suspended soon');
    await world.app
      .get(PrismaService)
      .vendor.update({ where: { id: vendor.vendor.id }, data: { status: 'SUSPENDED' } });
    expectError(
      await http().post('/client/v1/validate').set(other.device).send({ fingerprint: FP }),
      403,
      'VENDOR_SUSPENDED',
    );
    // Another vendor's programs are not affected.
    expect((await validate({ Authorization: `Bearer ${reset.body.secret}` })).code).toBe('VALID');
  });
});
