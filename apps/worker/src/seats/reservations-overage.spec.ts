import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { PrismaService } from '@leasehold/db';
import {
  createPortalUser,
  createVendor,
  eventually,
  expectError,
  TestPortalUser,
  TestVendor,
  WebhookTestServer,
} from '@leasehold/testing';
import { startWorkerWithApis, WorkerWithApis } from '../testing/worker-with-apis';

// Through the public routes: seat reservations (vendor API and group
// admins in the portal) and the overage allowance (vendor API), each with its bad input,
// authorisation and other tenants' ids, and their events arriving as webhooks through the worker.

describe('seat reservations and overage (license-central + portal + worker relay and webhooks)', () => {
  let apps: WorkerWithApis;
  let central: INestApplication;
  let portal: INestApplication;
  let prisma: PrismaService;
  let server: WebhookTestServer;
  let vendor: TestVendor;
  let stranger: TestVendor;
  let productId: string;

  beforeAll(async () => {
    server = await new WebhookTestServer().start();
    apps = await startWorkerWithApis();
    ({ central, portal } = apps);
    prisma = central.get(PrismaService);
    vendor = await createVendor(central, 'Seat Rules Vendor');
    stranger = await createVendor(central, 'Other Vendor');
    productId = (
      await prisma.product.create({
        data: { vendorId: vendor.vendor.id, code: `cad-${randomUUID().slice(0, 8)}`, name: 'CAD' },
      })
    ).id;
    await http()
      .post('/v1/webhook-endpoints')
      .set(vendor.auth)
      .send({
        url: server.url('/erp'),
        eventTypes: ['license.reservation_changed', 'license.overage_started', 'license.overage_ended'],
      })
      .expect(201);
  }, 60_000);
  afterAll(async () => {
    await apps?.close();
    await server?.stop();
  });

  const http = () => request(central.getHttpServer());
  const portalHttp = () => request(portal.getHttpServer());

  async function customer(): Promise<{
    groupId: string;
    admin: TestPortalUser;
    members: TestPortalUser[];
    device: { Authorization: string };
    licenseId: string;
  }> {
    const group = await http()
      .post('/v1/groups')
      .set(vendor.auth)
      .send({ name: `Customer ${randomUUID().slice(0, 6)}` })
      .expect(201);
    const groupId = group.body.id as string;
    const admin = await createPortalUser(central, vendor, { groupId, role: 'ADMIN' });
    const members = [
      await createPortalUser(central, vendor, { groupId, role: 'MEMBER' }),
      await createPortalUser(central, vendor, { groupId, role: 'MEMBER' }),
    ];
    const container = await http()
      .post('/v1/containers')
      .set(vendor.auth)
      .send({ kind: 'ENTERPRISE', name: 'Floating', groupId })
      .expect(201);
    const license = await http()
      .post(`/v1/containers/${container.body.id}/licenses`)
      .set(vendor.auth)
      .send({ productId, quantity: 3 })
      .expect(201);
    return {
      groupId,
      admin,
      members,
      device: { Authorization: `Bearer ${container.body.secret}` },
      licenseId: license.body.id as string,
    };
  }

  const checkout = (device: { Authorization: string }, licenseId: string, fingerprint: string, userToken?: string) =>
    http()
      .post('/client/v1/seats/checkout')
      .set(device)
      .send({ licenseId, fingerprint: `sha256:seat-rules-${fingerprint}`, ...(userToken ? { userToken } : {}) });

  const webhooks = (type: string, licenseId: string) =>
    server
      .forPath('/erp')
      .map((r) => JSON.parse(r.rawBody) as { type: string; data: Record<string, unknown> })
      .filter((e) => e.type === type && JSON.stringify(e).includes(licenseId));

  it('a group admin reserves seats for members; others cannot take them, the members can; bad input, other groups and vendors are refused', async () => {
    const c = await customer();
    const other = await customer();
    const [night, day] = c.members;
    const base = `/v1/group/licenses/${c.licenseId}/reservations`;

    // bad input: stable codes
    expectError(
      await portalHttp()
        .post(base)
        .set(c.admin.auth)
        .send({ name: 'Night', seats: 0, userIds: [night.id] }),
      400,
      'VALIDATION_FAILED',
    );
    expectError(
      await portalHttp()
        .post(base)
        .set(c.admin.auth)
        .send({ name: 'Night', seats: 1, userIds: ['nope'] }),
      400,
      'VALIDATION_FAILED',
    );
    expectError(
      await portalHttp()
        .post(base)
        .set(c.admin.auth)
        .send({ name: '', seats: 1, userIds: [night.id] }),
      400,
      'VALIDATION_FAILED',
    );
    expectError(
      await portalHttp()
        .post(base)
        .set(c.admin.auth)
        .send({ name: 'Night', seats: 4, userIds: [night.id] }),
      409,
      'RESERVATIONS_EXCEED_QUANTITY',
    );
    // attack: reserving for a user outside the group (another group's member)
    const outsider = await portalHttp()
      .post(base)
      .set(c.admin.auth)
      .send({ name: 'Night', seats: 1, userIds: [other.members[0].id] });
    expectError(outsider, 422, 'RESERVATION_USER_NOT_IN_GROUP');
    // authorisation: a member is no admin; another group's admin and another vendor see nothing
    expectError(
      await portalHttp()
        .post(base)
        .set(night.auth)
        .send({ name: 'Night', seats: 1, userIds: [night.id] }),
      403,
      'GROUP_ADMIN_REQUIRED',
    );
    expectError(
      await portalHttp()
        .post(base)
        .set(other.admin.auth)
        .send({ name: 'Night', seats: 1, userIds: [other.members[0].id] }),
      404,
      'NOT_FOUND',
    );
    expectError(await portalHttp().get(base).set(other.admin.auth), 404, 'NOT_FOUND');
    expectError(await http().get(`/v1/licenses/${c.licenseId}/reservations`).set(stranger.auth), 404, 'NOT_FOUND');
    expectError(
      await http()
        .post(`/v1/licenses/${c.licenseId}/reservations`)
        .set(stranger.auth)
        .send({ name: 'X', seats: 1, userIds: [night.id] }),
      404,
      'NOT_FOUND',
    );
    expectError(await portalHttp().get(base), 401, 'UNAUTHENTICATED');

    const created = await portalHttp()
      .post(base)
      .set(c.admin.auth)
      .send({ name: 'Night shift', seats: 2, userIds: [night.id] })
      .expect(201);
    expect(created.body).toMatchObject({
      licenseId: c.licenseId,
      name: 'Night shift',
      seats: 2,
      userIds: [night.id],
      inUse: 0,
    });
    const rid = created.body.id as string;
    expectError(
      await portalHttp()
        .post(base)
        .set(c.admin.auth)
        .send({ name: 'Night shift', seats: 1, userIds: [day.id] }),
      409,
      'RESERVATION_NAME_TAKEN',
    );
    expectError(
      await portalHttp()
        .post(base)
        .set(c.admin.auth)
        .send({ name: 'Early', seats: 1, userIds: [night.id] }),
      409,
      'RESERVATION_USER_TAKEN',
    );
    expectError(
      await portalHttp()
        .post(base)
        .set(c.admin.auth)
        .send({ name: 'Early', seats: 2, userIds: [day.id] }),
      409,
      'RESERVATIONS_EXCEED_QUANTITY',
    );
    expectError(
      await portalHttp()
        .put(`${base}/${randomUUID()}`)
        .set(c.admin.auth)
        .send({ name: 'X', seats: 1, userIds: [day.id] }),
      404,
      'NOT_FOUND',
    );
    // the quantity cannot drop below the seats reserved
    expectError(
      await http().patch(`/v1/licenses/${c.licenseId}`).set(vendor.auth).send({ quantity: 1 }),
      409,
      'RESERVATIONS_EXCEED_QUANTITY',
    );

    // attack: an unreserved checkout takes the last free seats that are reserved
    await checkout(c.device, c.licenseId, 'anon-1').expect(201);
    const refused = await checkout(c.device, c.licenseId, 'anon-2');
    expectError(refused, 409, 'NO_SEAT_AVAILABLE');
    expect(refused.body.error.details).toMatchObject({ quantity: 3, inUse: 1, reservedSeats: 2 });
    expectError(await checkout(c.device, c.licenseId, 'day-1', day.accessToken), 409, 'NO_SEAT_AVAILABLE');
    const mine = await checkout(c.device, c.licenseId, 'night-1', night.accessToken).expect(201);
    expect(mine.body.overage).toBe(false);

    const listed = await portalHttp().get(base).set(c.admin.auth).expect(200);
    expect(listed.body.data).toEqual([expect.objectContaining({ id: rid, inUse: 1 })]);
    const vendorListed = await http().get(`/v1/licenses/${c.licenseId}/reservations`).set(vendor.auth).expect(200);
    expect(vendorListed.body.data).toHaveLength(1);
    const usage = await portalHttp()
      .get(
        `/v1/group/licenses/${c.licenseId}/usage?from=${new Date(Date.now() - 3_600_000).toISOString()}&to=${new Date(Date.now() + 60_000).toISOString()}&granularity=hour`,
      )
      .set(c.admin.auth)
      .expect(200);
    expect(usage.body.reservations).toEqual({
      reservedSeats: 2,
      items: [expect.objectContaining({ id: rid, name: 'Night shift', seats: 2, inUse: 1 })],
    });

    // the vendor changes it (PUT replaces), then the admin deletes it: the seat is free for anyone
    const updated = await http()
      .put(`/v1/licenses/${c.licenseId}/reservations/${rid}`)
      .set(vendor.auth)
      .send({ name: 'Nights', seats: 1, userIds: [night.id, day.id] })
      .expect(200);
    expect(updated.body).toMatchObject({ name: 'Nights', seats: 1, inUse: 1 });
    await checkout(c.device, c.licenseId, 'anon-2').expect(201);
    await portalHttp().delete(`${base}/${rid}`).set(c.admin.auth).expect(200);
    expectError(await portalHttp().delete(`${base}/${rid}`).set(c.admin.auth), 404, 'NOT_FOUND');

    const changes = await eventually(
      () => {
        const got = webhooks('license.reservation_changed', c.licenseId);
        return got.length >= 3 ? got : null;
      },
      20_000,
      'reservation webhooks',
    );
    // deliveries run in parallel: each change arrives once, in any order
    expect(changes.map((e) => e.data['change']).sort()).toEqual(['created', 'deleted', 'updated']);
  }, 120_000);

  it('the wait queue keeps to reservations through the relay: a waiting outsider never holds a reserved seat, the reserved user passes it, and removing the reservation serves the ticket', async () => {
    const c = await customer();
    const [night] = c.members;
    const base = `/v1/group/licenses/${c.licenseId}/reservations`;
    const reservation = await portalHttp()
      .post(base)
      .set(c.admin.auth)
      .send({ name: 'Night shift', seats: 1, userIds: [night.id] })
      .expect(201);
    await checkout(c.device, c.licenseId, 'q-anon-1').expect(201);
    await checkout(c.device, c.licenseId, 'q-anon-2').expect(201);
    // The one free seat is the night shift's: a third program waits, and is not given that seat.
    expectError(await checkout(c.device, c.licenseId, 'q-anon-3'), 409, 'NO_SEAT_AVAILABLE');
    const ticket = await http()
      .post('/client/v1/seat-queue')
      .set(c.device)
      .send({ licenseId: c.licenseId, fingerprint: 'sha256:seat-rules-q-anon-3' })
      .expect(201);
    expect(ticket.body).toMatchObject({ status: 'WAITING', position: 1 });
    const ticketNow = async () =>
      (await http().get(`/client/v1/seat-queue/${ticket.body.ticketId}?wait=0`).set(c.device).expect(200)).body as {
        status: string;
      };
    // The night shift checks out past the waiting ticket; its release goes through the relay's
    // grant pass, which still holds nothing for the outsider.
    const mine = await checkout(c.device, c.licenseId, 'q-night', night.accessToken).expect(201);
    await http().post(`/client/v1/seats/${mine.body.leaseId}/release`).set(c.device).expect(200);
    await eventually(
      async () => {
        const handled = await prisma.$queryRaw<{ n: number }[]>`
          SELECT count(*)::int AS n FROM domain_events
           WHERE "aggregateId" = ${mine.body.leaseId as string} AND type = 'seat.released' AND "publishedAt" IS NOT NULL`;
        return handled[0].n === 1 ? true : null;
      },
      20_000,
      'the release relayed',
    );
    expect((await ticketNow()).status).toBe('WAITING');
    // The admin removes the reservation: its event makes the relay serve the queue.
    await portalHttp()
      .delete(`${base}/${reservation.body.id as string}`)
      .set(c.admin.auth)
      .expect(200);
    // The relay marks an event published only after its reactions ran: by then the ticket is held
    // (not later, by the worker's periodic queue sweep).
    await eventually(
      async () => {
        const published = await prisma.$queryRaw<{ n: number }[]>`
          SELECT count(*)::int AS n FROM domain_events
           WHERE "aggregateId" = ${c.licenseId} AND type = 'license.reservation_changed' AND payload->>'change' = 'deleted'
             AND "publishedAt" IS NOT NULL`;
        return published[0].n === 1 ? true : null;
      },
      20_000,
      'the reservation change relayed',
    );
    expect((await ticketNow()).status).toBe('HELD');
    expectError(await checkout(c.device, c.licenseId, 'q-night-2', night.accessToken), 409, 'NO_SEAT_AVAILABLE');
    await http()
      .post('/client/v1/seats/checkout')
      .set(c.device)
      .send({ licenseId: c.licenseId, fingerprint: 'sha256:seat-rules-q-anon-3', ticketId: ticket.body.ticketId })
      .expect(201);
  }, 120_000);

  it("every reservation change is audited (who, before/after, the group), in the vendor trail and the group admin's; a refused change leaves none", async () => {
    const c = await customer();
    const [night, day] = c.members;
    const base = `/v1/group/licenses/${c.licenseId}/reservations`;
    const created = await portalHttp()
      .post(base)
      .set(c.admin.auth)
      .send({ name: 'Night shift', seats: 2, userIds: [night.id] })
      .expect(201);
    const rid = created.body.id as string;
    expectError(
      await portalHttp()
        .post(base)
        .set(c.admin.auth)
        .send({ name: 'Too big', seats: 2, userIds: [day.id] }),
      409,
      'RESERVATIONS_EXCEED_QUANTITY',
    );
    await http()
      .put(`/v1/licenses/${c.licenseId}/reservations/${rid}`)
      .set(vendor.auth)
      .send({ name: 'Nights', seats: 1, userIds: [night.id, day.id] })
      .expect(200);
    await portalHttp().delete(`${base}/${rid}`).set(c.admin.auth).expect(200);

    const trail = await http()
      .get(`/v1/audit?entityType=seat_reservation&entityId=${rid}`)
      .set(vendor.auth)
      .expect(200);
    expect(trail.body.data).toEqual([
      expect.objectContaining({
        action: 'reservation.created',
        actorType: 'PORTAL_USER',
        actorId: c.admin.id,
        groupId: c.groupId,
        before: null,
        after: expect.objectContaining({ licenseId: c.licenseId, name: 'Night shift', seats: 2, userIds: [night.id] }),
      }),
      expect.objectContaining({
        action: 'reservation.updated',
        actorType: 'VENDOR_KEY',
        groupId: c.groupId,
        before: expect.objectContaining({ name: 'Night shift', seats: 2, userIds: [night.id] }),
        after: expect.objectContaining({ name: 'Nights', seats: 1, userIds: [night.id, day.id].sort() }),
      }),
      expect.objectContaining({
        action: 'reservation.deleted',
        actorType: 'PORTAL_USER',
        actorId: c.admin.id,
        before: expect.objectContaining({ name: 'Nights' }),
        after: null,
      }),
    ]);
    // The refused reservation wrote nothing.
    const all = await http()
      .get(`/v1/audit?entityType=seat_reservation&groupId=${c.groupId}`)
      .set(vendor.auth)
      .expect(200);
    expect(all.body.data.map((e: { action: string }) => e.action)).toEqual([
      'reservation.created',
      'reservation.updated',
      'reservation.deleted',
    ]);
    // The group admin sees the same entries in the group's trail; another vendor sees none.
    const group = await portalHttp().get('/v1/group/audit?entityType=seat_reservation').set(c.admin.auth).expect(200);
    expect(group.body.data.map((e: { action: string; entityId: string }) => [e.action, e.entityId])).toEqual([
      ['reservation.created', rid],
      ['reservation.updated', rid],
      ['reservation.deleted', rid],
    ]);
    expect((await http().get(`/v1/audit?entityId=${rid}`).set(stranger.auth).expect(200)).body.data).toEqual([]);
  }, 60_000);

  it('overage: above the quantity within the allowance, marked overage, started/ended webhooks once; bad input and other vendors refused', async () => {
    const c = await customer();
    const route = `/v1/licenses/${c.licenseId}/overage`;
    for (const body of [
      {},
      { factor: 1.5, extraSeats: 2 },
      { factor: 0.5 },
      { factor: 1.234 },
      { factor: 11 },
      { extraSeats: 0 },
      { extraSeats: 1.5 },
      { factor: 'x' },
    ]) {
      expectError(await http().put(route).set(vendor.auth).send(body), 400, 'VALIDATION_FAILED');
    }
    expectError(await http().put(route).set(stranger.auth).send({ factor: 2 }), 404, 'NOT_FOUND');
    expectError(await http().get(route).set(stranger.auth), 404, 'NOT_FOUND');
    expectError(await http().put(route).send({ factor: 2 }), 401, 'UNAUTHENTICATED');
    // attack: without an allowance the 4th seat of 3 is refused
    const held = [];
    for (const fp of ['a', 'b', 'c'])
      held.push((await checkout(c.device, c.licenseId, fp).expect(201)).body as { leaseId: string; overage: boolean });
    expect(held.every((l) => !l.overage)).toBe(true);
    expectError(await checkout(c.device, c.licenseId, 'd'), 409, 'NO_SEAT_AVAILABLE');

    const set = await http().put(route).set(vendor.auth).send({ factor: 1.5 }).expect(200);
    expect(set.body).toEqual({
      licenseId: c.licenseId,
      quantity: 3,
      allowance: { factor: 1.5 },
      capacity: 4,
      inUse: 3,
      overageSince: null,
    });
    const over = await checkout(c.device, c.licenseId, 'd').expect(201);
    expect(over.body.overage).toBe(true);
    expectError(await checkout(c.device, c.licenseId, 'e'), 409, 'NO_SEAT_AVAILABLE');
    expect((await http().get(route).set(vendor.auth).expect(200)).body.overageSince).not.toBeNull();
    const sessions = await http().get(`/v1/licenses/${c.licenseId}/sessions`).set(vendor.auth).expect(200);
    expect(sessions.body.data.filter((s: { overage: boolean }) => s.overage)).toHaveLength(1);
    // a little time in overage, so the usage answer's minutes (0.01 precision) cannot round to 0
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await http().post(`/client/v1/seats/${held[0].leaseId}/release`).set(c.device).expect(200);

    const [started] = await eventually(
      () =>
        webhooks('license.overage_started', c.licenseId).length
          ? webhooks('license.overage_started', c.licenseId)
          : null,
      20_000,
      'overage started',
    );
    const [ended] = await eventually(
      () =>
        webhooks('license.overage_ended', c.licenseId).length ? webhooks('license.overage_ended', c.licenseId) : null,
      20_000,
      'overage ended',
    );
    expect(started.data).toMatchObject({ licenseId: c.licenseId, quantity: 3, capacity: 4, inUse: 4 });
    expect(ended.data).toMatchObject({ licenseId: c.licenseId, quantity: 3, peakSeats: 4, inUse: 3 });

    const usage = await http()
      .get(
        `/v1/licenses/${c.licenseId}/usage?from=${new Date(Date.now() - 3_600_000).toISOString()}&to=${new Date(Date.now() + 60_000).toISOString()}&granularity=hour`,
      )
      .set(vendor.auth)
      .expect(200);
    expect(usage.body.overage).toMatchObject({ allowance: { factor: 1.5 }, capacity: 4, peakSeats: 4, leases: 1 });
    expect(usage.body.overage.minutes).toBeGreaterThan(0);
    expect(usage.body.overage.episodes).toEqual([expect.objectContaining({ peakSeats: 4 })]);

    const removed = await http().delete(route).set(vendor.auth).expect(200);
    expect(removed.body).toMatchObject({ allowance: null, capacity: 3, inUse: 3 });
    expectError(await checkout(c.device, c.licenseId, 'f'), 409, 'NO_SEAT_AVAILABLE');

    // Every change of the allowance is audited (it decides what the customer may be billed for);
    // the refused ones above left none.
    const trail = await http().get(`/v1/audit?entityType=license&entityId=${c.licenseId}`).set(vendor.auth).expect(200);
    const overageEntries = trail.body.data.filter((e: { action: string }) => e.action === 'license.overage_changed');
    expect(overageEntries).toEqual([
      expect.objectContaining({
        actorType: 'VENDOR_KEY',
        before: { allowance: null },
        after: { allowance: { factor: 1.5 } },
      }),
      expect.objectContaining({
        actorType: 'VENDOR_KEY',
        before: { allowance: { factor: 1.5 } },
        after: { allowance: null },
      }),
    ]);
    const strangers = await http()
      .get(`/v1/audit?entityType=license&entityId=${c.licenseId}`)
      .set(stranger.auth)
      .expect(200);
    expect(strangers.body.data).toEqual([]);
  }, 120_000);
});
