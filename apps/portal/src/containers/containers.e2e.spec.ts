import request from 'supertest';
import { PrismaService } from '@leasehold/db';
import { ContainerCredentialsService } from '@leasehold/domain-licensing';
import {
  activateDevice,
  createEnterpriseContainer,
  createGroupWithMembers,
  createLicense,
  createPersonalContainer,
  createPortalUser,
} from '@leasehold/testing';
import { usePortalLicensing } from '../testing/portal-licensing';

describe('portal containers (group admins, and each user for their own)', () => {
  const portal = usePortalLicensing();
  const { http } = portal;
  const expires = new Date('2031-03-31T00:00:00.000Z');

  /** Group A (admin, member) with a server (two licenses) and the member's laptop; group B of the same vendor with its own server. */
  async function world() {
    const a = await createGroupWithMembers(portal.app, portal.acme, ['ADMIN', 'MEMBER']);
    const b = await createGroupWithMembers(portal.app, portal.acme, ['ADMIN', 'MEMBER']);
    const [admin, member] = a.users;
    const server = await createEnterpriseContainer(portal.app, portal.acme, a.groupId);
    const seats = await createLicense(portal.app, portal.acme, server.id, {
      productId: portal.product.id,
      quantity: 8,
      features: ['export-pdf'],
      expiresAt: expires,
      borrowAllowed: true,
    });
    const spare = await createLicense(portal.app, portal.acme, server.id, {
      productId: portal.product.id,
      quantity: 2,
    });
    const laptop = await createPersonalContainer(portal.app, portal.acme, member.id);
    const laptopLicense = await createLicense(portal.app, portal.acme, laptop.id, {
      productId: portal.product.id,
      quantity: 1,
      features: ['print'],
    });
    const bServer = await createEnterpriseContainer(portal.app, portal.acme, b.groupId, 'B server');
    return { a, b, admin, member, server, seats, spare, laptop, laptopLicense, bServer };
  }

  it("lists the group's containers with their licenses, pages them and shows one", async () => {
    const w = await world();
    const res = await http().get('/v1/group/containers').set(w.admin.auth).expect(200);
    expect(res.body.nextCursor).toBeNull();
    expect(res.body.data.map((c: { id: string }) => c.id).sort()).toEqual([w.server.id, w.laptop.id].sort());
    const server = res.body.data.find((c: { id: string }) => c.id === w.server.id);
    expect(server).toMatchObject({
      kind: 'ENTERPRISE',
      name: 'Central server',
      groupId: w.a.groupId,
      userId: null,
      credentialVersion: 1,
      accessRevokedAt: null,
    });
    expect(server.secret).toBeUndefined();
    expect(server.licenses.map((l: { id: string }) => l.id).sort()).toEqual([w.seats.id, w.spare.id].sort());
    expect(server.licenses.find((l: { id: string }) => l.id === w.seats.id)).toEqual({
      id: w.seats.id,
      product: { id: portal.product.id, code: portal.product.code, name: 'Cargo Office' },
      features: ['export-pdf'],
      quantity: 8,
      validFrom: w.seats.validFrom.toISOString(),
      expiresAt: expires.toISOString(),
      status: 'ACTIVE',
      revision: 1,
      borrowAllowed: true,
      maxBorrowDays: 7,
      offlinePeriodDays: 30,
    });
    const laptop = res.body.data.find((c: { id: string }) => c.id === w.laptop.id);
    expect(laptop).toMatchObject({ kind: 'PERSONAL', userId: w.member.id, groupId: w.a.groupId });
    expect(laptop.licenses).toEqual([
      expect.objectContaining({ id: w.laptopLicense.id, features: ['print'], quantity: 1, expiresAt: null }),
    ]);

    const page1 = await http().get('/v1/group/containers').query({ limit: 1 }).set(w.admin.auth).expect(200);
    expect(page1.body.data).toHaveLength(1);
    expect(page1.body.data[0].licenses.length).toBeGreaterThan(0);
    const page2 = await http()
      .get('/v1/group/containers')
      .query({ limit: 1, cursor: page1.body.nextCursor })
      .set(w.admin.auth)
      .expect(200);
    expect(page2.body.nextCursor).toBeNull();
    expect([page1.body.data[0].id, page2.body.data[0].id].sort()).toEqual([w.server.id, w.laptop.id].sort());
    const personal = await http().get('/v1/group/containers').query({ kind: 'PERSONAL' }).set(w.admin.auth).expect(200);
    expect(personal.body.data.map((c: { id: string }) => c.id)).toEqual([w.laptop.id]);

    const one = await http().get(`/v1/group/containers/${w.server.id}`).set(w.admin.auth).expect(200);
    expect(one.body).toMatchObject({ id: w.server.id, kind: 'ENTERPRISE' });
    expect(one.body.licenses).toHaveLength(2);
    // A license change shows up with its new revision and status.
    await portal.app
      .get(PrismaService)
      .license.updateMany({ where: { id: w.spare.id }, data: { status: 'SUSPENDED', revision: { increment: 1 } } });
    const changed = await http().get(`/v1/group/containers/${w.server.id}`).set(w.admin.auth).expect(200);
    expect(changed.body.licenses.find((l: { id: string }) => l.id === w.spare.id)).toMatchObject({
      status: 'SUSPENDED',
      revision: 2,
    });
  });

  it('shows members (and admins) only their own PERSONAL containers under /v1/me/containers', async () => {
    const w = await world();
    const mine = await http().get('/v1/me/containers').set(w.member.auth).expect(200);
    expect(mine.body.data.map((c: { id: string }) => c.id)).toEqual([w.laptop.id]);
    expect(mine.body.data[0].licenses).toEqual([
      expect.objectContaining({
        id: w.laptopLicense.id,
        product: expect.objectContaining({ code: portal.product.code }),
      }),
    ]);
    // The admin has no personal container; the group's server is not "theirs".
    expect((await http().get('/v1/me/containers').set(w.admin.auth).expect(200)).body.data).toEqual([]);
    const adminLaptop = await createPersonalContainer(portal.app, portal.acme, w.admin.id, 'Admin laptop');
    expect(
      (await http().get('/v1/me/containers').set(w.admin.auth).expect(200)).body.data.map((c: { id: string }) => c.id),
    ).toEqual([adminLaptop.id]);
    // A user without a group has personal containers too.
    const loner = await createPortalUser(portal.app, portal.acme);
    const lonerLaptop = await createPersonalContainer(portal.app, portal.acme, loner.id);
    expect(
      (await http().get('/v1/me/containers').set(loner.auth).expect(200)).body.data.map((c: { id: string }) => c.id),
    ).toEqual([lonerLaptop.id]);
    expect(
      (await http().get('/v1/me/containers').query({ limit: 0 }).set(loner.auth).expect(400)).body.error.details
        .fields[0].field,
    ).toBe('limit');
  });

  it('refuses bad input with VALIDATION_FAILED naming the field', async () => {
    const w = await world();
    const field = (res: request.Response) => {
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      return res.body.error.details.fields.map((f: { field: string }) => f.field).sort();
    };
    expect(
      field(
        await http().get('/v1/group/containers').query({ kind: 'LAPTOP', limit: 101, cursor: 'x' }).set(w.admin.auth),
      ),
    ).toEqual(['cursor', 'kind', 'limit']);
    expect((await http().get('/v1/group/containers/not-a-uuid').set(w.admin.auth).expect(400)).body.error.code).toBe(
      'VALIDATION_FAILED',
    );
    expect(
      (await http().post('/v1/group/containers/not-a-uuid/credentials/reset').set(w.admin.auth).expect(400)).body.error
        .code,
    ).toBe('VALIDATION_FAILED');
    expect(
      field(
        await http()
          .get(`/v1/group/containers/${w.laptop.id}/devices`)
          .query({ includeInactive: 'maybe' })
          .set(w.admin.auth),
      ),
    ).toEqual(['includeInactive']);
    expect((await http().get('/v1/group/containers').expect(401)).body.error.code).toBe('UNAUTHENTICATED');
    expect(
      (await http().get('/v1/me/containers').set({ Authorization: 'Bearer nonsense' }).expect(401)).body.error.code,
    ).toBe('TOKEN_INVALID');
  });

  it('refuses members the group routes and hides other groups and vendors (404)', async () => {
    const w = await world();
    const o = await createGroupWithMembers(portal.app, portal.other, ['ADMIN']);
    const oServer = await createEnterpriseContainer(portal.app, portal.other, o.groupId);
    for (const attempt of [
      () => http().get('/v1/group/containers'),
      () => http().get(`/v1/group/containers/${w.server.id}`),
      () => http().post(`/v1/group/containers/${w.laptop.id}/credentials/reset`),
      () => http().get(`/v1/group/containers/${w.laptop.id}/devices`),
    ]) {
      const res = await attempt().set(w.member.auth);
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('GROUP_ADMIN_REQUIRED');
    }
    const adminB = w.b.users[0];
    for (const [auth, target] of [
      [adminB.auth, w.server.id],
      [adminB.auth, w.laptop.id],
      [o.users[0].auth, w.server.id],
      [w.admin.auth, w.bServer.id],
      [w.admin.auth, oServer.id],
    ] as const) {
      for (const attempt of [
        () => http().get(`/v1/group/containers/${target}`),
        () => http().post(`/v1/group/containers/${target}/credentials/reset`),
        () => http().get(`/v1/group/containers/${target}/devices`),
      ]) {
        const res = await attempt().set(auth);
        expect(res.status).toBe(404);
        expect(res.body.error.code).toBe('NOT_FOUND');
      }
    }
    expect(
      (await http().get('/v1/group/containers').set(adminB.auth).expect(200)).body.data.map(
        (c: { id: string }) => c.id,
      ),
    ).toEqual([w.bServer.id]);
    expect(
      (await http().get('/v1/group/containers').set(o.users[0].auth).expect(200)).body.data.map(
        (c: { id: string }) => c.id,
      ),
    ).toEqual([oServer.id]);
    // Nothing was reset by the refused attempts.
    const versions = await portal.app.get(PrismaService).container.findMany({
      where: { id: { in: [w.server.id, w.laptop.id, w.bServer.id] } },
      select: { credentialVersion: true },
    });
    expect(versions.map((v) => v.credentialVersion)).toEqual([1, 1, 1]);
    // Another member's personal container is not in /v1/me/containers of group B's member.
    expect((await http().get('/v1/me/containers').set(w.b.users[1].auth).expect(200)).body.data).toEqual([]);
  });

  it('resets the credentials: the new secret once, the old one revoked at once, audited with the admin as actor', async () => {
    const w = await world();
    const credentials = portal.app.get(ContainerCredentialsService);
    await expect(credentials.authenticate(w.server.secret)).resolves.toMatchObject({ containerId: w.server.id });
    const reset = await http()
      .post(`/v1/group/containers/${w.server.id}/credentials/reset`)
      .set(w.admin.auth)
      .expect(200);
    expect(reset.body).toEqual({
      containerId: w.server.id,
      credentialPrefix: expect.any(String),
      credentialVersion: 2,
      secret: expect.stringMatching(/^lhc_/),
    });
    expect(reset.body.secret.startsWith(`lhc_${reset.body.credentialPrefix}_`)).toBe(true);
    await expect(credentials.authenticate(reset.body.secret)).resolves.toMatchObject({
      containerId: w.server.id,
      credentialVersion: 2,
    });
    await expect(credentials.authenticate(w.server.secret)).rejects.toMatchObject({ code: 'CREDENTIALS_REVOKED' });
    const shown = await http().get(`/v1/group/containers/${w.server.id}`).set(w.admin.auth).expect(200);
    expect(shown.body).toMatchObject({ credentialVersion: 2, credentialPrefix: reset.body.credentialPrefix });
    expect(JSON.stringify(shown.body)).not.toContain(reset.body.secret);

    const trail = await portal.auditTrail(w.admin, 'container', w.server.id);
    expect(trail.find((e) => e.action === 'container.credentials_reset')).toMatchObject({
      actorType: 'PORTAL_USER',
      actorId: w.admin.id,
      groupId: w.a.groupId,
      after: { credentialVersion: 2 },
    });
    // A member's personal container in the group is the admin's to reset too.
    await http().post(`/v1/group/containers/${w.laptop.id}/credentials/reset`).set(w.admin.auth).expect(200);
  });

  it('lets two admins reset at the same moment: both succeed in turn and only the last secret works', async () => {
    const w = await world();
    const second = await createPortalUser(portal.app, portal.acme, { groupId: w.a.groupId, role: 'ADMIN' });
    const credentials = portal.app.get(ContainerCredentialsService);
    for (let round = 0; round < 3; round++) {
      const before = (await portal.app.get(PrismaService).container.findFirstOrThrow({ where: { id: w.server.id } }))
        .credentialVersion;
      const results = await Promise.all([
        http().post(`/v1/group/containers/${w.server.id}/credentials/reset`).set(w.admin.auth),
        http().post(`/v1/group/containers/${w.server.id}/credentials/reset`).set(second.auth),
      ]);
      expect(results.map((r) => r.status)).toEqual([200, 200]);
      expect(results.map((r) => r.body.credentialVersion).sort()).toEqual([before + 1, before + 2]);
      const [first, last] = [...results].sort((x, y) => x.body.credentialVersion - y.body.credentialVersion);
      await expect(credentials.authenticate(last.body.secret)).resolves.toMatchObject({
        credentialVersion: before + 2,
      });
      await expect(credentials.authenticate(first.body.secret)).rejects.toMatchObject({ code: 'CREDENTIALS_REVOKED' });
    }
  });

  it("lists a container's devices, active ones by default and the history on request", async () => {
    const w = await world();
    const one = await activateDevice(portal.app, portal.acme, w.laptop.id, 'fp-1', 'Office PC');
    const two = await activateDevice(portal.app, portal.acme, w.laptop.id, 'fp-2', 'Home PC');
    await http().post(`/v1/group/devices/${one.id}/deactivate`).set(w.admin.auth).expect(200);
    const active = await http().get(`/v1/group/containers/${w.laptop.id}/devices`).set(w.admin.auth).expect(200);
    expect(active.body).toEqual({
      data: [
        expect.objectContaining({
          id: two.id,
          containerId: w.laptop.id,
          fingerprint: 'fp-2',
          name: 'Home PC',
          platform: 'linux',
          active: true,
          deactivatedAt: null,
        }),
      ],
      nextCursor: null,
    });
    const all = await http()
      .get(`/v1/group/containers/${w.laptop.id}/devices`)
      .query({ includeInactive: true })
      .set(w.admin.auth)
      .expect(200);
    expect(all.body.data.map((d: { id: string; active: boolean }) => [d.id, d.active]).sort()).toEqual(
      [
        [one.id, false],
        [two.id, true],
      ].sort(),
    );
    expect(
      (await http().get(`/v1/group/containers/${w.server.id}/devices`).set(w.admin.auth).expect(200)).body.data,
    ).toEqual([]);
  });
});
