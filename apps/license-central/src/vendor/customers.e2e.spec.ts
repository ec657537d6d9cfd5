import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { ConfigService } from '@leasehold/config';
import { PrismaService, TenantContext } from '@leasehold/db';
import { openEventPayload, OutboxRepository } from '@leasehold/domain-events';
import { createTestApp, createVendor, TestVendor, uniqueCode } from '@leasehold/testing';
import { LICENSE_CENTRAL_API } from '../api-info';
import { AppModule } from '../app.module';

describe('groups, users and audit (vendor API)', () => {
  let app: INestApplication;
  let acme: TestVendor;
  let other: TestVendor;

  beforeAll(async () => {
    app = await createTestApp(AppModule, LICENSE_CENTRAL_API);
    acme = await createVendor(app, 'Acme');
    other = await createVendor(app, 'Other');
  });
  afterAll(() => app.close());

  const http = () => request(app.getHttpServer());
  const newGroup = async (vendor = acme, name = 'Customer Ltd') =>
    (await http().post('/v1/groups').set(vendor.auth).send({ name }).expect(201)).body;
  const newUser = async (body: Record<string, unknown> = {}, vendor = acme) =>
    (
      await http()
        .post('/v1/users')
        .set(vendor.auth)
        .send({ email: `${uniqueCode('u')}@customer.example`, name: 'User', ...body })
        .expect(201)
    ).body.user;
  const events = (type: string, aggregateId: string, vendor = acme) =>
    app.get(TenantContext).run(vendor.vendor.id, () => app.get(OutboxRepository).list({ type, aggregateId, take: 10 }));

  it('creates, reads, searches, paginates, updates and deletes groups', async () => {
    const vendor = await createVendor(app);
    const ext = uniqueCode('erp');
    const created = await http()
      .post('/v1/groups')
      .set(vendor.auth)
      .send({ name: 'Zeta Corp', externalId: ext })
      .expect(201);
    expect(created.body).toMatchObject({ name: 'Zeta Corp', externalId: ext });
    for (const name of ['Alpha', 'Beta', 'Gamma'])
      await http().post('/v1/groups').set(vendor.auth).send({ name }).expect(201);
    const dup = await http().post('/v1/groups').set(vendor.auth).send({ name: 'Again', externalId: ext }).expect(409);
    expect(dup.body.error.code).toBe('EXTERNAL_ID_TAKEN');

    const search = await http().get('/v1/groups').query({ search: 'zeta' }).set(vendor.auth).expect(200);
    expect(search.body.data.map((g: { id: string }) => g.id)).toEqual([created.body.id]);
    const p1 = await http().get('/v1/groups').query({ limit: 3 }).set(vendor.auth).expect(200);
    const p2 = await http()
      .get('/v1/groups')
      .query({ limit: 3, cursor: p1.body.nextCursor })
      .set(vendor.auth)
      .expect(200);
    expect([...p1.body.data, ...p2.body.data].map((g: { name: string }) => g.name)).toEqual([
      'Zeta Corp',
      'Alpha',
      'Beta',
      'Gamma',
    ]);
    expect(p2.body.nextCursor).toBeNull();

    const id = created.body.id as string;
    expect(
      (await http().patch(`/v1/groups/${id}`).set(vendor.auth).send({ name: 'Zeta 2' }).expect(200)).body.name,
    ).toBe('Zeta 2');
    const bad = await http().post('/v1/groups').set(vendor.auth).send({ name: '', colour: 'red' }).expect(400);
    expect(bad.body.error.details.fields.map((f: { field: string }) => f.field).sort()).toEqual(['colour', 'name']);

    await http().delete(`/v1/groups/${id}`).set(vendor.auth).expect(204);
    await http().get(`/v1/groups/${id}`).set(vendor.auth).expect(404);
  });

  it('refuses to delete a group that still has users', async () => {
    const group = await newGroup();
    await newUser({ groupId: group.id });
    const res = await http().delete(`/v1/groups/${group.id}`).set(acme.auth).expect(409);
    expect(res.body.error.code).toBe('GROUP_NOT_EMPTY');
  });

  it('creates invited users (with the invitation in the outbox), searches them by email or name, filters and paginates', async () => {
    const group = await newGroup();
    const res = await http()
      .post('/v1/users')
      .set(acme.auth)
      .send({
        email: 'Grace@Customer.example',
        name: 'Grace Hopper',
        groupId: group.id,
        role: 'ADMIN',
        externalId: uniqueCode('crm'),
      })
      .expect(201);
    expect(res.body.user).toMatchObject({
      email: 'grace@customer.example',
      status: 'INVITED',
      groupId: group.id,
      role: 'ADMIN',
    });
    expect(res.body.invitationExpiresAt).toEqual(expect.any(String));
    const invited = await events('user.invited', res.body.user.id);
    // The token is sealed at rest and opened for the vendor's webhook.
    expect(invited[0].payload).not.toHaveProperty('token');
    const platformKey = Buffer.from(app.get(ConfigService).get('PLATFORM_KEY'), 'base64');
    expect(openEventPayload(platformKey, acme.vendor.id, invited[0].payload)).toMatchObject({
      email: 'grace@customer.example',
      token: expect.stringMatching(/^lhi_/),
    });

    const taken = await http()
      .post('/v1/users')
      .set(acme.auth)
      .send({ email: 'grace@CUSTOMER.example', name: 'Dup' })
      .expect(409);
    expect(taken.body.error.code).toBe('USER_EMAIL_TAKEN');
    // The same email at another vendor is another account.
    await http()
      .post('/v1/users')
      .set(other.auth)
      .send({ email: 'grace@customer.example', name: 'Grace elsewhere' })
      .expect(201);
    // A group of another vendor does not exist here.
    const foreignGroup = await newGroup(other);
    expect(
      (
        await http()
          .post('/v1/users')
          .set(acme.auth)
          .send({ email: 'x@customer.example', name: 'X', groupId: foreignGroup.id })
          .expect(404)
      ).body.error.code,
    ).toBe('NOT_FOUND');

    const byEmail = await http().get('/v1/users').query({ search: 'GRACE@' }).set(acme.auth).expect(200);
    expect(byEmail.body.data.map((u: { id: string }) => u.id)).toEqual([res.body.user.id]);
    const byName = await http().get('/v1/users').query({ search: 'hopper' }).set(acme.auth).expect(200);
    expect(byName.body.data).toHaveLength(1);
    const members = await http()
      .get(`/v1/groups/${group.id}/members`)
      .query({ role: 'ADMIN' })
      .set(acme.auth)
      .expect(200);
    expect(members.body.data.map((u: { id: string }) => u.id)).toEqual([res.body.user.id]);
    const invitedOnly = await http().get('/v1/users').query({ status: 'INVITED', limit: 1 }).set(acme.auth).expect(200);
    expect(invitedOnly.body.data).toHaveLength(1);
    expect(invitedOnly.body.nextCursor).toEqual(expect.any(String));

    const bad = await http()
      .post('/v1/users')
      .set(acme.auth)
      .send({ email: 'nope', groupId: 'x', role: 'OWNER' })
      .expect(400);
    expect(bad.body.error.details.fields.map((f: { field: string }) => f.field).sort()).toEqual([
      'email',
      'groupId',
      'name',
      'role',
    ]);
    expect(
      (await http().get('/v1/users').query({ status: 'GONE' }).set(acme.auth).expect(400)).body.error.details.fields[0]
        .field,
    ).toBe('status');

    await http().post(`/v1/users/${res.body.user.id}/invitation`).set(acme.auth).expect(201);
    expect(await events('user.invited', res.body.user.id)).toHaveLength(2);
  });

  it('manages membership: add, change role, last-admin protection, another group, removal', async () => {
    const group = await newGroup();
    const second = await newGroup();
    const admin = await newUser({ groupId: group.id, role: 'ADMIN' });
    const loner = await newUser();
    expect(loner).toMatchObject({ groupId: null, role: null });

    const added = await http()
      .put(`/v1/groups/${group.id}/members/${loner.id}`)
      .set(acme.auth)
      .send({ role: 'MEMBER' })
      .expect(200);
    expect(added.body).toMatchObject({ groupId: group.id, role: 'MEMBER' });
    const elsewhere = await http()
      .put(`/v1/groups/${second.id}/members/${loner.id}`)
      .set(acme.auth)
      .send({ role: 'MEMBER' })
      .expect(409);
    expect(elsewhere.body.error.code).toBe('USER_IN_ANOTHER_GROUP');

    for (const attempt of [
      http().put(`/v1/groups/${group.id}/members/${admin.id}`).send({ role: 'MEMBER' }),
      http().delete(`/v1/groups/${group.id}/members/${admin.id}`),
      http().patch(`/v1/users/${admin.id}`).send({ status: 'DISABLED' }),
      http().delete(`/v1/users/${admin.id}`),
    ]) {
      const res = await attempt.set(acme.auth);
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('LAST_GROUP_ADMIN');
    }

    await http().put(`/v1/groups/${group.id}/members/${loner.id}`).set(acme.auth).send({ role: 'ADMIN' }).expect(200);
    await http().put(`/v1/groups/${group.id}/members/${admin.id}`).set(acme.auth).send({ role: 'MEMBER' }).expect(200);
    expect(
      (await http().put(`/v1/groups/${group.id}/members/${admin.id}`).set(acme.auth).send({ role: 'BOSS' }).expect(400))
        .body.error.details.fields[0].field,
    ).toBe('role');

    const before = await app.get(PrismaService).user.findFirstOrThrow({ where: { id: admin.id } });
    await http().delete(`/v1/groups/${group.id}/members/${admin.id}`).set(acme.auth).expect(204);
    const after = await app.get(PrismaService).user.findFirstOrThrow({ where: { id: admin.id } });
    expect(after).toMatchObject({ groupId: null, role: null, tokenVersion: before.tokenVersion + 1 });
    expect((await events('user.removed', admin.id))[0].payload).toEqual({ userId: admin.id, groupId: group.id });
    await http().delete(`/v1/groups/${group.id}/members/${admin.id}`).set(acme.auth).expect(404);
    // The last member (an admin) may leave: no members remain without an admin.
    await http().delete(`/v1/groups/${group.id}/members/${loner.id}`).set(acme.auth).expect(204);
  });

  it('lets exactly one of two concurrent demotions of a two-admin group succeed', async () => {
    for (let round = 0; round < 5; round++) {
      const group = await newGroup();
      const a = await newUser({ groupId: group.id, role: 'ADMIN' });
      const b = await newUser({ groupId: group.id, role: 'ADMIN' });
      await newUser({ groupId: group.id, role: 'MEMBER' });
      const results = await Promise.all(
        [a, b].map((u) => http().put(`/v1/groups/${group.id}/members/${u.id}`).set(acme.auth).send({ role: 'MEMBER' })),
      );
      expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
      expect(await app.get(PrismaService).user.count({ where: { groupId: group.id, role: 'ADMIN' } })).toBe(1);
    }
  });

  it('updates, disables and deletes users', async () => {
    const user = await newUser({ name: 'Old' });
    const updated = await http()
      .patch(`/v1/users/${user.id}`)
      .set(acme.auth)
      .send({ name: 'New', email: 'NEW-' + user.email })
      .expect(200);
    expect(updated.body).toMatchObject({ name: 'New', email: ('new-' + user.email).toLowerCase() });
    expect(
      (await http().patch(`/v1/users/${user.id}`).set(acme.auth).send({ status: 'INVITED' }).expect(400)).body.error
        .details.fields[0].field,
    ).toBe('status');
    expect(
      (await http().patch(`/v1/users/${user.id}`).set(acme.auth).send({ status: 'DISABLED' }).expect(200)).body.status,
    ).toBe('DISABLED');
    // Never accepted the invitation: re-enabling sends them back to INVITED.
    expect(
      (await http().patch(`/v1/users/${user.id}`).set(acme.auth).send({ status: 'ACTIVE' }).expect(200)).body.status,
    ).toBe('INVITED');
    await http().delete(`/v1/users/${user.id}`).set(acme.auth).expect(204);
    await http().get(`/v1/users/${user.id}`).set(acme.auth).expect(404);
    expect(await events('user.deleted', user.id)).toHaveLength(1);
  });

  it("answers 404 for another vendor's groups and users on every route, and changes nothing", async () => {
    const group = await newGroup();
    const user = await newUser({ groupId: group.id, role: 'ADMIN' });
    const mine = await newUser({}, other);
    const attempts = [
      http().get(`/v1/groups/${group.id}`),
      http().patch(`/v1/groups/${group.id}`).send({ name: 'stolen' }),
      http().delete(`/v1/groups/${group.id}`),
      http().get(`/v1/groups/${group.id}/members`),
      http().put(`/v1/groups/${group.id}/members/${user.id}`).send({ role: 'MEMBER' }),
      http().put(`/v1/groups/${group.id}/members/${mine.id}`).send({ role: 'MEMBER' }),
      http().delete(`/v1/groups/${group.id}/members/${user.id}`),
      http().get(`/v1/users/${user.id}`),
      http().patch(`/v1/users/${user.id}`).send({ name: 'stolen' }),
      http().delete(`/v1/users/${user.id}`),
      http().post(`/v1/users/${user.id}/invitation`),
    ];
    for (const attempt of attempts) {
      const res = await attempt.set(other.auth);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    }
    expect((await http().get(`/v1/users/${user.id}`).set(acme.auth).expect(200)).body).toMatchObject({
      name: 'User',
      groupId: group.id,
      role: 'ADMIN',
    });
    const list = await http().get('/v1/users').set(other.auth).expect(200);
    expect(list.body.data.map((u: { id: string }) => u.id)).not.toContain(user.id);
    const audit = await http().get('/v1/audit').query({ entityId: user.id }).set(other.auth).expect(200);
    expect(audit.body.data).toEqual([]);
  });

  it('requires a vendor key on every customer route', async () => {
    for (const path of ['/v1/groups', '/v1/users', '/v1/audit']) {
      expect((await http().get(path).expect(401)).body.error.code).toBe('UNAUTHENTICATED');
    }
  });

  it('lists the audit trail with actor, entity, group and time filters', async () => {
    const vendor = await createVendor(app);
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
    const operator = { Authorization: `Bearer ${app.get(ConfigService).get('OPERATOR_TOKEN')}` };
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
