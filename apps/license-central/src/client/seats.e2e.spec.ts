import { createHash, randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { PrismaService } from '@leasehold/db';
import { generateContainerSecret } from '@leasehold/domain-licensing';
import { seatEvent } from '@leasehold/domain-seats';
import { IdentityService } from '@leasehold/domain-identity';
import { createGroup, createPortalUser, createTestApp, createVendor, expectError } from '@leasehold/testing';
import { LICENSE_CENTRAL_API } from '../api-info';
import { resetSecret, seatWorld } from '../testing/seat-world';
import { AppModule } from '../app.module';

// Seats through HTTP: the program's routes (container credentials) and the vendor's session and
// usage routes. Containers and licenses are written directly (the licensing routes have their
// own tests); the seat pool is made by the same SeatPoolService the licensing domain calls.

describe('seats over HTTP', () => {
  let app: INestApplication;
  let second: INestApplication;
  const http = (a: INestApplication = app) => request(a.getHttpServer());
  const fp = (name: string) => `fp-${name}-0000`;

  beforeAll(async () => {
    app = await createTestApp(AppModule, LICENSE_CENTRAL_API);
    second = await createTestApp(AppModule, LICENSE_CENTRAL_API);
  });
  afterAll(async () => {
    await app.close();
    await second.close();
  }, 60_000);

  it("userToken: the lease records a member of the container's group; a bad, foreign, revoked or non-member token is refused", async () => {
    const w = await seatWorld(app, { quantity: 3 });
    const group = await createGroup(app, w.vendor);
    await app.get(PrismaService).container.updateMany({ where: { id: w.containerId }, data: { groupId: group.id } });
    const member = await createPortalUser(app, w.vendor, { groupId: group.id, role: 'MEMBER' });
    const checkout = (fingerprint: string, userToken: unknown) =>
      http().post('/client/v1/seats/checkout').set(w.device).send({ licenseId: w.licenseId, fingerprint, userToken });

    const lease = await checkout(fp('member'), member.accessToken).expect(201);
    expect(
      await app.get(PrismaService).seatLease.findFirstOrThrow({ where: { id: lease.body.leaseId } }),
    ).toMatchObject({ userId: member.id });
    const anonymous = await http()
      .post('/client/v1/seats/checkout')
      .set(w.device)
      .send({ licenseId: w.licenseId, fingerprint: fp('anon') })
      .expect(201);
    expect(
      await app.get(PrismaService).seatLease.findFirstOrThrow({ where: { id: anonymous.body.leaseId } }),
    ).toMatchObject({ userId: null });

    expectError(await checkout(fp('x'), 'not-a-jwt'), 401, 'TOKEN_INVALID');
    expectError(await checkout(fp('x'), 42), 400, 'VALIDATION_FAILED');
    // A user of no group, and a user of another vendor: no seat is taken.
    const outsider = await createPortalUser(app, w.vendor);
    expectError(await checkout(fp('outsider'), outsider.accessToken), 403, 'USER_NOT_IN_GROUP');
    const otherVendor = await createVendor(app);
    const foreign = await createPortalUser(app, otherVendor, {
      groupId: (await createGroup(app, otherVendor)).id,
      role: 'MEMBER',
    });
    expectError(await checkout(fp('foreign'), foreign.accessToken), 401, 'TOKEN_INVALID');
    // Logged out: that session's token no longer checks out.
    await http()
      .post('/client/v1/seats/checkout')
      .set(w.device)
      .send({ licenseId: w.licenseId, fingerprint: fp('member') })
      .expect(201);
    await app.get(IdentityService).logout(member.refreshToken);
    expectError(await checkout(fp('member-2'), member.accessToken), 401, 'TOKEN_REVOKED');
    expect(await app.get(PrismaService).seatLease.count({ where: { licenseId: w.licenseId, endedAt: null } })).toBe(2);
  });

  it('checks out, heartbeats and releases; the same device gets its lease back', async () => {
    const w = await seatWorld(app);
    const lease = await http()
      .post('/client/v1/seats/checkout')
      .set(w.device)
      .send({ product: w.productCode, fingerprint: fp('a'), clientName: 'ws-1' })
      .expect(201);
    expect(lease.body).toMatchObject({
      licenseId: w.licenseId,
      heartbeatIntervalSeconds: 120,
      leaseTtlSeconds: 3600,
      borrowUntil: null,
    });
    expect(typeof lease.body.leaseId).toBe('string');
    expect(new Date(lease.body.expiresAt).getTime()).toBeGreaterThan(Date.now() + 3500_000);
    const again = await http()
      .post('/client/v1/seats/checkout')
      .set(w.device)
      .send({ licenseId: w.licenseId, fingerprint: fp('a') })
      .expect(201);
    expect(again.body.leaseId).toBe(lease.body.leaseId);

    const beat = await http().post(`/client/v1/seats/${lease.body.leaseId}/heartbeat`).set(w.device).expect(200);
    expect(beat.body.leaseId).toBe(lease.body.leaseId);
    const released = await http().post(`/client/v1/seats/${lease.body.leaseId}/release`).set(w.device).expect(200);
    expect(released.body).toMatchObject({ leaseId: lease.body.leaseId, endReason: 'RELEASED' });
    const late = await http().post(`/client/v1/seats/${lease.body.leaseId}/heartbeat`).set(w.device).expect(409);
    expect(late.body.error).toMatchObject({ code: 'LEASE_EXPIRED', details: { endReason: 'RELEASED' } });
  });

  it('answers NO_SEAT_AVAILABLE as 409 (not 429: all seats taken is not "slow down") with retryAfter in the body only', async () => {
    const w = await seatWorld(app, { quantity: 1 });
    await http()
      .post('/client/v1/seats/checkout')
      .set(w.device)
      .send({ licenseId: w.licenseId, fingerprint: fp('a') })
      .expect(201);
    const full = await http()
      .post('/client/v1/seats/checkout')
      .set(w.device)
      .send({ licenseId: w.licenseId, fingerprint: fp('b') })
      .expect(409);
    expect(full.body.error.code).toBe('NO_SEAT_AVAILABLE');
    expect(full.body.error.details).toMatchObject({ quantity: 1, inUse: 1 });
    expect(full.body.error.details.retryAfter).toBeGreaterThanOrEqual(1);
    // A generic HTTP client that honours Retry-After must not be told to wait (it used to be 3600 s).
    expect(full.headers['retry-after']).toBeUndefined();
  });

  it('rejects bad input with VALIDATION_FAILED naming the field', async () => {
    const w = await seatWorld(app);
    const cases: [object, string][] = [
      [{ licenseId: w.licenseId }, 'fingerprint'],
      [{ licenseId: w.licenseId, fingerprint: 'has space in it' }, 'fingerprint'],
      [{ fingerprint: fp('a') }, 'licenseId'],
      [{ licenseId: w.licenseId, product: w.productCode, fingerprint: fp('a') }, 'licenseId'],
      [{ licenseId: 'nope', fingerprint: fp('a') }, 'licenseId'],
      [{ licenseId: w.licenseId, fingerprint: fp('a'), borrowUntil: 'tomorrow' }, 'borrowUntil'],
      [{ licenseId: w.licenseId, fingerprint: fp('a'), extra: 1 }, 'extra'],
    ];
    for (const [body, field] of cases) {
      const res = await http().post('/client/v1/seats/checkout').set(w.device).send(body).expect(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(res.body.error.details.fields.map((f: { field: string }) => f.field)).toContain(field);
    }
    await http().post('/client/v1/seats/not-a-uuid/heartbeat').set(w.device).expect(400);
    const lease = await http()
      .post('/client/v1/seats/checkout')
      .set(w.device)
      .send({ licenseId: w.licenseId, fingerprint: fp('a') })
      .expect(201);
    const badBorrow = await http()
      .post(`/client/v1/seats/${lease.body.leaseId}/borrow`)
      .set(w.device)
      .send({})
      .expect(400);
    expect(badBorrow.body.error.details.fields[0].field).toBe('borrowUntil');
    const badUsage = await http()
      .get(`/v1/licenses/${w.licenseId}/usage`)
      .query({ from: 'x', granularity: 'week' })
      .set(w.vendor.auth)
      .expect(400);
    expect(badUsage.body.error.details.fields.map((f: { field: string }) => f.field).sort()).toEqual([
      'from',
      'granularity',
      'to',
    ]);
    await http().get(`/v1/licenses/${w.licenseId}/sessions`).query({ limit: 0 }).set(w.vendor.auth).expect(400);
    await http().post('/v1/sessions/not-a-uuid/stop').set(w.vendor.auth).expect(400);
    // Without credentials, or with a vendor key on a device route, nothing happens.
    await http()
      .post('/client/v1/seats/checkout')
      .send({ licenseId: w.licenseId, fingerprint: fp('a') })
      .expect(401);
    await http()
      .post('/client/v1/seats/checkout')
      .set(w.vendor.auth)
      .send({ licenseId: w.licenseId, fingerprint: fp('a') })
      .expect(401);
  });

  it('a heartbeat answers the container revision and updateAvailable for knownRevision (online and borrowed leases); a bad knownRevision is a 400', async () => {
    const w = await seatWorld(app, { quantity: 2, borrowAllowed: true });
    const online = (
      await http()
        .post('/client/v1/seats/checkout')
        .set(w.device)
        .send({ licenseId: w.licenseId, fingerprint: fp('desk') })
        .expect(201)
    ).body;
    const until = new Date(Date.now() + 86_400_000).toISOString();
    const borrowed = (
      await http()
        .post('/client/v1/seats/checkout')
        .set(w.device)
        .send({ licenseId: w.licenseId, fingerprint: fp('laptop'), borrowUntil: until })
        .expect(201)
    ).body;
    const beat = (leaseId: string, body?: Record<string, unknown>) => {
      const req = http().post(`/client/v1/seats/${leaseId}/heartbeat`).set(w.device);
      return body === undefined ? req : req.send(body);
    };

    expect((await beat(online.leaseId, { knownRevision: 1 }).expect(200)).body).toMatchObject({
      leaseId: online.leaseId,
      revision: 1,
      updateAvailable: false,
    });
    expect((await beat(online.leaseId).expect(200)).body).toMatchObject({ revision: 1, updateAvailable: false });

    // the vendor changes the license's quantity (revision 1 -> 2)
    await http().patch(`/v1/licenses/${w.licenseId}`).set(w.vendor.auth).send({ quantity: 3 }).expect(200);
    expect((await beat(online.leaseId, { knownRevision: 1 }).expect(200)).body).toMatchObject({
      leaseId: online.leaseId,
      revision: 2,
      updateAvailable: true,
    });
    expect((await beat(online.leaseId, { knownRevision: 2 }).expect(200)).body).toMatchObject({
      revision: 2,
      updateAvailable: false,
    });
    expect((await beat(online.leaseId, { knownRevision: null }).expect(200)).body).toMatchObject({
      revision: 2,
      updateAvailable: false,
    });
    // a borrowed lease answers from the lease state, with the same revision
    expect((await beat(borrowed.leaseId, { knownRevision: 1 }).expect(200)).body).toMatchObject({
      leaseId: borrowed.leaseId,
      borrowUntil: until,
      revision: 2,
      updateAvailable: true,
    });
    expect((await beat(borrowed.leaseId, { knownRevision: 2 }).expect(200)).body).toMatchObject({
      revision: 2,
      updateAvailable: false,
    });
    // the same number GET /client/v1/updates answers
    expect(
      (await http().get('/client/v1/updates').query({ knownRevision: 0, wait: 0 }).set(w.device).expect(200)).body
        .revision,
    ).toBe(2);

    for (const knownRevision of [-1, 2.5, '2', 2_147_483_648]) {
      const res = await beat(online.leaseId, { knownRevision });
      expect([
        res.status,
        res.body.error?.code,
        res.body.error?.details?.fields?.map((f: { field: string }) => f.field),
      ]).toEqual([400, 'VALIDATION_FAILED', ['knownRevision']]);
    }
    const unknown = await beat(online.leaseId, { revision: 2 });
    expect([unknown.status, unknown.body.error?.code]).toEqual([400, 'VALIDATION_FAILED']);
  });

  it('borrows, refuses a stop of the borrowed seat, lists and stops sessions; the next heartbeat answers SESSION_STOPPED', async () => {
    const w = await seatWorld(app, { quantity: 3, borrowAllowed: true });
    const online = (
      await http()
        .post('/client/v1/seats/checkout')
        .set(w.device)
        .send({ licenseId: w.licenseId, fingerprint: fp('desk'), clientName: 'desk' })
        .expect(201)
    ).body;
    const until = new Date(Date.now() + 2 * 86_400_000).toISOString();
    const returnKey = randomBytes(32).toString('base64url');
    const returnKeyHash = createHash('sha256').update(Buffer.from(returnKey, 'base64url')).digest('base64url');
    const borrowed = (
      await http()
        .post('/client/v1/seats/checkout')
        .set(w.device)
        .send({ licenseId: w.licenseId, fingerprint: fp('laptop'), borrowUntil: until, returnKeyHash })
        .expect(201)
    ).body;
    expect(borrowed.borrowUntil).toBe(until);
    const tooLong = await http()
      .post(`/client/v1/seats/${online.leaseId}/borrow`)
      .set(w.device)
      .send({ borrowUntil: new Date(Date.now() + 30 * 86_400_000) })
      .expect(422);
    expect(tooLong.body.error.code).toBe('BORROW_TOO_LONG');

    const list = await http().get(`/v1/licenses/${w.licenseId}/sessions`).set(w.vendor.auth).expect(200);
    expect(
      list.body.data.map((s: { id: string; borrowed: boolean; clientName: string | null }) => [s.id, s.borrowed]),
    ).toEqual([
      [online.leaseId, false],
      [borrowed.leaseId, true],
    ]);
    expect(list.body.data[0]).toMatchObject({ clientName: 'desk', fingerprint: fp('desk') });
    const byContainer = await http()
      .get(`/v1/containers/${w.containerId}/sessions`)
      .query({ limit: 1 })
      .set(w.vendor.auth)
      .expect(200);
    expect(byContainer.body.data).toHaveLength(1);
    expect(byContainer.body.nextCursor).toBe(online.leaseId);

    const refused = await http().post(`/v1/sessions/${borrowed.leaseId}/stop`).set(w.vendor.auth).expect(409);
    expect(refused.body.error.code).toBe('SESSION_BORROWED');
    const stopped = await http().post(`/v1/sessions/${online.leaseId}/stop`).set(w.vendor.auth).expect(200);
    expect(stopped.body.endReason).toBe('STOPPED');
    const beat = await http().post(`/client/v1/seats/${online.leaseId}/heartbeat`).set(w.device).expect(409);
    expect(beat.body.error.code).toBe('SESSION_STOPPED');
    const twice = await http().post(`/v1/sessions/${online.leaseId}/stop`).set(w.vendor.auth).expect(409);
    expect(twice.body.error.code).toBe('SESSION_NOT_ACTIVE');

    expect(
      (await http().post(`/client/v1/seats/${borrowed.leaseId}/release`).set(w.device).expect(403)).body.error.code,
    ).toBe('RETURN_PROOF_INVALID');
    const returned = await http()
      .post(`/client/v1/seats/${borrowed.leaseId}/release`)
      .set(w.device)
      .send({ returnKey })
      .expect(200);
    expect(returned.body.endReason).toBe('RETURNED');
    expect((await http().get(`/v1/licenses/${w.licenseId}/sessions`).set(w.vendor.auth).expect(200)).body.data).toEqual(
      [],
    );
  });

  it('serves usage history ready to plot', async () => {
    const w = await seatWorld(app, { quantity: 1 });
    await http()
      .post('/client/v1/seats/checkout')
      .set(w.device)
      .send({ licenseId: w.licenseId, fingerprint: fp('a') })
      .expect(201);
    await http()
      .post('/client/v1/seats/checkout')
      .set(w.device)
      .send({ licenseId: w.licenseId, fingerprint: fp('b') })
      .expect(409);
    const from = new Date(Date.now() - 2 * 3_600_000).toISOString();
    const to = new Date(Date.now() + 1000).toISOString();
    const usage = await http()
      .get(`/v1/licenses/${w.licenseId}/usage`)
      .query({ from, to, granularity: 'hour' })
      .set(w.vendor.auth)
      .expect(200);
    expect(usage.body).toMatchObject({ licenseId: w.licenseId, quantity: 1, granularity: 'hour' });
    expect(usage.body.series).toHaveLength(3);
    expect(usage.body.series.at(-1)).toMatchObject({ peakSeats: 1, denials: 1 });
    expect(usage.body.totals).toMatchObject({ peakSeats: 1, denials: 1 });
  });

  it("answers 404 for another vendor's or another container's ids and changes nothing", async () => {
    const mine = await seatWorld(app, { quantity: 2 });
    const lease = (
      await http()
        .post('/client/v1/seats/checkout')
        .set(mine.device)
        .send({ licenseId: mine.licenseId, fingerprint: fp('a') })
        .expect(201)
    ).body;
    const stranger = await seatWorld(app);
    const sibling = await seatWorld(app, { vendor: mine.vendor });
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const vendorAttempts = [
      http().get(`/v1/licenses/${mine.licenseId}/sessions`),
      http().get(`/v1/containers/${mine.containerId}/sessions`),
      http().post(`/v1/sessions/${lease.leaseId}/stop`),
      http()
        .get(`/v1/licenses/${mine.licenseId}/usage`)
        .query({ from, to: new Date().toISOString(), granularity: 'hour' }),
    ];
    for (const attempt of vendorAttempts) {
      const res = await attempt.set(stranger.vendor.auth);
      expect([res.status, res.body.error?.code]).toEqual([404, 'NOT_FOUND']);
    }
    for (const device of [stranger.device, sibling.device]) {
      for (const action of ['heartbeat', 'release']) {
        const res = await http().post(`/client/v1/seats/${lease.leaseId}/${action}`).set(device);
        expect([res.status, res.body.error?.code]).toEqual([404, 'NOT_FOUND']);
      }
      const borrow = await http()
        .post(`/client/v1/seats/${lease.leaseId}/borrow`)
        .set(device)
        .send({ borrowUntil: new Date(Date.now() + 86_400_000) });
      expect(borrow.status).toBe(404);
      const checkout = await http()
        .post('/client/v1/seats/checkout')
        .set(device)
        .send({ licenseId: mine.licenseId, fingerprint: fp('x') });
      expect([checkout.status, checkout.body.error?.code]).toEqual([404, 'NOT_FOUND']);
    }
    const list = await http().get(`/v1/licenses/${mine.licenseId}/sessions`).set(mine.vendor.auth).expect(200);
    expect(list.body.data.map((s: { id: string }) => s.id)).toEqual([lease.leaseId]);
  });

  it('a heartbeat authenticates in its own statement: a reset secret, an unknown or malformed one and a suspended vendor are refused as everywhere else', async () => {
    const w = await seatWorld(app);
    const lease = (
      await http()
        .post('/client/v1/seats/checkout')
        .set(w.device)
        .send({ licenseId: w.licenseId, fingerprint: fp('cred') })
        .expect(201)
    ).body;
    const beat = (device: { Authorization: string }) =>
      http().post(`/client/v1/seats/${lease.leaseId}/heartbeat`).set(device);
    expect((await beat(w.device)).status).toBe(200);

    const unknown = generateContainerSecret().token;
    expect((await beat({ Authorization: `Bearer ${unknown}` })).body.error.code).toBe('CREDENTIALS_INVALID');
    expect((await beat({ Authorization: 'Bearer lhc_short' })).body.error.code).toBe('CREDENTIALS_INVALID');
    expect((await http().post(`/client/v1/seats/${lease.leaseId}/heartbeat`)).status).toBe(401);

    // A reset: the old secret stops at once, the new one keeps the same lease alive.
    const fresh = await resetSecret(app, w);
    const stale = await beat(w.device);
    expect([stale.status, stale.body.error?.code]).toEqual([401, 'CREDENTIALS_REVOKED']);
    const renewed = await beat(fresh);
    expect([renewed.status, renewed.body.leaseId]).toEqual([200, lease.leaseId]);

    await app.get(PrismaService).vendor.update({ where: { id: w.vendor.vendor.id }, data: { status: 'SUSPENDED' } });
    const suspended = await beat(fresh);
    expect([suspended.status, suspended.body.error?.code]).toEqual([403, 'VENDOR_SUSPENDED']);
  });

  it('a release authenticates in its own statement: refused secrets change nothing, and its seat.released event is the one the general path writes', async () => {
    const w = await seatWorld(app);
    const prisma = app.get(PrismaService);
    const lease = (
      await http()
        .post('/client/v1/seats/checkout')
        .set(w.device)
        .send({ licenseId: w.licenseId, fingerprint: fp('rel') })
        .expect(201)
    ).body;
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

  it('500 parallel checkouts through two app instances on a 10-seat license: exactly 10 succeed; after release every seat is usable again', async () => {
    const w = await seatWorld(app, { quantity: 10 });
    const burst = async (prefix: string) => {
      const answers = await Promise.all(
        Array.from({ length: 500 }, (_, i) =>
          http(i % 2 ? second : app)
            .post('/client/v1/seats/checkout')
            .set(w.device)
            .send({ licenseId: w.licenseId, fingerprint: fp(`${prefix}${i}`) }),
        ),
      );
      const statuses = answers.reduce<Record<number, number>>(
        (acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }),
        {},
      );
      return { statuses, leases: answers.filter((r) => r.status === 201).map((r) => r.body.leaseId as string) };
    };
    const first = await burst('one');
    expect(first.statuses).toEqual({ 201: 10, 409: 490 });
    await Promise.all(
      first.leases.map((id, i) =>
        http(i % 2 ? second : app)
          .post(`/client/v1/seats/${id}/release`)
          .set(w.device)
          .expect(200),
      ),
    );
    const again = await burst('two');
    expect(again.statuses).toEqual({ 201: 10, 409: 490 });
    const live = await app
      .get(PrismaService)
      .seatSlot.count({ where: { licenseId: w.licenseId, leaseId: { not: null }, expiresAt: { gt: new Date() } } });
    expect(live).toBe(10);
  }, 180_000);
});
