import {
  createPersonalContainerViaApi,
  createProductViaApi,
  createVendor,
  dbOf,
  expectError,
  insertGroup,
} from '@leasehold/testing';
import { useContainersApi } from './containers.fixture';

// Another vendor's key reaches none of a vendor's containers, licenses, purchases or devices.

describe('containers, licenses and purchases (vendor API)', () => {
  const api = useContainersApi();
  const { http } = api;

  it("answers 404 on every container/license/purchase/device route for another vendor's ids, and changes nothing", async () => {
    const other = await createVendor(api.app, 'Other');
    const groupId = await insertGroup(dbOf(api.app), api.acme.vendor.id);
    const c = await createPersonalContainerViaApi(http, dbOf(api.app), api.acme, { groupId });
    const purchase = (
      await http()
        .post('/v1/purchases')
        .set(api.acme.auth)
        .send({ groupId, productId: api.product.productId, seats: 3 })
        .expect(201)
    ).body;
    const license = (
      await http()
        .post(`/v1/containers/${c.containerId}/licenses`)
        .set(api.acme.auth)
        .send({ productId: api.product.productId, purchaseId: purchase.id, quantity: 1 })
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
    const own = await createPersonalContainerViaApi(http, dbOf(api.app), other);
    expectError(
      await http()
        .post(`/v1/containers/${own.containerId}/licenses`)
        .set(other.auth)
        .send({ productId: api.product.productId, quantity: 1 }),
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

    const after = await http().get(`/v1/containers/${c.containerId}`).set(api.acme.auth).expect(200);
    expect(after.body).toMatchObject({ name: 'Personal', credentialVersion: 1 });
    expect((await http().get(`/v1/licenses/${license.id}`).set(api.acme.auth).expect(200)).body).toMatchObject({
      status: 'ACTIVE',
      quantity: 1,
      revision: 1,
    });
    expect(
      (await http().get(`/v1/containers/${c.containerId}/devices`).set(api.acme.auth).expect(200)).body.data,
    ).toHaveLength(1);
  });
});
