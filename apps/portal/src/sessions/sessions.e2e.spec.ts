import request from 'supertest';
import { PrismaService } from '@leasehold/db';
import { SeatQueueService } from '@leasehold/domain-seats';
import {
  activateDevice,
  asVendor,
  checkout,
  createEnterpriseContainer,
  createGroupWithMembers,
  createLicense,
  createPersonalContainer,
  createPortalUser,
  heartbeat,
} from '@leasehold/testing';
import { usePortalLicensing } from '../testing/portal-licensing';

describe('portal sessions (group admins list live sessions and stop one)', () => {
  const portal = usePortalLicensing();
  const { http } = portal;
  const days = (n: number) => new Date(Date.now() + n * 86_400_000);

  /** Group A: a 5-seat server license with two sessions (one borrowed) and a member's laptop running; group B: one session. */
  async function world() {
    const a = await createGroupWithMembers(portal.app, portal.acme, ['ADMIN', 'MEMBER']);
    const [admin, member] = a.users;
    const server = await createEnterpriseContainer(portal.app, portal.acme, a.groupId);
    const seats = await createLicense(portal.app, portal.acme, server.id, {
      productId: portal.product.id,
      quantity: 5,
      borrowAllowed: true,
      maxBorrowDays: 7,
    });
    const online = await checkout(portal.app, portal.acme, {
      containerId: server.id,
      licenseId: seats.id,
      fingerprint: 'ws-01',
      clientName: 'alice@ws-01',
    });
    const borrowed = await checkout(portal.app, portal.acme, {
      containerId: server.id,
      licenseId: seats.id,
      fingerprint: 'nb-07',
      clientName: 'bob@nb-07',
      borrowUntil: days(3),
    });
    const laptop = await createPersonalContainer(portal.app, portal.acme, member.id);
    const laptopLicense = await createLicense(portal.app, portal.acme, laptop.id, {
      productId: portal.product.id,
      quantity: 1,
    });
    const laptopDevice = await activateDevice(portal.app, portal.acme, laptop.id, 'fp-laptop', 'Member laptop');
    const personal = await checkout(portal.app, portal.acme, {
      containerId: laptop.id,
      licenseId: laptopLicense.id,
      fingerprint: 'fp-laptop',
    });

    const b = await createGroupWithMembers(portal.app, portal.acme, ['ADMIN']);
    const bServer = await createEnterpriseContainer(portal.app, portal.acme, b.groupId);
    const bSeats = await createLicense(portal.app, portal.acme, bServer.id, {
      productId: portal.product.id,
      quantity: 2,
    });
    const bSession = await checkout(portal.app, portal.acme, {
      containerId: bServer.id,
      licenseId: bSeats.id,
      fingerprint: 'b-01',
    });
    return {
      a,
      b,
      admin,
      member,
      server,
      seats,
      online,
      borrowed,
      laptop,
      laptopLicense,
      laptopDevice,
      personal,
      bServer,
      bSeats,
      bSession,
    };
  }

  const ids = (res: request.Response) => res.body.data.map((s: { id: string }) => s.id).sort();

  it("lists the group's live sessions: who, device, since, last heartbeat, borrowed", async () => {
    const w = await world();
    const res = await http().get('/v1/group/sessions').set(w.admin.auth).expect(200);
    expect(ids(res)).toEqual([w.online.leaseId, w.borrowed.leaseId, w.personal.leaseId].sort());
    expect(res.body.nextCursor).toBeNull();
    const online = res.body.data.find((s: { id: string }) => s.id === w.online.leaseId);
    expect(online).toEqual({
      id: w.online.leaseId,
      licenseId: w.seats.id,
      containerId: w.server.id,
      userId: null,
      clientName: 'alice@ws-01',
      deviceId: null,
      deviceName: null,
      fingerprint: 'ws-01',
      slot: expect.any(Number),
      startedAt: w.online.startedAt.toISOString(),
      lastHeartbeatAt: expect.any(String),
      expiresAt: w.online.expiresAt.toISOString(),
      borrowed: false,
      borrowUntil: null,
      overage: false,
    });
    expect(res.body.data.find((s: { id: string }) => s.id === w.borrowed.leaseId)).toMatchObject({
      borrowed: true,
      clientName: 'bob@nb-07',
      borrowUntil: w.borrowed.borrowUntil!.toISOString(),
    });
    expect(res.body.data.find((s: { id: string }) => s.id === w.personal.leaseId)).toMatchObject({
      containerId: w.laptop.id,
      deviceId: w.laptopDevice.id,
      deviceName: 'Member laptop',
      userId: w.member.id,
    });
    // A heartbeat moves lastHeartbeatAt.
    const before = new Date(online.lastHeartbeatAt).getTime();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await heartbeat(portal.app, portal.acme, w.server.id, w.online.leaseId);
    const later = await http().get('/v1/group/sessions').query({ licenseId: w.seats.id }).set(w.admin.auth).expect(200);
    expect(ids(later)).toEqual([w.online.leaseId, w.borrowed.leaseId].sort());
    expect(
      new Date(later.body.data.find((s: { id: string }) => s.id === w.online.leaseId).lastHeartbeatAt).getTime(),
    ).toBeGreaterThan(before);
    expect(
      ids(await http().get('/v1/group/sessions').query({ containerId: w.laptop.id }).set(w.admin.auth).expect(200)),
    ).toEqual([w.personal.leaseId]);
    const page1 = await http().get('/v1/group/sessions').query({ limit: 2 }).set(w.admin.auth).expect(200);
    const page2 = await http()
      .get('/v1/group/sessions')
      .query({ limit: 2, cursor: page1.body.nextCursor })
      .set(w.admin.auth)
      .expect(200);
    expect([...ids(page1), ...ids(page2)].sort()).toEqual(ids(res));
    expect(page2.body.nextCursor).toBeNull();
    // Group B's admin sees only B's session.
    expect(ids(await http().get('/v1/group/sessions').set(w.b.users[0].auth).expect(200))).toEqual([
      w.bSession.leaseId,
    ]);
  });

  it("stops a session: the seat is free at once, the program's next heartbeat answers SESSION_STOPPED, audited", async () => {
    const w = await world();
    const res = await http().post(`/v1/group/sessions/${w.online.leaseId}/stop`).set(w.admin.auth).expect(200);
    expect(res.body).toEqual({
      leaseId: w.online.leaseId,
      licenseId: w.seats.id,
      endedAt: expect.any(String),
      endReason: 'STOPPED',
    });
    await expect(heartbeat(portal.app, portal.acme, w.server.id, w.online.leaseId)).rejects.toMatchObject({
      code: 'SESSION_STOPPED',
    });
    expect(ids(await http().get('/v1/group/sessions').set(w.admin.auth).expect(200))).toEqual(
      [w.borrowed.leaseId, w.personal.leaseId].sort(),
    );
    const held = await portal.app.get(PrismaService).seatSlot.count({ where: { leaseId: w.online.leaseId } });
    expect(held).toBe(0);
    const trail = await portal.auditTrail(w.admin, 'seat_lease', w.online.leaseId);
    expect(trail).toEqual([
      expect.objectContaining({
        action: 'session.stopped',
        actorType: 'PORTAL_USER',
        actorId: w.admin.id,
        groupId: w.a.groupId,
      }),
    ]);
    // A member's personal session in the group is the admin's to stop too.
    await http().post(`/v1/group/sessions/${w.personal.leaseId}/stop`).set(w.admin.auth).expect(200);
  });

  it('refuses to stop a borrowed seat (SESSION_BORROWED) and an ended one (SESSION_NOT_ACTIVE)', async () => {
    const w = await world();
    const borrowed = await http().post(`/v1/group/sessions/${w.borrowed.leaseId}/stop`).set(w.admin.auth).expect(409);
    expect(borrowed.body.error.code).toBe('SESSION_BORROWED');
    expect(borrowed.body.error.details.borrowUntil).toBe(w.borrowed.borrowUntil!.toISOString());
    expect(
      ids(await http().get('/v1/group/sessions').query({ licenseId: w.seats.id }).set(w.admin.auth).expect(200)),
    ).toContain(w.borrowed.leaseId);
    await http().post(`/v1/group/sessions/${w.online.leaseId}/stop`).set(w.admin.auth).expect(200);
    const ended = await http().post(`/v1/group/sessions/${w.online.leaseId}/stop`).set(w.admin.auth).expect(409);
    expect(ended.body.error.code).toBe('SESSION_NOT_ACTIVE');
  });

  it('lets exactly one of two admins stopping the same session at once succeed; the other gets SESSION_NOT_ACTIVE', async () => {
    const w = await world();
    const otherAdmin = await createPortalUser(portal.app, portal.acme, { groupId: w.a.groupId, role: 'ADMIN' });
    for (let round = 0; round < 3; round++) {
      const lease = await checkout(portal.app, portal.acme, {
        containerId: w.server.id,
        licenseId: w.seats.id,
        fingerprint: `race-${round}`,
      });
      const results = await Promise.all([
        http().post(`/v1/group/sessions/${lease.leaseId}/stop`).set(w.admin.auth),
        http().post(`/v1/group/sessions/${lease.leaseId}/stop`).set(otherAdmin.auth),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
      expect(results.find((r) => r.status === 409)!.body.error.code).toBe('SESSION_NOT_ACTIVE');
      const stopped = await portal.app
        .get(PrismaService)
        .domainEvent.count({ where: { aggregateId: lease.leaseId, type: 'seat.stopped' } });
      expect(stopped).toBe(1);
    }
  });

  it('refuses members (403) and hides other groups and vendors (404)', async () => {
    const w = await world();
    const o = await createGroupWithMembers(portal.app, portal.other, ['ADMIN']);
    for (const attempt of [
      () => http().get('/v1/group/sessions'),
      () => http().post(`/v1/group/sessions/${w.personal.leaseId}/stop`),
    ]) {
      const res = await attempt().set(w.member.auth);
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('GROUP_ADMIN_REQUIRED');
    }
    for (const [auth, leaseId] of [
      [w.admin.auth, w.bSession.leaseId],
      [w.b.users[0].auth, w.online.leaseId],
      [o.users[0].auth, w.online.leaseId],
    ] as const) {
      const res = await http().post(`/v1/group/sessions/${leaseId}/stop`).set(auth);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    }
    for (const query of [{ licenseId: w.bSeats.id }, { containerId: w.bServer.id }]) {
      const res = await http().get('/v1/group/sessions').query(query).set(w.admin.auth);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    }
    expect((await http().get('/v1/group/sessions').set(o.users[0].auth).expect(200)).body.data).toEqual([]);
    const live = await portal.app
      .get(PrismaService)
      .seatLease.count({ where: { id: { in: [w.online.leaseId, w.bSession.leaseId] }, endedAt: null } });
    expect(live).toBe(2);
  });

  it('refuses bad input with VALIDATION_FAILED', async () => {
    const w = await world();
    for (const res of [
      await http().post('/v1/group/sessions/not-a-uuid/stop').set(w.admin.auth),
      await http().get('/v1/group/sessions').query({ licenseId: 'x' }).set(w.admin.auth),
      await http().get('/v1/group/sessions').query({ containerId: 'x', limit: 0 }).set(w.admin.auth),
    ]) {
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
    }
    expect((await http().post(`/v1/group/sessions/${w.online.leaseId}/stop`).expect(401)).body.error.code).toBe(
      'UNAUTHENTICATED',
    );
  });

  it("shows the group's seat wait queue in order (WAITING with position); members 403, other groups' licenses 404, bad input 400", async () => {
    const w = await world();
    // Fill the 5-seat license (2 in use), then three programs wait.
    for (const fp of ['ws-02', 'ws-03', 'ws-04'])
      await checkout(portal.app, portal.acme, { containerId: w.server.id, licenseId: w.seats.id, fingerprint: fp });
    const queue = portal.app.get(SeatQueueService);
    const tickets = [];
    for (const fp of ['wait-1', 'wait-2', 'wait-3']) {
      tickets.push(
        await asVendor(portal.app, portal.acme, () =>
          queue.enqueue({
            containerId: w.server.id,
            license: { licenseId: w.seats.id },
            fingerprint: fp,
            clientName: `${fp}@host`,
          }),
        ),
      );
    }
    const res = await http().get('/v1/group/sessions/queue').set(w.admin.auth).expect(200);
    expect(
      res.body.data.map((t: { id: string; status: string; position: number }) => [t.id, t.status, t.position]),
    ).toEqual(tickets.map((t, i) => [t.ticketId, 'WAITING', i + 1]));
    expect(res.body.data[0]).toMatchObject({
      licenseId: w.seats.id,
      containerId: w.server.id,
      fingerprint: 'wait-1',
      clientName: 'wait-1@host',
      grantedAt: null,
    });
    const byLicense = await http()
      .get(`/v1/group/sessions/queue?licenseId=${w.seats.id}&limit=2`)
      .set(w.admin.auth)
      .expect(200);
    expect(byLicense.body.data).toHaveLength(2);
    expect(byLicense.body.nextCursor).toBe(tickets[1].ticketId);

    // Group B's admin sees none of it, and A's license is not theirs.
    const bAdmin = w.b.users[0];
    expect((await http().get('/v1/group/sessions/queue').set(bAdmin.auth).expect(200)).body.data).toEqual([]);
    expect(
      (await http().get(`/v1/group/sessions/queue?licenseId=${w.seats.id}`).set(bAdmin.auth).expect(404)).body.error
        .code,
    ).toBe('NOT_FOUND');
    expect((await http().get('/v1/group/sessions/queue').set(w.member.auth).expect(403)).body.error.code).toBe(
      'GROUP_ADMIN_REQUIRED',
    );
    expect(
      (await http().get('/v1/group/sessions/queue?licenseId=nope').set(w.admin.auth).expect(400)).body.error.code,
    ).toBe('VALIDATION_FAILED');
    expect((await http().get('/v1/group/sessions/queue').expect(401)).body.error.code).toBe('UNAUTHENTICATED');
  });
});
