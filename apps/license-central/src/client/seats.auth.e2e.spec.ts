import { PrismaService } from '@leasehold/db';
import { generateContainerSecret } from '@leasehold/domain-licensing';
import { seatEvent } from '@leasehold/domain-seats';
import { IdentityService } from '@leasehold/domain-identity';
import { createGroup, createPortalUser, createVendor, expectError } from '@leasehold/testing';
import { resetSecret, seatWorld } from '../testing/seat-world';
import { fp, useSeatsApp } from './seats.fixture';

// Who may hold a seat: the user token a checkout names, and the container secret a heartbeat or a
// release authenticates with in its own statement; a refusal must take, extend or free nothing.

describe('seats over HTTP', () => {
  const seats = useSeatsApp();
  const { http, checkout } = seats;

  it("userToken: the lease records a member of the container's group; a bad, foreign, revoked or non-member token is refused", async () => {
    const w = await seatWorld(seats.app, { quantity: 3 });
    const group = await createGroup(seats.app, w.vendor);
    await seats.app
      .get(PrismaService)
      .container.updateMany({ where: { id: w.containerId }, data: { groupId: group.id } });
    const member = await createPortalUser(seats.app, w.vendor, { groupId: group.id, role: 'MEMBER' });
    const checkoutAs = (fingerprint: string, userToken: unknown) => checkout(w, { fingerprint, userToken });

    const lease = await checkoutAs(fp('member'), member.accessToken).expect(201);
    expect(
      await seats.app.get(PrismaService).seatLease.findFirstOrThrow({ where: { id: lease.body.leaseId } }),
    ).toMatchObject({ userId: member.id });
    const anonymous = await checkout(w, { fingerprint: fp('anon') }).expect(201);
    expect(
      await seats.app.get(PrismaService).seatLease.findFirstOrThrow({ where: { id: anonymous.body.leaseId } }),
    ).toMatchObject({ userId: null });

    expectError(await checkoutAs(fp('x'), 'not-a-jwt'), 401, 'TOKEN_INVALID');
    expectError(await checkoutAs(fp('x'), 42), 400, 'VALIDATION_FAILED');
    // A user of no group, and a user of another vendor: no seat is taken.
    const outsider = await createPortalUser(seats.app, w.vendor);
    expectError(await checkoutAs(fp('outsider'), outsider.accessToken), 403, 'USER_NOT_IN_GROUP');
    const otherVendor = await createVendor(seats.app);
    const foreign = await createPortalUser(seats.app, otherVendor, {
      groupId: (await createGroup(seats.app, otherVendor)).id,
      role: 'MEMBER',
    });
    expectError(await checkoutAs(fp('foreign'), foreign.accessToken), 401, 'TOKEN_INVALID');
    // Logged out: that session's token no longer checks out.
    await checkout(w, { fingerprint: fp('member') }).expect(201);
    await seats.app.get(IdentityService).logout(member.refreshToken);
    expectError(await checkoutAs(fp('member-2'), member.accessToken), 401, 'TOKEN_REVOKED');
    expect(
      await seats.app.get(PrismaService).seatLease.count({ where: { licenseId: w.licenseId, endedAt: null } }),
    ).toBe(2);
  });

  it('a heartbeat authenticates in its own statement: a reset secret, an unknown or malformed one and a suspended vendor are refused as everywhere else', async () => {
    const w = await seatWorld(seats.app);
    const lease = (await checkout(w, { fingerprint: fp('cred') }).expect(201)).body;
    const beat = (device: { Authorization: string }) =>
      http().post(`/client/v1/seats/${lease.leaseId}/heartbeat`).set(device);
    expect((await beat(w.device)).status).toBe(200);

    const unknown = generateContainerSecret().token;
    expect((await beat({ Authorization: `Bearer ${unknown}` })).body.error.code).toBe('CREDENTIALS_INVALID');
    expect((await beat({ Authorization: 'Bearer lhc_short' })).body.error.code).toBe('CREDENTIALS_INVALID');
    expect((await http().post(`/client/v1/seats/${lease.leaseId}/heartbeat`)).status).toBe(401);

    // A reset: the old secret stops at once, the new one keeps the same lease alive.
    const fresh = await resetSecret(seats.app, w);
    const stale = await beat(w.device);
    expect([stale.status, stale.body.error?.code]).toEqual([401, 'CREDENTIALS_REVOKED']);
    const renewed = await beat(fresh);
    expect([renewed.status, renewed.body.leaseId]).toEqual([200, lease.leaseId]);

    await seats.app
      .get(PrismaService)
      .vendor.update({ where: { id: w.vendor.vendor.id }, data: { status: 'SUSPENDED' } });
    const suspended = await beat(fresh);
    expect([suspended.status, suspended.body.error?.code]).toEqual([403, 'VENDOR_SUSPENDED']);
  });

  it('a release authenticates in its own statement: refused secrets change nothing, and its seat.released event is the one the general path writes', async () => {
    const w = await seatWorld(seats.app);
    const prisma = seats.app.get(PrismaService);
    const lease = (await checkout(w, { fingerprint: fp('rel') }).expect(201)).body;
    const release = (device: { Authorization: string }) =>
      http().post(`/client/v1/seats/${lease.leaseId}/release`).set(device);
    const live = async () =>
      (await prisma.seatLease.findFirstOrThrow({ where: { id: lease.leaseId } })).endedAt === null;

    expect((await release({ Authorization: `Bearer ${generateContainerSecret().token}` })).body.error.code).toBe(
      'CREDENTIALS_INVALID',
    );
    expect((await release({ Authorization: 'Bearer lhc_short' })).body.error.code).toBe('CREDENTIALS_INVALID');
    expect((await http().post(`/client/v1/seats/${lease.leaseId}/release`)).status).toBe(401);
    await prisma.vendor.update({ where: { id: w.vendor.vendor.id }, data: { status: 'SUSPENDED' } });
    const suspended = await release(w.device);
    expect([suspended.status, suspended.body.error?.code]).toEqual([403, 'VENDOR_SUSPENDED']);
    expect(await live()).toBe(true);
    await prisma.vendor.update({ where: { id: w.vendor.vendor.id }, data: { status: 'ACTIVE' } });

    const released = await release(w.device).expect(200);
    const row = await prisma.seatLease.findFirstOrThrow({ where: { id: lease.leaseId } });
    expect(released.body).toEqual({
      leaseId: lease.leaseId,
      licenseId: w.licenseId,
      endedAt: row.endedAt!.toISOString(),
      endReason: 'RELEASED',
    });
    const slot = await prisma.seatSlot.findFirstOrThrow({ where: { licenseId: w.licenseId, slot: row.slot } });
    expect(slot.leaseId).toBeNull();
    const events = await prisma.domainEvent.findMany({ where: { aggregateId: lease.leaseId }, orderBy: { id: 'asc' } });
    expect(events.map((e) => [e.type, e.vendorId, e.aggregateType])).toEqual([
      ['seat.checked_out', w.vendor.vendor.id, 'seat'],
      ['seat.released', w.vendor.vendor.id, 'seat'],
    ]);
    // The payload the general path builds in JavaScript, from the same lease row.
    expect(events[1].payload).toEqual(seatEvent('seat.released', row).payload);
    expect(events[1].payload).toMatchObject({
      borrowUntil: null,
      endReason: 'RELEASED',
      endedAt: row.endedAt!.toISOString(),
    });
    // Again: already ended, answered by the general path, no second event.
    expect((await release(w.device).expect(200)).body).toEqual(released.body);
    expect(await prisma.domainEvent.count({ where: { aggregateId: lease.leaseId } })).toBe(2);
  });

  it("heartbeats sent together by two vendors' devices (batched into one statement): each extends its own lease, none another's", async () => {
    const [mine, theirs] = [await seatWorld(seats.app, { quantity: 4 }), await seatWorld(seats.app)];
    const leases = await Promise.all(
      ['t1', 't2', 't3'].map(
        async (name) => (await checkout(mine, { fingerprint: fp(name) }).expect(201)).body.leaseId,
      ),
    );
    const foreign = (await checkout(theirs, { fingerprint: fp('t4') }).expect(201)).body.leaseId;
    const beat = (device: { Authorization: string }, leaseId: string) =>
      http().post(`/client/v1/seats/${leaseId}/heartbeat`).set(device);
    const prisma = seats.app.get(PrismaService);
    const beatenAt = async (leaseId: string) =>
      (await prisma.seatLease.findFirstOrThrow({ where: { id: leaseId } })).lastHeartbeatAt.getTime();
    const foreignBefore = await beatenAt(foreign);

    const answers = await Promise.all([
      ...leases.map((leaseId) => beat(mine.device, leaseId)),
      beat(theirs.device, foreign),
      beat(mine.device, foreign),
      beat(theirs.device, leases[0]),
      beat({ Authorization: `Bearer ${generateContainerSecret().token}` }, leases[1]),
    ]);

    expect(answers.map((a) => [a.status, a.body.leaseId ?? a.body.error?.code])).toEqual([
      ...leases.map((leaseId) => [200, leaseId]),
      [200, foreign],
      [404, 'NOT_FOUND'],
      [404, 'NOT_FOUND'],
      [401, 'CREDENTIALS_INVALID'],
    ]);
    // their lease was extended by their heartbeat alone
    expect(await beatenAt(foreign)).toBeGreaterThanOrEqual(foreignBefore);
    expect(new Date(answers[3].body.expiresAt).getTime()).toBe(
      (await prisma.seatLease.findFirstOrThrow({ where: { id: foreign } })).expiresAt!.getTime(),
    );
  });
});
