import { PrismaService } from '@leasehold/db';
import {
  createEnterpriseContainerViaApi,
  createPersonalContainerViaApi,
  createProductViaApi,
  dbOf,
  expectError,
  insertGroup,
} from '@leasehold/testing';
import { useContainersApi } from './containers.fixture';

// The licenses of a container, whose every change raises the revision the programs poll for, and
// the purchases whose seats they share out, which no split or race may exceed.

describe('containers, licenses and purchases (vendor API)', () => {
  const api = useContainersApi();
  const { events, audits, http } = api;

  it('creates licenses with features of the product; every change raises the revision, audited and announced', async () => {
    const c = await createPersonalContainerViaApi(http, dbOf(api.app), api.acme);
    const created = await http()
      .post(`/v1/containers/${c.containerId}/licenses`)
      .set(api.acme.auth)
      .send({
        productId: api.product.productId,
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
    expect(await api.app.get(PrismaService).seatSlot.count({ where: { licenseId: id } })).toBe(1);

    const other = await createProductViaApi(http, api.acme, ['alien']);
    const wrong = await http()
      .post(`/v1/containers/${c.containerId}/licenses`)
      .set(api.acme.auth)
      .send({ productId: api.product.productId, features: ['alien', 'print'], quantity: 1 });
    expectError(wrong, 400, 'FEATURE_NOT_IN_PRODUCT');
    expect(wrong.body.error.details.unknown).toEqual(['alien']);
    expect(other.productId).not.toBe(api.product.productId);
    expectError(
      await http()
        .post(`/v1/containers/${c.containerId}/licenses`)
        .set(api.acme.auth)
        .send({ productId: api.product.productId, quantity: 4 }),
      400,
      'VALIDATION_FAILED',
    );
    expectError(
      await http().post(`/v1/containers/${c.containerId}/licenses`).set(api.acme.auth).send({
        productId: api.product.productId,
        quantity: 1,
        validFrom: '2030-01-01T00:00:00Z',
        expiresAt: '2029-01-01T00:00:00Z',
      }),
      400,
      'VALIDATION_FAILED',
    );
    const invalid = await http()
      .post(`/v1/containers/${c.containerId}/licenses`)
      .set(api.acme.auth)
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
      .set(api.acme.auth)
      .send({ features: ['export-pdf', 'print'], quantity: 3, leaseTtlSeconds: 600 })
      .expect(200);
    expect(patched.body).toMatchObject({
      features: ['export-pdf', 'print'],
      quantity: 3,
      leaseTtlSeconds: 600,
      revision: 2,
    });
    expect(await api.app.get(PrismaService).seatSlot.count({ where: { licenseId: id } })).toBe(3);
    expectError(
      await http()
        .patch(`/v1/licenses/${id}`)
        .set(api.acme.auth)
        .send({ features: ['nope'] }),
      400,
      'FEATURE_NOT_IN_PRODUCT',
    );
    expectError(
      await http().patch(`/v1/licenses/${id}`).set(api.acme.auth).send({ quantity: -1 }),
      400,
      'VALIDATION_FAILED',
    );

    expect((await http().post(`/v1/licenses/${id}/suspend`).set(api.acme.auth).expect(200)).body).toMatchObject({
      status: 'SUSPENDED',
      revision: 3,
    });
    expectError(await http().post(`/v1/licenses/${id}/suspend`).set(api.acme.auth), 409, 'LICENSE_STATUS_CONFLICT');
    expect((await http().post(`/v1/licenses/${id}/resume`).set(api.acme.auth).expect(200)).body).toMatchObject({
      status: 'ACTIVE',
      revision: 4,
    });
    expectError(await http().post(`/v1/licenses/${id}/resume`).set(api.acme.auth), 409, 'LICENSE_STATUS_CONFLICT');
    expect((await http().post(`/v1/licenses/${id}/revoke`).set(api.acme.auth).expect(200)).body).toMatchObject({
      status: 'REVOKED',
      revision: 5,
    });
    expectError(await http().post(`/v1/licenses/${id}/resume`).set(api.acme.auth), 409, 'LICENSE_REVOKED');
    expectError(
      await http().patch(`/v1/licenses/${id}`).set(api.acme.auth).send({ quantity: 1 }),
      409,
      'LICENSE_REVOKED',
    );

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
    const list = await http().get(`/v1/containers/${c.containerId}/licenses`).set(api.acme.auth).expect(200);
    expect(list.body.data.map((l: { id: string }) => l.id)).toEqual([id]);
    expectError(
      await http().get('/v1/licenses/0190a000-0000-7000-8000-00000000000a').set(api.acme.auth),
      404,
      'NOT_FOUND',
    );
  });

  describe('purchases split across a group’s containers', () => {
    let groupId: string;
    let purchaseId: string;

    beforeAll(async () => {
      groupId = await insertGroup(dbOf(api.app), api.acme.vendor.id);
      purchaseId = (
        await http()
          .post('/v1/purchases')
          .set(api.acme.auth)
          .send({ groupId, productId: api.product.productId, seats: 10 })
          .expect(201)
      ).body.id;
    });

    it('splits 8 + 1 + 1 and refuses the 11th seat; revoking frees its share; quantity changes are checked too', async () => {
      const central = await createEnterpriseContainerViaApi(http, api.acme, groupId);
      const laptop1 = await createPersonalContainerViaApi(http, dbOf(api.app), api.acme, { groupId });
      const laptop2 = await createPersonalContainerViaApi(http, dbOf(api.app), api.acme, { groupId });
      const license = (containerId: string, quantity: number) =>
        http()
          .post(`/v1/containers/${containerId}/licenses`)
          .set(api.acme.auth)
          .send({ productId: api.product.productId, purchaseId, quantity });
      const eight = (await license(central.containerId, 8).expect(201)).body;
      await license(laptop1.containerId, 1).expect(201);
      const last = (await license(laptop2.containerId, 1).expect(201)).body;
      const over = await license(central.containerId, 1);
      expectError(over, 409, 'PURCHASE_SEATS_EXCEEDED');
      expect(over.body.error.details).toMatchObject({ seats: 10, allocated: 10, requested: 1 });
      expectError(
        await http().patch(`/v1/licenses/${eight.id}`).set(api.acme.auth).send({ quantity: 9 }),
        409,
        'PURCHASE_SEATS_EXCEEDED',
      );
      await http().patch(`/v1/licenses/${eight.id}`).set(api.acme.auth).send({ quantity: 7 }).expect(200);
      await http().patch(`/v1/licenses/${eight.id}`).set(api.acme.auth).send({ quantity: 8 }).expect(200);
      expect((await http().get(`/v1/purchases/${purchaseId}`).set(api.acme.auth).expect(200)).body).toMatchObject({
        seats: 10,
        allocated: 10,
      });
      await http().post(`/v1/licenses/${last.id}/revoke`).set(api.acme.auth).expect(200);
      expect((await http().get(`/v1/purchases/${purchaseId}`).set(api.acme.auth).expect(200)).body.allocated).toBe(9);
      await license(central.containerId, 1).expect(201);
      const list = await http().get('/v1/purchases').query({ groupId }).set(api.acme.auth).expect(200);
      expect(list.body.data).toEqual([expect.objectContaining({ id: purchaseId, allocated: 10 })]);
    });

    it('never exceeds the purchase under concurrent splits', async () => {
      const fresh = (
        await http()
          .post('/v1/purchases')
          .set(api.acme.auth)
          .send({ groupId, productId: api.product.productId, seats: 5 })
          .expect(201)
      ).body.id;
      const containers = await Promise.all(
        Array.from({ length: 4 }, () => createEnterpriseContainerViaApi(http, api.acme, groupId)),
      );
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          http()
            .post(`/v1/containers/${containers[i % 4].containerId}/licenses`)
            .set(api.acme.auth)
            .send({ productId: api.product.productId, purchaseId: fresh, quantity: 1 }),
        ),
      );
      expect(results.filter((r) => r.status === 201)).toHaveLength(5);
      expect(
        results.filter((r) => r.status === 409).every((r) => r.body.error.code === 'PURCHASE_SEATS_EXCEEDED'),
      ).toBe(true);
      expect(results.filter((r) => r.status === 409)).toHaveLength(15);
      const { _sum } = await api.app
        .get(PrismaService)
        .license.aggregate({ where: { purchaseId: fresh }, _sum: { quantity: true } });
      expect(_sum.quantity).toBe(5);
    });

    it('refuses a purchase of another group or product, and bad input', async () => {
      const otherGroup = await insertGroup(dbOf(api.app), api.acme.vendor.id);
      const elsewhere = await createEnterpriseContainerViaApi(http, api.acme, otherGroup);
      expectError(
        await http()
          .post(`/v1/containers/${elsewhere.containerId}/licenses`)
          .set(api.acme.auth)
          .send({ productId: api.product.productId, purchaseId, quantity: 1 }),
        409,
        'CONTAINER_KIND_MISMATCH',
      );
      const bad = await http().post('/v1/purchases').set(api.acme.auth).send({ groupId: 'x', seats: 0 });
      expectError(bad, 400, 'VALIDATION_FAILED');
      expect(bad.body.error.details.fields.map((f: { field: string }) => f.field).sort()).toEqual([
        'groupId',
        'productId',
        'seats',
      ]);
      expectError(
        await http()
          .post('/v1/purchases')
          .set(api.acme.auth)
          .send({ groupId: '0190a000-0000-7000-8000-00000000000a', productId: api.product.productId, seats: 1 }),
        404,
        'NOT_FOUND',
      );
    });
  });
});
