import { ConfigService } from '@leasehold/config';
import { createVendor, uniqueCode } from '@leasehold/testing';
import { useCustomersApi } from './customers.fixture';

// The audit trail as the vendor reads it (GET /v1/audit): who changed what, filtered by actor,
// entity, group and time.

describe('groups, users and audit (vendor API)', () => {
  const api = useCustomersApi();
  const { http } = api;

  it('lists the audit trail with actor, entity, group and time filters', async () => {
    const vendor = await createVendor(api.app);
    const group = (await http().post('/v1/groups').set(vendor.auth).send({ name: 'Audited' }).expect(201)).body;
    const user = (
      await http()
        .post('/v1/users')
        .set(vendor.auth)
        .send({ email: 'a@customer.example', name: 'A', groupId: group.id })
        .expect(201)
    ).body.user;
    await http().patch(`/v1/users/${user.id}`).set(vendor.auth).send({ name: 'B' }).expect(200);
    const product = (
      await http()
        .post('/v1/products')
        .set(vendor.auth)
        .send({ code: uniqueCode('p'), name: 'P' })
        .expect(201)
    ).body;

    const all = await http().get('/v1/audit').set(vendor.auth).expect(200);
    expect(all.body.data.map((e: { action: string }) => e.action)).toEqual([
      'vendor.created',
      'group.created',
      'user.created',
      'user.updated',
      'product.created',
    ]);
    expect(all.body.data[1]).toMatchObject({
      actorType: 'VENDOR_KEY',
      actorId: vendor.apiKey.id,
      entityType: 'group',
      entityId: group.id,
    });
    const update = all.body.data[3];
    expect(update.before).toMatchObject({ name: 'A' });
    expect(update.after).toMatchObject({ name: 'B' });

    const userEntries = await http()
      .get('/v1/audit')
      .query({ entityType: 'user', entityId: user.id })
      .set(vendor.auth)
      .expect(200);
    expect(userEntries.body.data.map((e: { action: string }) => e.action)).toEqual(['user.created', 'user.updated']);
    const groupEntries = await http().get('/v1/audit').query({ groupId: group.id }).set(vendor.auth).expect(200);
    expect(groupEntries.body.data).toHaveLength(3);
    const byActor = await http().get('/v1/audit').query({ actorType: 'PORTAL_USER' }).set(vendor.auth).expect(200);
    expect(byActor.body.data).toEqual([]);
    const productEntries = await http().get('/v1/audit').query({ entityId: product.id }).set(vendor.auth).expect(200);
    expect(productEntries.body.data).toHaveLength(1);
    const window = await http()
      .get('/v1/audit')
      .query({
        from: new Date(Date.now() - 60_000).toISOString(),
        to: new Date(Date.now() + 60_000).toISOString(),
        limit: 2,
      })
      .set(vendor.auth)
      .expect(200);
    expect(window.body.data).toHaveLength(2);
    expect(window.body.nextCursor).toEqual(expect.any(String));
    const none = await http()
      .get('/v1/audit')
      .query({ to: new Date(Date.now() - 3_600_000).toISOString() })
      .set(vendor.auth)
      .expect(200);
    expect(none.body.data).toEqual([]);
    expect(
      (await http().get('/v1/audit').query({ actorType: 'ROBOT' }).set(vendor.auth).expect(400)).body.error.details
        .fields[0].field,
    ).toBe('actorType');
  });

  it('records API key, product, feature and operator changes with their actor', async () => {
    const operator = { Authorization: `Bearer ${api.app.get(ConfigService).get('OPERATOR_TOKEN')}` };
    const slug = uniqueCode('audited');
    const created = (
      await http().post('/operator/v1/vendors').set(operator).send({ slug, name: 'Audited Vendor' }).expect(201)
    ).body;
    const vendorId = created.vendor.id as string;
    const auth = { Authorization: `Bearer ${created.apiKey.secret}` };
    await http().patch(`/operator/v1/vendors/${vendorId}/status`).set(operator).send({ status: 'ACTIVE' }).expect(200);
    const key = (await http().post('/v1/api-keys').set(auth).send({ name: 'ERP' }).expect(201)).body;
    await http().post(`/v1/api-keys/${key.id}/revoke`).set(auth).expect(200);
    const product = (await http().post('/v1/products').set(auth).send({ code: 'p1', name: 'P1' }).expect(201)).body;
    await http().patch(`/v1/products/${product.id}`).set(auth).send({ name: 'P1 renamed' }).expect(200);
    const feature = (
      await http().post(`/v1/products/${product.id}/features`).set(auth).send({ code: 'f', name: 'F' }).expect(201)
    ).body;
    await http().patch(`/v1/products/${product.id}/features/${feature.id}`).set(auth).send({ name: 'F2' }).expect(200);
    await http().delete(`/v1/products/${product.id}/features/${feature.id}`).set(auth).expect(204);
    await http().delete(`/v1/products/${product.id}`).set(auth).expect(204);
    // A refused change leaves no entry.
    await http().post('/v1/products').set(auth).send({ code: 'p2', name: 'P2' }).expect(201);
    await http().post('/v1/products').set(auth).send({ code: 'p2', name: 'dup' }).expect(409);

    const trail = (await http().get('/v1/audit').set(auth).expect(200)).body.data as {
      action: string;
      actorType: string;
      actorId: string | null;
    }[];
    expect(trail.map((e) => e.action)).toEqual([
      'vendor.created',
      'vendor.status_changed',
      'api_key.created',
      'api_key.revoked',
      'product.created',
      'product.updated',
      'feature.created',
      'feature.updated',
      'feature.deleted',
      'product.deleted',
      'product.created',
    ]);
    expect(trail.slice(0, 2).every((e) => e.actorType === 'OPERATOR')).toBe(true);
    expect(trail.slice(2).every((e) => e.actorType === 'VENDOR_KEY' && e.actorId === created.apiKey.id)).toBe(true);
    const operatorOnly = await http().get('/v1/audit').query({ actorType: 'OPERATOR' }).set(auth).expect(200);
    expect(operatorOnly.body.data).toHaveLength(2);
  });
});
