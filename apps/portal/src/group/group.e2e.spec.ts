import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { PrismaService, TenantContext } from '@leasehold/db';
import { OutboxRepository } from '@leasehold/domain-events';
import {
  createGroup,
  createPortalUser,
  createTestApp,
  createVendor,
  TestPortalUser,
  TestVendor,
} from '@leasehold/testing';
import { PORTAL_API } from '../api-info';
import { PortalLicensingTestModule } from '../testing/portal-test-module';

describe('portal group administration', () => {
  let app: INestApplication;
  let acme: TestVendor;
  let other: TestVendor;

  beforeAll(async () => {
    app = await createTestApp(PortalLicensingTestModule, PORTAL_API);
    acme = await createVendor(app, 'Acme');
    other = await createVendor(app, 'Other');
  });
  afterAll(() => app.close());

  const http = () => request(app.getHttpServer());

  async function groupWith(
    vendor: TestVendor,
    members: ('ADMIN' | 'MEMBER')[],
  ): Promise<{ groupId: string; users: TestPortalUser[] }> {
    const group = await createGroup(app, vendor);
    const users: TestPortalUser[] = [];
    for (const role of members) users.push(await createPortalUser(app, vendor, { groupId: group.id, role }));
    return { groupId: group.id, users };
  }

  it('lets an admin see and rename the group, list, search and paginate members', async () => {
    const { groupId, users } = await groupWith(acme, ['ADMIN', 'MEMBER', 'MEMBER']);
    const [admin] = users;
    const group = await http().get('/v1/group').set(admin.auth).expect(200);
    expect(group.body).toMatchObject({ id: groupId, name: 'Customer Ltd' });
    const renamed = await http().patch('/v1/group').set(admin.auth).send({ name: 'Renamed Ltd' }).expect(200);
    expect(renamed.body.name).toBe('Renamed Ltd');
    expect(
      (await http().patch('/v1/group').set(admin.auth).send({ name: '' }).expect(400)).body.error.details.fields[0]
        .field,
    ).toBe('name');

    const page1 = await http().get('/v1/group/members').query({ limit: 2 }).set(admin.auth).expect(200);
    expect(page1.body.data).toHaveLength(2);
    const page2 = await http()
      .get('/v1/group/members')
      .query({ limit: 2, cursor: page1.body.nextCursor })
      .set(admin.auth)
      .expect(200);
    expect(page2.body.nextCursor).toBeNull();
    expect([...page1.body.data, ...page2.body.data].map((u: { id: string }) => u.id).sort()).toEqual(
      users.map((u) => u.id).sort(),
    );

    const search = await http()
      .get('/v1/group/members')
      .query({ search: users[2].email.toUpperCase() })
      .set(admin.auth)
      .expect(200);
    expect(search.body.data.map((u: { id: string }) => u.id)).toEqual([users[2].id]);
    const admins = await http().get('/v1/group/members').query({ role: 'ADMIN' }).set(admin.auth).expect(200);
    expect(admins.body.data.map((u: { id: string }) => u.id)).toEqual([admin.id]);
    expect(
      (await http().get('/v1/group/members').query({ role: 'OWNER' }).set(admin.auth).expect(400)).body.error.details
        .fields[0].field,
    ).toBe('role');

    await http().get(`/v1/group/members/${users[1].id}`).set(admin.auth).expect(200);
  });

  it('refuses members every group-admin route with GROUP_ADMIN_REQUIRED; they see only themselves', async () => {
    const { users } = await groupWith(acme, ['ADMIN', 'MEMBER']);
    const [admin, member] = users;
    const attempts = [
      http().get('/v1/group'),
      http().patch('/v1/group').send({ name: 'mine now' }),
      http().get('/v1/group/members'),
      http().post('/v1/group/members').send({ email: 'x@customer.example', name: 'X' }),
      http().get(`/v1/group/members/${admin.id}`),
      http().patch(`/v1/group/members/${member.id}`).send({ role: 'ADMIN' }),
      http().delete(`/v1/group/members/${admin.id}`),
      http().post(`/v1/group/members/${admin.id}/invitation`),
      http().get('/v1/group/audit'),
    ];
    for (const attempt of attempts) {
      const res = await attempt.set(member.auth);
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('GROUP_ADMIN_REQUIRED');
    }
    const me = await http().get('/v1/me').set(member.auth).expect(200);
    expect(me.body).toMatchObject({ id: member.id, role: 'MEMBER' });
    const renamed = await http().patch('/v1/me').set(member.auth).send({ name: 'Me Myself' }).expect(200);
    expect(renamed.body.name).toBe('Me Myself');
    // A user without a group is no admin either.
    const loner = await createPortalUser(app, acme);
    expect((await http().get('/v1/group').set(loner.auth).expect(403)).body.error.code).toBe('GROUP_ADMIN_REQUIRED');
  });

  it('hides group B from the admin of group A (same vendor) and every other vendor (404)', async () => {
    const a = await groupWith(acme, ['ADMIN']);
    const b = await groupWith(acme, ['ADMIN', 'MEMBER']);
    const c = await groupWith(other, ['ADMIN', 'MEMBER']);
    const adminA = a.users[0];
    for (const target of [b.users[1], b.users[0], c.users[1]]) {
      for (const attempt of [
        http().get(`/v1/group/members/${target.id}`),
        http().patch(`/v1/group/members/${target.id}`).send({ role: 'ADMIN' }),
        http().delete(`/v1/group/members/${target.id}`),
        http().post(`/v1/group/members/${target.id}/invitation`),
      ]) {
        const res = await attempt.set(adminA.auth);
        expect(res.status).toBe(404);
        expect(res.body.error.code).toBe('NOT_FOUND');
      }
    }
    const list = await http().get('/v1/group/members').set(adminA.auth).expect(200);
    expect(list.body.data.map((u: { id: string }) => u.id)).toEqual([adminA.id]);
    // B's members are untouched.
    const bMember = await http().get('/v1/me').set(b.users[1].auth).expect(200);
    expect(bMember.body).toMatchObject({ groupId: b.groupId, role: 'MEMBER' });
    expect((await http().get('/v1/group/members/not-a-uuid').set(adminA.auth).expect(400)).body.error.code).toBe(
      'VALIDATION_FAILED',
    );
  });

  it('invites a member (202); bad input is refused', async () => {
    const { groupId, users } = await groupWith(acme, ['ADMIN']);
    const [admin] = users;
    const res = await http()
      .post('/v1/group/members')
      .set(admin.auth)
      .send({ email: 'Invitee@Customer.example', name: 'Invitee', role: 'ADMIN' })
      .expect(202);
    expect(Object.keys(res.body).sort()).toEqual(['email', 'invitationExpiresAt']);
    expect(res.body.email).toBe('invitee@customer.example');
    expect(new Date(res.body.invitationExpiresAt).getTime()).toBeGreaterThan(Date.now() + 6 * 86_400_000);
    const listed = await http()
      .get('/v1/group/members')
      .query({ search: 'invitee@customer.example' })
      .set(admin.auth)
      .expect(200);
    expect(listed.body.data).toEqual([
      expect.objectContaining({ email: 'invitee@customer.example', status: 'INVITED', groupId, role: 'ADMIN' }),
    ]);
    const userId = listed.body.data[0].id as string;
    const events = await app
      .get(TenantContext)
      .run(acme.vendor.id, () =>
        app.get(OutboxRepository).list({ type: 'user.invited', aggregateId: userId, take: 10 }),
      );
    expect(events[0].payload).toMatchObject({
      userId,
      email: 'invitee@customer.example',
      groupId,
      invitedByUserId: admin.id,
    });

    const bad = await http()
      .post('/v1/group/members')
      .set(admin.auth)
      .send({ email: 'not-an-email', role: 'OWNER' })
      .expect(400);
    expect(bad.body.error.details.fields.map((f: { field: string }) => f.field).sort()).toEqual([
      'email',
      'name',
      'role',
    ]);
  });

  // A 409 USER_EMAIL_TAKEN told a group admin that an email had an account at
  // the vendor, in another group. The answer is now the same whether or not it has one.
  it('answers an invitation of an email with an account elsewhere exactly like a new one, and changes nothing of that account', async () => {
    const {
      users: [admin],
    } = await groupWith(acme, ['ADMIN']);
    const {
      groupId: otherGroupId,
      users: [, elsewhere],
    } = await groupWith(acme, ['ADMIN', 'MEMBER']);
    const shape = (res: request.Response) => ({
      status: res.status,
      keys: Object.keys(res.body).sort(),
      email: res.body.email,
      expiresInDays: Math.round((new Date(res.body.invitationExpiresAt).getTime() - Date.now()) / 86_400_000),
    });

    const fresh = await http()
      .post('/v1/group/members')
      .set(admin.auth)
      .send({ email: `fresh-${Date.now()}@customer.example`, name: 'Fresh' });
    const taken = await http()
      .post('/v1/group/members')
      .set(admin.auth)
      .send({ email: elsewhere.email.toUpperCase(), name: 'Someone' });
    expect(shape(taken)).toEqual({ ...shape(fresh), email: elsewhere.email });
    expect(taken.status).toBe(202);

    // The account elsewhere is untouched: same group, no new invitation, still logs in.
    const after = await app.get(PrismaService).user.findFirstOrThrow({ where: { id: elsewhere.id } });
    expect({ groupId: after.groupId, role: after.role, status: after.status, name: after.name }).toEqual({
      groupId: otherGroupId,
      role: 'MEMBER',
      status: 'ACTIVE',
      name: 'Test User',
    });
    const invitations = await app
      .get(TenantContext)
      .run(acme.vendor.id, () =>
        app.get(OutboxRepository).list({ type: 'user.invited', aggregateId: elsewhere.id, take: 10 }),
      );
    expect(invitations).toHaveLength(1); // the one of their own creation
    // The inviting group's audit trail does not mention it; the vendor's does.
    const trail = await http().get('/v1/group/audit').set(admin.auth).expect(200);
    expect(JSON.stringify(trail.body)).not.toContain(elsewhere.id);
    const vendorTrail = await app
      .get(PrismaService)
      .auditEntry.findMany({ where: { vendorId: acme.vendor.id, action: 'user.invitation_not_sent' } });
    expect(vendorTrail).toEqual([expect.objectContaining({ entityId: elsewhere.id, groupId: null })]);

    // An email of the admin's own group is answered the same way too.
    const own = await http().post('/v1/group/members').set(admin.auth).send({ email: admin.email, name: 'Me' });
    expect(shape(own)).toEqual({ ...shape(fresh), email: admin.email });
  });

  it('changes roles and never leaves the group without an admin', async () => {
    const { users } = await groupWith(acme, ['ADMIN', 'MEMBER']);
    const [admin, member] = users;
    const selfDemote = await http()
      .patch(`/v1/group/members/${admin.id}`)
      .set(admin.auth)
      .send({ role: 'MEMBER' })
      .expect(409);
    expect(selfDemote.body.error.code).toBe('LAST_GROUP_ADMIN');
    const selfRemove = await http().delete(`/v1/group/members/${admin.id}`).set(admin.auth).expect(409);
    expect(selfRemove.body.error.code).toBe('LAST_GROUP_ADMIN');

    const promoted = await http()
      .patch(`/v1/group/members/${member.id}`)
      .set(admin.auth)
      .send({ role: 'ADMIN' })
      .expect(200);
    expect(promoted.body.role).toBe('ADMIN');
    // The promoted member is an admin on their very next request (roles are read per request).
    await http().get('/v1/group').set(member.auth).expect(200);
    await http().patch(`/v1/group/members/${admin.id}`).set(admin.auth).send({ role: 'MEMBER' }).expect(200);
    expect((await http().get('/v1/group').set(admin.auth).expect(403)).body.error.code).toBe('GROUP_ADMIN_REQUIRED');
    expect(
      (await http().patch(`/v1/group/members/${member.id}`).set(member.auth).send({ role: 'GOD' }).expect(400)).body
        .error.details.fields[0].field,
    ).toBe('role');
  });

  it('lets exactly one of two admins demoting each other at the same moment succeed', async () => {
    for (let round = 0; round < 5; round++) {
      const { groupId, users } = await groupWith(acme, ['ADMIN', 'ADMIN', 'MEMBER']);
      const [a, b] = users;
      const results = await Promise.all([
        http().patch(`/v1/group/members/${b.id}`).set(a.auth).send({ role: 'MEMBER' }),
        http().patch(`/v1/group/members/${a.id}`).set(b.auth).send({ role: 'MEMBER' }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 403]);
      const admins = await app.get(PrismaService).user.count({ where: { groupId, role: 'ADMIN' } });
      expect(admins).toBe(1);
    }
  });

  it('lets exactly one of two admins removing each other at the same moment succeed', async () => {
    for (let round = 0; round < 5; round++) {
      const { groupId, users } = await groupWith(acme, ['ADMIN', 'ADMIN', 'MEMBER']);
      const [a, b] = users;
      const results = await Promise.all([
        http().delete(`/v1/group/members/${b.id}`).set(a.auth),
        http().delete(`/v1/group/members/${a.id}`).set(b.auth),
      ]);
      const [winner, loser] = results[0].status === 204 ? [a, results[1]] : [b, results[0]];
      expect(results.filter((r) => r.status === 204)).toHaveLength(1);
      // The loser is refused either way, by when its request reads who it is: 401 TOKEN_REVOKED when
      // the winner's removal had committed (and revoked its sessions) before the loser authenticated,
      // 403 when it authenticated first and then found itself no longer an admin of the group.
      expect([
        [401, 'TOKEN_REVOKED'],
        [403, 'GROUP_ADMIN_REQUIRED'],
      ]).toContainEqual([loser.status, loser.body.error?.code]);
      const members = await http().get('/v1/group/members').set(winner.auth).expect(200);
      expect(members.body.data.filter((u: { role: string }) => u.role === 'ADMIN')).toHaveLength(1);
      expect(members.body.data.every((u: { groupId: string }) => u.groupId === groupId)).toBe(true);
    }
  });

  it('removing a member ends their access at once and writes user.removed', async () => {
    const { groupId, users } = await groupWith(acme, ['ADMIN', 'MEMBER']);
    const [admin, member] = users;
    await http().get('/v1/me').set(member.auth).expect(200);
    await http().delete(`/v1/group/members/${member.id}`).set(admin.auth).expect(204);

    const next = await http().get('/v1/me').set(member.auth).expect(401);
    expect(next.body.error.code).toBe('TOKEN_REVOKED');
    expect(
      (await http().post('/v1/auth/refresh').send({ refreshToken: member.refreshToken }).expect(401)).body.error.code,
    ).toBe('REFRESH_TOKEN_INVALID');
    await http().get(`/v1/group/members/${member.id}`).set(admin.auth).expect(404);
    await http().delete(`/v1/group/members/${member.id}`).set(admin.auth).expect(404);

    const events = await app
      .get(TenantContext)
      .run(acme.vendor.id, () =>
        app.get(OutboxRepository).list({ type: 'user.removed', aggregateId: member.id, take: 10 }),
      );
    expect(events).toHaveLength(1);
    expect(events[0].payload).toEqual({ userId: member.id, groupId });

    // They may log in again, now as a user without a group.
    const relog = await http()
      .post('/v1/auth/login')
      .send({ vendor: acme.vendor.slug, email: member.email, password: member.password })
      .expect(200);
    expect(relog.body.user).toMatchObject({ groupId: null, role: null });
  });

  it("lists the group's audit trail (only its own group) with filters", async () => {
    const a = await groupWith(acme, ['ADMIN', 'MEMBER']);
    const b = await groupWith(acme, ['ADMIN']);
    const [admin, member] = a.users;
    await http().patch(`/v1/group/members/${member.id}`).set(admin.auth).send({ role: 'ADMIN' }).expect(200);
    await http().patch('/v1/group').set(b.users[0].auth).send({ name: 'B renamed' }).expect(200);

    const trail = await http().get('/v1/group/audit').set(admin.auth).expect(200);
    const actions = trail.body.data.map((e: { action: string }) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['group.created', 'user.created', 'user.invitation_accepted', 'user.role_changed']),
    );
    expect(trail.body.data.every((e: { groupId: string }) => e.groupId === a.groupId)).toBe(true);
    const change = trail.body.data.find((e: { action: string }) => e.action === 'user.role_changed');
    expect(change).toMatchObject({
      actorType: 'PORTAL_USER',
      actorId: admin.id,
      entityId: member.id,
      before: { role: 'MEMBER' },
      after: { role: 'ADMIN' },
    });

    const byActor = await http()
      .get('/v1/group/audit')
      .query({ actorType: 'PORTAL_USER', actorId: admin.id, entityType: 'user' })
      .set(admin.auth)
      .expect(200);
    expect(byActor.body.data.map((e: { action: string }) => e.action)).toEqual([
      'user.invitation_accepted',
      'user.role_changed',
    ]);
    const future = await http()
      .get('/v1/group/audit')
      .query({ from: new Date(Date.now() + 60_000).toISOString() })
      .set(admin.auth)
      .expect(200);
    expect(future.body.data).toEqual([]);
    expect(
      (await http().get('/v1/group/audit').query({ from: 'yesterday' }).set(admin.auth).expect(400)).body.error.details
        .fields[0].field,
    ).toBe('from');
  });
});
