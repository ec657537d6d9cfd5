import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { PrismaService } from '@leasehold/db';
import {
  ApiProduct,
  createEnterpriseContainerViaApi,
  createPersonalContainerViaApi,
  createProductViaApi,
  createTestApp,
  createVendor,
  dbOf,
  expectError,
  insertGroup,
  insertUser,
  TestVendor,
} from '@leasehold/testing';
import { LICENSE_CENTRAL_API } from '../api-info';
import { AppModule } from '../app.module';

describe('containers, licenses and purchases (vendor API)', () => {
  let app: INestApplication;
  let acme: TestVendor;
  let product: ApiProduct;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    app = await createTestApp(AppModule, LICENSE_CENTRAL_API);
    acme = await createVendor(app, 'Acme');
    product = await createProductViaApi(http, acme);
  });
  afterAll(() => app.close());

  const events = (aggregateId: string) =>
    app
      .get(PrismaService)
      .domainEvent.findMany({ where: { aggregateId }, orderBy: { id: 'asc' } })
      .then((rows) => rows.map((r) => r.type));
  const audits = (entityId: string) =>
    app
      .get(PrismaService)
      .auditEntry.findMany({ where: { entityId }, orderBy: { id: 'asc' } })
      .then((rows) => rows.map((r) => r.action));

  it('creates a personal container for a user: secret shown once, only its hash stored, user group filled in', async () => {
    const groupId = await insertGroup(dbOf(app), acme.vendor.id);
    const userId = await insertUser(dbOf(app), acme.vendor.id, groupId);
    const res = await http()
      .post('/v1/containers')
      .set(acme.auth)
      .send({ kind: 'PERSONAL', name: 'Laptop', userId })
      .expect(201);
    expect(res.body).toMatchObject({
      kind: 'PERSONAL',
      userId,
      groupId,
      deviceLimit: 3,
      credentialVersion: 1,
      accessRevokedAt: null,
    });
    expect(res.body.secret).toMatch(new RegExp(`^lhc_${res.body.credentialPrefix}_`));
    const got = await http().get(`/v1/containers/${res.body.id}`).set(acme.auth).expect(200);
    expect(got.body.secret).toBeUndefined();
    const stored = await app.get(PrismaService).container.findFirstOrThrow({ where: { id: res.body.id } });
    expect(JSON.stringify(stored)).not.toContain(res.body.secret);
    expect(await events(res.body.id)).toEqual(['container.created']);
    expect(await audits(res.body.id)).toEqual(['container.created']);

    const list = await http().get('/v1/containers').query({ userId }).set(acme.auth).expect(200);
    expect(list.body.data.map((c: { id: string }) => c.id)).toEqual([res.body.id]);
  });

  it('enforces the kind rules: PERSONAL needs a user and ≤ 3 devices, ENTERPRISE a group', async () => {
    const userId = await insertUser(dbOf(app), acme.vendor.id);
    const groupId = await insertGroup(dbOf(app), acme.vendor.id);
    expectError(
      await http().post('/v1/containers').set(acme.auth).send({ kind: 'PERSONAL', name: 'x' }),
      400,
      'VALIDATION_FAILED',
    );
    expectError(
      await http().post('/v1/containers').set(acme.auth).send({ kind: 'PERSONAL', name: 'x', userId, deviceLimit: 4 }),
      400,
      'VALIDATION_FAILED',
    );
    expectError(
      await http().post('/v1/containers').set(acme.auth).send({ kind: 'ENTERPRISE', name: 'x' }),
      400,
      'VALIDATION_FAILED',
    );
    expectError(
      await http().post('/v1/containers').set(acme.auth).send({ kind: 'ENTERPRISE', name: 'x', groupId, userId }),
      400,
      'VALIDATION_FAILED',
    );
    expectError(
      await http().post('/v1/containers').set(acme.auth).send({ kind: 'PERSONAL', name: 'x', userId, groupId }),
      409,
      'CONTAINER_KIND_MISMATCH',
    );
    expectError(
      await http()
        .post('/v1/containers')
        .set(acme.auth)
        .send({ kind: 'PERSONAL', name: 'x', userId: '0190a000-0000-7000-8000-00000000000a' }),
      404,
      'NOT_FOUND',
    );
    const bad = await http()
      .post('/v1/containers')
      .set(acme.auth)
      .send({ kind: 'BOTH', name: '', userId: 'nope', deviceLimit: 0, extra: 1 });
    expectError(bad, 400, 'VALIDATION_FAILED');
    expect(bad.body.error.details.fields.map((f: { field: string }) => f.field).sort()).toEqual([
      'deviceLimit',
      'extra',
      'kind',
      'name',
      'userId',
    ]);
    const ok = await http()
      .post('/v1/containers')
      .set(acme.auth)
      .send({ kind: 'PERSONAL', name: 'one device', userId, deviceLimit: 1 })
      .expect(201);
    expect(ok.body.deviceLimit).toBe(1);
    const patched = await http()
      .patch(`/v1/containers/${ok.body.id}`)
      .set(acme.auth)
      .send({ name: 'renamed', deviceLimit: 2 })
      .expect(200);
    expect(patched.body).toMatchObject({ name: 'renamed', deviceLimit: 2 });
    expectError(
      await http().patch(`/v1/containers/${ok.body.id}`).set(acme.auth).send({ deviceLimit: 5 }),
      400,
      'VALIDATION_FAILED',
    );
    expectError(
      await http().patch(`/v1/containers/${ok.body.id}`).set(acme.auth).send({ name: 7 }),
      400,
      'VALIDATION_FAILED',
    );
    expectError(await http().get('/v1/containers/not-a-uuid').set(acme.auth), 400, 'VALIDATION_FAILED');
    expectError(await http().get('/v1/containers').query({ kind: 'x' }).set(acme.auth), 400, 'VALIDATION_FAILED');
  });

  it('an ENTERPRISE container has no device limit: null in every answer, and setting one is refused', async () => {
    const groupId = await insertGroup(dbOf(app), acme.vendor.id);
    const created = await http()
      .post('/v1/containers')
      .set(acme.auth)
      .send({ kind: 'ENTERPRISE', name: 'Office', groupId })
      .expect(201);
    expect(created.body.deviceLimit).toBeNull();
    expect(
      (await http().get(`/v1/containers/${created.body.id}`).set(acme.auth).expect(200)).body.deviceLimit,
    ).toBeNull();
    const refused = await http()
      .post('/v1/containers')
      .set(acme.auth)
      .send({ kind: 'ENTERPRISE', name: 'x', groupId, deviceLimit: 3 });
    expectError(refused, 400, 'VALIDATION_FAILED');
    expect(refused.body.error.details.fields.map((f: { field: string }) => f.field)).toEqual(['deviceLimit']);
    expectError(
      await http().patch(`/v1/containers/${created.body.id}`).set(acme.auth).send({ deviceLimit: 2 }),
      400,
      'VALIDATION_FAILED',
    );
    expect(
      (await app.get(PrismaService).container.findFirstOrThrow({ where: { id: created.body.id } })).deviceLimit,
    ).toBeNull();
    // The database holds the rule too: a PERSONAL container always has a limit, an ENTERPRISE one never.
    await expect(
      app.get(PrismaService).container.updateMany({ where: { id: created.body.id }, data: { deviceLimit: 3 } }),
    ).rejects.toThrow();
  });

  it('resets credentials: new secret once, version raised, audited and announced', async () => {
    const c = await createPersonalContainerViaApi(http, dbOf(app), acme);
    const reset = await http().post(`/v1/containers/${c.containerId}/credentials/reset`).set(acme.auth).expect(200);
    expect(reset.body.secret).not.toBe(c.secret);
    expect(reset.body.credentialVersion).toBe(2);
    expect(await events(c.containerId)).toEqual(['container.created', 'container.credentials_reset']);
  });

  it('creates licenses with features of the product; every change raises the revision, audited and announced', async () => {
    const c = await createPersonalContainerViaApi(http, dbOf(app), acme);
    const created = await http()
      .post(`/v1/containers/${c.containerId}/licenses`)
      .set(acme.auth)
      .send({
        productId: product.productId,
        features: ['export-pdf'],
        quantity: 1,
        expiresAt: '2099-01-01T00:00:00Z',
        maxDeactivationsPer30Days: 2,
      })
      .expect(201);
    expect(created.body).toMatchObject({
      containerId: c.containerId,
      features: ['export-pdf'],
      quantity: 1,
      status: 'ACTIVE',
      revision: 1,
      maxDeactivationsPer30Days: 2,
    });
    const id = created.body.id as string;
    expect(await app.get(PrismaService).seatSlot.count({ where: { licenseId: id } })).toBe(1);

    const other = await createProductViaApi(http, acme, ['alien']);
    const wrong = await http()
      .post(`/v1/containers/${c.containerId}/licenses`)
      .set(acme.auth)
      .send({ productId: product.productId, features: ['alien', 'print'], quantity: 1 });
    expectError(wrong, 400, 'FEATURE_NOT_IN_PRODUCT');
    expect(wrong.body.error.details.unknown).toEqual(['alien']);
    expect(other.productId).not.toBe(product.productId);
    expectError(
      await http()
        .post(`/v1/containers/${c.containerId}/licenses`)
        .set(acme.auth)
        .send({ productId: product.productId, quantity: 4 }),
      400,
      'VALIDATION_FAILED',
    );
    expectError(
      await http().post(`/v1/containers/${c.containerId}/licenses`).set(acme.auth).send({
        productId: product.productId,
        quantity: 1,
        validFrom: '2030-01-01T00:00:00Z',
        expiresAt: '2029-01-01T00:00:00Z',
      }),
      400,
      'VALIDATION_FAILED',
    );
    const invalid = await http()
      .post(`/v1/containers/${c.containerId}/licenses`)
      .set(acme.auth)
      .send({ productId: 'x', quantity: 0, features: 'a', expiresAt: 'soon', leaseTtlSeconds: 1 });
    expectError(invalid, 400, 'VALIDATION_FAILED');
    expect(invalid.body.error.details.fields.map((f: { field: string }) => f.field).sort()).toEqual([
      'expiresAt',
      'features',
      'leaseTtlSeconds',
      'productId',
      'quantity',
    ]);

    const patched = await http()
      .patch(`/v1/licenses/${id}`)
      .set(acme.auth)
      .send({ features: ['export-pdf', 'print'], quantity: 3, leaseTtlSeconds: 600 })
      .expect(200);
    expect(patched.body).toMatchObject({
      features: ['export-pdf', 'print'],
      quantity: 3,
      leaseTtlSeconds: 600,
      revision: 2,
    });
    expect(await app.get(PrismaService).seatSlot.count({ where: { licenseId: id } })).toBe(3);
    expectError(
      await http()
        .patch(`/v1/licenses/${id}`)
        .set(acme.auth)
        .send({ features: ['nope'] }),
      400,
      'FEATURE_NOT_IN_PRODUCT',
    );
    expectError(
      await http().patch(`/v1/licenses/${id}`).set(acme.auth).send({ quantity: -1 }),
      400,
      'VALIDATION_FAILED',
    );

    expect((await http().post(`/v1/licenses/${id}/suspend`).set(acme.auth).expect(200)).body).toMatchObject({
      status: 'SUSPENDED',
      revision: 3,
    });
    expectError(await http().post(`/v1/licenses/${id}/suspend`).set(acme.auth), 409, 'LICENSE_STATUS_CONFLICT');
    expect((await http().post(`/v1/licenses/${id}/resume`).set(acme.auth).expect(200)).body).toMatchObject({
      status: 'ACTIVE',
      revision: 4,
    });
    expectError(await http().post(`/v1/licenses/${id}/resume`).set(acme.auth), 409, 'LICENSE_STATUS_CONFLICT');
    expect((await http().post(`/v1/licenses/${id}/revoke`).set(acme.auth).expect(200)).body).toMatchObject({
      status: 'REVOKED',
      revision: 5,
    });
    expectError(await http().post(`/v1/licenses/${id}/resume`).set(acme.auth), 409, 'LICENSE_REVOKED');
    expectError(await http().patch(`/v1/licenses/${id}`).set(acme.auth).send({ quantity: 1 }), 409, 'LICENSE_REVOKED');

    expect(await events(id)).toEqual([
      'license.created',
      'license.changed',
      'license.suspended',
      'license.resumed',
      'license.revoked',
    ]);
    expect(await audits(id)).toEqual([
      'license.created',
      'license.changed',
      'license.suspended',
      'license.resumed',
      'license.revoked',
    ]);
    const list = await http().get(`/v1/containers/${c.containerId}/licenses`).set(acme.auth).expect(200);
    expect(list.body.data.map((l: { id: string }) => l.id)).toEqual([id]);
    expectError(await http().get('/v1/licenses/0190a000-0000-7000-8000-00000000000a').set(acme.auth), 404, 'NOT_FOUND');
  });

  describe('purchases split across a group’s containers', () => {
    let groupId: string;
    let purchaseId: string;

    beforeAll(async () => {
      groupId = await insertGroup(dbOf(app), acme.vendor.id);
      purchaseId = (
        await http()
          .post('/v1/purchases')
          .set(acme.auth)
          .send({ groupId, productId: product.productId, seats: 10 })
          .expect(201)
      ).body.id;
    });

    it('splits 8 + 1 + 1 and refuses the 11th seat; revoking frees its share; quantity changes are checked too', async () => {
      const central = await createEnterpriseContainerViaApi(http, acme, groupId);
      const laptop1 = await createPersonalContainerViaApi(http, dbOf(app), acme, { groupId });
      const laptop2 = await createPersonalContainerViaApi(http, dbOf(app), acme, { groupId });
      const license = (containerId: string, quantity: number) =>
        http()
          .post(`/v1/containers/${containerId}/licenses`)
          .set(acme.auth)
          .send({ productId: product.productId, purchaseId, quantity });
      const eight = (await license(central.containerId, 8).expect(201)).body;
      await license(laptop1.containerId, 1).expect(201);
      const last = (await license(laptop2.containerId, 1).expect(201)).body;
      const over = await license(central.containerId, 1);
      expectError(over, 409, 'PURCHASE_SEATS_EXCEEDED');
      expect(over.body.error.details).toMatchObject({ seats: 10, allocated: 10, requested: 1 });
      expectError(
        await http().patch(`/v1/licenses/${eight.id}`).set(acme.auth).send({ quantity: 9 }),
        409,
        'PURCHASE_SEATS_EXCEEDED',
      );
      await http().patch(`/v1/licenses/${eight.id}`).set(acme.auth).send({ quantity: 7 }).expect(200);
      await http().patch(`/v1/licenses/${eight.id}`).set(acme.auth).send({ quantity: 8 }).expect(200);
      expect((await http().get(`/v1/purchases/${purchaseId}`).set(acme.auth).expect(200)).body).toMatchObject({
        seats: 10,
        allocated: 10,
      });
      await http().post(`/v1/licenses/${last.id}/revoke`).set(acme.auth).expect(200);
      expect((await http().get(`/v1/purchases/${purchaseId}`).set(acme.auth).expect(200)).body.allocated).toBe(9);
      await license(central.containerId, 1).expect(201);
      const list = await http().get('/v1/purchases').query({ groupId }).set(acme.auth).expect(200);
      expect(list.body.data).toEqual([expect.objectContaining({ id: purchaseId, allocated: 10 })]);
    });

    it('never exceeds the purchase under concurrent splits', async () => {
      const fresh = (
        await http()
          .post('/v1/purchases')
          .set(acme.auth)
          .send({ groupId, productId: product.productId, seats: 5 })
          .expect(201)
      ).body.id;
      const containers = await Promise.all(
        Array.from({ length: 4 }, () => createEnterpriseContainerViaApi(http, acme, groupId)),
      );
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          http()
            .post(`/v1/containers/${containers[i % 4].containerId}/licenses`)
            .set(acme.auth)
            .send({ productId: product.productId, purchaseId: fresh, quantity: 1 }),
        ),
      );
      expect(results.filter((r) => r.status === 201)).toHaveLength(5);
      expect(
        results.filter((r) => r.status === 409).every((r) => r.body.error.code === 'PURCHASE_SEATS_EXCEEDED'),
      ).toBe(true);
      expect(results.filter((r) => r.status === 409)).toHaveLength(15);
      const { _sum } = await app
        .get(PrismaService)
        .license.aggregate({ where: { purchaseId: fresh }, _sum: { quantity: true } });
      expect(_sum.quantity).toBe(5);
    });

    it('refuses a purchase of another group or product, and bad input', async () => {
      const otherGroup = await insertGroup(dbOf(app), acme.vendor.id);
      const elsewhere = await createEnterpriseContainerViaApi(http, acme, otherGroup);
      expectError(
        await http()
          .post(`/v1/containers/${elsewhere.containerId}/licenses`)
          .set(acme.auth)
          .send({ productId: product.productId, purchaseId, quantity: 1 }),
        409,
        'CONTAINER_KIND_MISMATCH',
      );
      const bad = await http().post('/v1/purchases').set(acme.auth).send({ groupId: 'x', seats: 0 });
      expectError(bad, 400, 'VALIDATION_FAILED');
      expect(bad.body.error.details.fields.map((f: { field: string }) => f.field).sort()).toEqual([
        'groupId',
        'productId',
        'seats',
      ]);
      expectError(
        await http()
          .post('/v1/purchases')
          .set(acme.auth)
          .send({ groupId: '0190a000-0000-7000-8000-00000000000a', productId: product.productId, seats: 1 }),
        404,
        'NOT_FOUND',
      );
    });
  });

  it("answers 404 on every container/license/purchase/device route for another vendor's ids, and changes nothing", async () => {
    const other = await createVendor(app, 'Other');
    const groupId = await insertGroup(dbOf(app), acme.vendor.id);
    const c = await createPersonalContainerViaApi(http, dbOf(app), acme, { groupId });
    const purchase = (
      await http()
        .post('/v1/purchases')
        .set(acme.auth)
        .send({ groupId, productId: product.productId, seats: 3 })
        .expect(201)
    ).body;
    const license = (
      await http()
        .post(`/v1/containers/${c.containerId}/licenses`)
        .set(acme.auth)
        .send({ productId: product.productId, purchaseId: purchase.id, quantity: 1 })
        .expect(201)
    ).body;
    const device = (
      await http()
        .post('/client/v1/activations')
        .set(c.device)
        .send({ fingerprint: 'fingerprint-isolated', name: 'Mine' })
        .expect(201)
    ).body;
    const otherProduct = await createProductViaApi(http, other);
    const calls = [
      () => http().get(`/v1/containers/${c.containerId}`),
      () => http().patch(`/v1/containers/${c.containerId}`).send({ name: 'stolen' }),
      () => http().post(`/v1/containers/${c.containerId}/credentials/reset`),
      () =>
        http()
          .post(`/v1/containers/${c.containerId}/licenses`)
          .send({ productId: otherProduct.productId, quantity: 1 }),
      () => http().get(`/v1/containers/${c.containerId}/licenses`),
      () => http().get(`/v1/containers/${c.containerId}/devices`),
      () => http().get(`/v1/licenses/${license.id}`),
      () => http().patch(`/v1/licenses/${license.id}`).send({ quantity: 2 }),
      () => http().post(`/v1/licenses/${license.id}/suspend`),
      () => http().post(`/v1/licenses/${license.id}/resume`),
      () => http().post(`/v1/licenses/${license.id}/revoke`),
      () => http().get(`/v1/purchases/${purchase.id}`),
      () => http().post(`/v1/devices/${device.id}/deactivate`),
    ];
    for (const call of calls) expectError(await call().set(other.auth), 404, 'NOT_FOUND');
    // ids of A inside B's bodies are "not found" too
    expectError(
      await http().post('/v1/containers').set(other.auth).send({ kind: 'ENTERPRISE', name: 'x', groupId }),
      404,
      'NOT_FOUND',
    );
    expectError(
      await http().post('/v1/containers').set(other.auth).send({ kind: 'PERSONAL', name: 'x', userId: c.userId }),
      404,
      'NOT_FOUND',
    );
    expectError(
      await http().post('/v1/purchases').set(other.auth).send({ groupId, productId: otherProduct.productId, seats: 1 }),
      404,
      'NOT_FOUND',
    );
    const own = await createPersonalContainerViaApi(http, dbOf(app), other);
    expectError(
      await http()
        .post(`/v1/containers/${own.containerId}/licenses`)
        .set(other.auth)
        .send({ productId: product.productId, quantity: 1 }),
      404,
      'NOT_FOUND',
    );
    expectError(
      await http()
        .post(`/v1/containers/${own.containerId}/licenses`)
        .set(other.auth)
        .send({ productId: otherProduct.productId, purchaseId: purchase.id, quantity: 1 }),
      404,
      'NOT_FOUND',
    );
    expectError(
      await http().patch(`/v1/containers/${own.containerId}`).set(other.auth).send({ userId: c.userId }),
      404,
      'NOT_FOUND',
    );
    expect(
      (await http().get('/v1/containers').set(other.auth).expect(200)).body.data.map((x: { id: string }) => x.id),
    ).toEqual([own.containerId]);
    expect((await http().get('/v1/purchases').set(other.auth).expect(200)).body.data).toEqual([]);

    const after = await http().get(`/v1/containers/${c.containerId}`).set(acme.auth).expect(200);
    expect(after.body).toMatchObject({ name: 'Personal', credentialVersion: 1 });
    expect((await http().get(`/v1/licenses/${license.id}`).set(acme.auth).expect(200)).body).toMatchObject({
      status: 'ACTIVE',
      quantity: 1,
      revision: 1,
    });
    expect(
      (await http().get(`/v1/containers/${c.containerId}/devices`).set(acme.auth).expect(200)).body.data,
    ).toHaveLength(1);
  });

  // The revocation itself comes from the worker's outbox relay (apps/worker/src/access/user-access.spec.ts).
  it('reassigning a personal container whose user was removed lifts the revocation', async () => {
    const c = await createPersonalContainerViaApi(http, dbOf(app), acme);
    await app.get(PrismaService).container.updateMany({
      where: { id: c.containerId },
      data: { accessRevokedAt: new Date(), accessRevokedReason: 'USER_REMOVED' },
    });
    const got = await http().get(`/v1/containers/${c.containerId}`).set(acme.auth).expect(200);
    expect(got.body).toMatchObject({ accessRevokedAt: expect.any(String), accessRevokedReason: 'USER_REMOVED' });
    const newUser = await insertUser(dbOf(app), acme.vendor.id);
    const reassigned = await http()
      .patch(`/v1/containers/${c.containerId}`)
      .set(acme.auth)
      .send({ userId: newUser })
      .expect(200);
    expect(reassigned.body).toMatchObject({ userId: newUser, accessRevokedAt: null, accessRevokedReason: null });
    expect(reassigned.body.revision).toBeGreaterThan(got.body.revision);
  });
});
