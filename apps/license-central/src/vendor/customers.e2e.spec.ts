import { ConfigService } from '@leasehold/config';
import { PrismaService } from '@leasehold/db';
import { openEventPayload } from '@leasehold/domain-events';
import { createVendor, uniqueCode } from '@leasehold/testing';
import { useCustomersApi } from './customers.fixture';

// The vendor's customers: groups, users and their membership, and another vendor's key reaching
// none of them. The audit trail of these changes: customers.audit.e2e.spec.ts.

describe('groups, users and audit (vendor API)', () => {
  const api = useCustomersApi();
  const { http, newGroup, newUser, events } = api;

  it('creates, reads, searches, paginates, updates and deletes groups', async () => {
    const vendor = await createVendor(api.app);
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
    const res = await http().delete(`/v1/groups/${group.id}`).set(api.acme.auth).expect(409);
    expect(res.body.error.code).toBe('GROUP_NOT_EMPTY');
  });

  it('creates invited users (with the invitation in the outbox), searches them by email or name, filters and paginates', async () => {
    const group = await newGroup();
    const res = await http()
      .post('/v1/users')
      .set(api.acme.auth)
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
    const platformKey = Buffer.from(api.app.get(ConfigService).get('PLATFORM_KEY'), 'base64');
    expect(openEventPayload(platformKey, api.acme.vendor.id, invited[0].payload)).toMatchObject({
      email: 'grace@customer.example',
      token: expect.stringMatching(/^lhi_/),
    });

    const taken = await http()
      .post('/v1/users')
      .set(api.acme.auth)
      .send({ email: 'grace@CUSTOMER.example', name: 'Dup' })
      .expect(409);
    expect(taken.body.error.code).toBe('USER_EMAIL_TAKEN');
    // The same email at another vendor is another account.
    await http()
      .post('/v1/users')
      .set(api.other.auth)
      .send({ email: 'grace@customer.example', name: 'Grace elsewhere' })
      .expect(201);
    // A group of another vendor does not exist here.
    const foreignGroup = await newGroup(api.other);
    expect(
      (
        await http()
          .post('/v1/users')
          .set(api.acme.auth)
          .send({ email: 'x@customer.example', name: 'X', groupId: foreignGroup.id })
          .expect(404)
      ).body.error.code,
    ).toBe('NOT_FOUND');

    const byEmail = await http().get('/v1/users').query({ search: 'GRACE@' }).set(api.acme.auth).expect(200);
    expect(byEmail.body.data.map((u: { id: string }) => u.id)).toEqual([res.body.user.id]);
    const byName = await http().get('/v1/users').query({ search: 'hopper' }).set(api.acme.auth).expect(200);
    expect(byName.body.data).toHaveLength(1);
    const members = await http()
      .get(`/v1/groups/${group.id}/members`)
      .query({ role: 'ADMIN' })
      .set(api.acme.auth)
      .expect(200);
    expect(members.body.data.map((u: { id: string }) => u.id)).toEqual([res.body.user.id]);
    const invitedOnly = await http()
      .get('/v1/users')
      .query({ status: 'INVITED', limit: 1 })
      .set(api.acme.auth)
      .expect(200);
    expect(invitedOnly.body.data).toHaveLength(1);
    expect(invitedOnly.body.nextCursor).toEqual(expect.any(String));

    const bad = await http()
      .post('/v1/users')
      .set(api.acme.auth)
      .send({ email: 'nope', groupId: 'x', role: 'OWNER' })
      .expect(400);
    expect(bad.body.error.details.fields.map((f: { field: string }) => f.field).sort()).toEqual([
      'email',
      'groupId',
      'name',
      'role',
    ]);
    expect(
      (await http().get('/v1/users').query({ status: 'GONE' }).set(api.acme.auth).expect(400)).body.error.details
        .fields[0].field,
    ).toBe('status');

    await http().post(`/v1/users/${res.body.user.id}/invitation`).set(api.acme.auth).expect(201);
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
      .set(api.acme.auth)
      .send({ role: 'MEMBER' })
      .expect(200);
    expect(added.body).toMatchObject({ groupId: group.id, role: 'MEMBER' });
    const elsewhere = await http()
      .put(`/v1/groups/${second.id}/members/${loner.id}`)
      .set(api.acme.auth)
      .send({ role: 'MEMBER' })
      .expect(409);
    expect(elsewhere.body.error.code).toBe('USER_IN_ANOTHER_GROUP');

    for (const attempt of [
      http().put(`/v1/groups/${group.id}/members/${admin.id}`).send({ role: 'MEMBER' }),
      http().delete(`/v1/groups/${group.id}/members/${admin.id}`),
      http().patch(`/v1/users/${admin.id}`).send({ status: 'DISABLED' }),
      http().delete(`/v1/users/${admin.id}`),
    ]) {
      const res = await attempt.set(api.acme.auth);
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('LAST_GROUP_ADMIN');
    }

    await http()
      .put(`/v1/groups/${group.id}/members/${loner.id}`)
      .set(api.acme.auth)
      .send({ role: 'ADMIN' })
      .expect(200);
    await http()
      .put(`/v1/groups/${group.id}/members/${admin.id}`)
      .set(api.acme.auth)
      .send({ role: 'MEMBER' })
      .expect(200);
    expect(
      (
        await http()
          .put(`/v1/groups/${group.id}/members/${admin.id}`)
          .set(api.acme.auth)
          .send({ role: 'BOSS' })
          .expect(400)
      ).body.error.details.fields[0].field,
    ).toBe('role');

    const before = await api.app.get(PrismaService).user.findFirstOrThrow({ where: { id: admin.id } });
    await http().delete(`/v1/groups/${group.id}/members/${admin.id}`).set(api.acme.auth).expect(204);
    const after = await api.app.get(PrismaService).user.findFirstOrThrow({ where: { id: admin.id } });
    expect(after).toMatchObject({ groupId: null, role: null, tokenVersion: before.tokenVersion + 1 });
    expect((await events('user.removed', admin.id))[0].payload).toEqual({ userId: admin.id, groupId: group.id });
    await http().delete(`/v1/groups/${group.id}/members/${admin.id}`).set(api.acme.auth).expect(404);
    // The last member (an admin) may leave: no members remain without an admin.
    await http().delete(`/v1/groups/${group.id}/members/${loner.id}`).set(api.acme.auth).expect(204);
  });

  it('lets exactly one of two concurrent demotions of a two-admin group succeed', async () => {
    for (let round = 0; round < 5; round++) {
      const group = await newGroup();
      const a = await newUser({ groupId: group.id, role: 'ADMIN' });
      const b = await newUser({ groupId: group.id, role: 'ADMIN' });
      await newUser({ groupId: group.id, role: 'MEMBER' });
      const results = await Promise.all(
        [a, b].map((u) =>
          http().put(`/v1/groups/${group.id}/members/${u.id}`).set(api.acme.auth).send({ role: 'MEMBER' }),
        ),
      );
      expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
      expect(await api.app.get(PrismaService).user.count({ where: { groupId: group.id, role: 'ADMIN' } })).toBe(1);
    }
  });

  it('updates, disables and deletes users', async () => {
    const user = await newUser({ name: 'Old' });
    const updated = await http()
      .patch(`/v1/users/${user.id}`)
      .set(api.acme.auth)
      .send({ name: 'New', email: 'NEW-' + user.email })
      .expect(200);
    expect(updated.body).toMatchObject({ name: 'New', email: ('new-' + user.email).toLowerCase() });
    expect(
      (await http().patch(`/v1/users/${user.id}`).set(api.acme.auth).send({ status: 'INVITED' }).expect(400)).body.error
        .details.fields[0].field,
    ).toBe('status');
    expect(
      (await http().patch(`/v1/users/${user.id}`).set(api.acme.auth).send({ status: 'DISABLED' }).expect(200)).body
        .status,
    ).toBe('DISABLED');
    // Never accepted the invitation: re-enabling sends them back to INVITED.
    expect(
      (await http().patch(`/v1/users/${user.id}`).set(api.acme.auth).send({ status: 'ACTIVE' }).expect(200)).body
        .status,
    ).toBe('INVITED');
    await http().delete(`/v1/users/${user.id}`).set(api.acme.auth).expect(204);
    await http().get(`/v1/users/${user.id}`).set(api.acme.auth).expect(404);
    expect(await events('user.deleted', user.id)).toHaveLength(1);
  });

  it("answers 404 for another vendor's groups and users on every route, and changes nothing", async () => {
    const group = await newGroup();
    const user = await newUser({ groupId: group.id, role: 'ADMIN' });
    const mine = await newUser({}, api.other);
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
      const res = await attempt.set(api.other.auth);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    }
    expect((await http().get(`/v1/users/${user.id}`).set(api.acme.auth).expect(200)).body).toMatchObject({
      name: 'User',
      groupId: group.id,
      role: 'ADMIN',
    });
    const list = await http().get('/v1/users').set(api.other.auth).expect(200);
    expect(list.body.data.map((u: { id: string }) => u.id)).not.toContain(user.id);
    const audit = await http().get('/v1/audit').query({ entityId: user.id }).set(api.other.auth).expect(200);
    expect(audit.body.data).toEqual([]);
  });

  it('requires a vendor key on every customer route', async () => {
    for (const path of ['/v1/groups', '/v1/users', '/v1/audit']) {
      expect((await http().get(path).expect(401)).body.error.code).toBe('UNAUTHENTICATED');
    }
  });
});
