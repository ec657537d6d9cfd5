import { randomUUID } from 'node:crypto';
import { expectError } from '@leasehold/testing';
import { Customer, lastHourUsage, ReservationRefusal, useSeatRulesWorld } from './reservations-overage.fixture';

// Through the public routes: seat reservations (vendor API and group admins in the portal), with
// their bad input, authorisation and other tenants' ids, the wait queue and the audit trail, and
// their events arriving as webhooks through the worker.

describe('seat reservations (license-central + portal + worker relay and webhooks)', () => {
  const world = useSeatRulesWorld();
  const http = () => world.http();
  const portalHttp = () => world.portalHttp();

  async function expectRefused(c: Customer, refusals: ReservationRefusal[]): Promise<void> {
    for (const [body, status, code, as] of refusals) expectError(await c.reserve(body, as), status, code);
  }

  it('a group admin reserves seats for members; others cannot take them, the members can; bad input, other groups and vendors are refused', async () => {
    const c = await world.customer();
    const other = await world.customer();
    const [night, day] = c.members;
    const base = c.groupReservations;

    await expectRefused(c, [
      // bad input: stable codes
      [{ name: 'Night', seats: 0, userIds: [night.id] }, 400, 'VALIDATION_FAILED'],
      [{ name: 'Night', seats: 1, userIds: ['nope'] }, 400, 'VALIDATION_FAILED'],
      [{ name: '', seats: 1, userIds: [night.id] }, 400, 'VALIDATION_FAILED'],
      [{ name: 'Night', seats: 4, userIds: [night.id] }, 409, 'RESERVATIONS_EXCEED_QUANTITY'],
      // attack: reserving for a user outside the group (another group's member)
      [{ name: 'Night', seats: 1, userIds: [other.members[0].id] }, 422, 'RESERVATION_USER_NOT_IN_GROUP'],
      // authorisation: a member is no admin; another group's admin and another vendor see nothing
      [{ name: 'Night', seats: 1, userIds: [night.id] }, 403, 'GROUP_ADMIN_REQUIRED', night],
      [{ name: 'Night', seats: 1, userIds: [other.members[0].id] }, 404, 'NOT_FOUND', other.admin],
    ]);
    expectError(await portalHttp().get(base).set(other.admin.auth), 404, 'NOT_FOUND');
    expectError(await http().get(c.vendorReservations).set(world.stranger.auth), 404, 'NOT_FOUND');
    const strangersReservation = { name: 'X', seats: 1, userIds: [night.id] };
    expectError(
      await http().post(c.vendorReservations).set(world.stranger.auth).send(strangersReservation),
      404,
      'NOT_FOUND',
    );
    expectError(await portalHttp().get(base), 401, 'UNAUTHENTICATED');

    const created = await c.reserve({ name: 'Night shift', seats: 2, userIds: [night.id] }).expect(201);
    expect(created.body).toMatchObject({
      licenseId: c.licenseId,
      name: 'Night shift',
      seats: 2,
      userIds: [night.id],
      inUse: 0,
    });
    const rid = created.body.id as string;
    await expectRefused(c, [
      [{ name: 'Night shift', seats: 1, userIds: [day.id] }, 409, 'RESERVATION_NAME_TAKEN'],
      [{ name: 'Early', seats: 1, userIds: [night.id] }, 409, 'RESERVATION_USER_TAKEN'],
      [{ name: 'Early', seats: 2, userIds: [day.id] }, 409, 'RESERVATIONS_EXCEED_QUANTITY'],
    ]);
    const unknown = `${base}/${randomUUID()}`;
    const replacement = { name: 'X', seats: 1, userIds: [day.id] };
    expectError(await portalHttp().put(unknown).set(c.admin.auth).send(replacement), 404, 'NOT_FOUND');
    // the quantity cannot drop below the seats reserved
    expectError(
      await http().patch(`/v1/licenses/${c.licenseId}`).set(world.vendor.auth).send({ quantity: 1 }),
      409,
      'RESERVATIONS_EXCEED_QUANTITY',
    );

    // attack: an unreserved checkout takes the last free seats that are reserved
    await c.checkout('anon-1').expect(201);
    const refused = await c.checkout('anon-2');
    expectError(refused, 409, 'NO_SEAT_AVAILABLE');
    expect(refused.body.error.details).toMatchObject({ quantity: 3, inUse: 1, reservedSeats: 2 });
    expectError(await c.checkout('day-1', { user: day }), 409, 'NO_SEAT_AVAILABLE');
    const mine = await c.checkout('night-1', { user: night }).expect(201);
    expect(mine.body.overage).toBe(false);

    const listed = await portalHttp().get(base).set(c.admin.auth).expect(200);
    expect(listed.body.data).toEqual([expect.objectContaining({ id: rid, inUse: 1 })]);
    const vendorListed = await http().get(c.vendorReservations).set(world.vendor.auth).expect(200);
    expect(vendorListed.body.data).toHaveLength(1);
    const usage = await portalHttp()
      .get(`/v1/group/licenses/${c.licenseId}/usage?${lastHourUsage()}`)
      .set(c.admin.auth)
      .expect(200);
    expect(usage.body.reservations).toEqual({
      reservedSeats: 2,
      items: [expect.objectContaining({ id: rid, name: 'Night shift', seats: 2, inUse: 1 })],
    });

    // the vendor changes it (PUT replaces), then the admin deletes it: the seat is free for anyone
    const updated = await http()
      .put(`${c.vendorReservations}/${rid}`)
      .set(world.vendor.auth)
      .send({ name: 'Nights', seats: 1, userIds: [night.id, day.id] })
      .expect(200);
    expect(updated.body).toMatchObject({ name: 'Nights', seats: 1, inUse: 1 });
    await c.checkout('anon-2').expect(201);
    await portalHttp().delete(`${base}/${rid}`).set(c.admin.auth).expect(200);
    expectError(await portalHttp().delete(`${base}/${rid}`).set(c.admin.auth), 404, 'NOT_FOUND');

    const changes = await world.webhooks('license.reservation_changed', c.licenseId, 3);
    // deliveries run in parallel: each change arrives once, in any order
    expect(changes.map((e) => e.data['change']).sort()).toEqual(['created', 'deleted', 'updated']);
  }, 120_000);

  it('the wait queue keeps to reservations through the relay: a waiting outsider never holds a reserved seat, the reserved user passes it, and removing the reservation serves the ticket', async () => {
    const c = await world.customer();
    const [night] = c.members;
    const reservation = await c.reserve({ name: 'Night shift', seats: 1, userIds: [night.id] }).expect(201);
    await c.checkout('q-anon-1').expect(201);
    await c.checkout('q-anon-2').expect(201);
    // The one free seat is the night shift's: a third program waits, and is not given that seat.
    expectError(await c.checkout('q-anon-3'), 409, 'NO_SEAT_AVAILABLE');
    const ticket = await c.joinQueue('q-anon-3').expect(201);
    expect(ticket.body).toMatchObject({ status: 'WAITING', position: 1 });
    const ticketNow = async () =>
      (await http().get(`/client/v1/seat-queue/${ticket.body.ticketId}?wait=0`).set(c.device).expect(200)).body as {
        status: string;
      };
    // The night shift checks out past the waiting ticket; its release goes through the relay's
    // grant pass, which still holds nothing for the outsider.
    const mine = await c.checkout('q-night', { user: night }).expect(201);
    await http().post(`/client/v1/seats/${mine.body.leaseId}/release`).set(c.device).expect(200);
    await world.relayed(mine.body.leaseId as string, 'seat.released');
    expect((await ticketNow()).status).toBe('WAITING');
    // The admin removes the reservation: its event makes the relay serve the queue.
    await portalHttp()
      .delete(`${c.groupReservations}/${reservation.body.id as string}`)
      .set(c.admin.auth)
      .expect(200);
    // The relay marks an event published only after its reactions ran: by then the ticket is held
    // (not later, by the worker's periodic queue sweep).
    await world.relayed(c.licenseId, 'license.reservation_changed', 'deleted');
    expect((await ticketNow()).status).toBe('HELD');
    expectError(await c.checkout('q-night-2', { user: night }), 409, 'NO_SEAT_AVAILABLE');
    await c.checkout('q-anon-3', { ticketId: ticket.body.ticketId as string }).expect(201);
  }, 120_000);

  it("every reservation change is audited (who, before/after, the group), in the vendor trail and the group admin's; a refused change leaves none", async () => {
    const c = await world.customer();
    const [night, day] = c.members;
    const created = await c.reserve({ name: 'Night shift', seats: 2, userIds: [night.id] }).expect(201);
    const rid = created.body.id as string;
    const tooBig = { name: 'Too big', seats: 2, userIds: [day.id] };
    expectError(await c.reserve(tooBig), 409, 'RESERVATIONS_EXCEED_QUANTITY');
    await http()
      .put(`${c.vendorReservations}/${rid}`)
      .set(world.vendor.auth)
      .send({ name: 'Nights', seats: 1, userIds: [night.id, day.id] })
      .expect(200);
    await portalHttp().delete(`${c.groupReservations}/${rid}`).set(c.admin.auth).expect(200);

    const trail = await http()
      .get(`/v1/audit?entityType=seat_reservation&entityId=${rid}`)
      .set(world.vendor.auth)
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
      .set(world.vendor.auth)
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
    expect((await http().get(`/v1/audit?entityId=${rid}`).set(world.stranger.auth).expect(200)).body.data).toEqual([]);
  }, 60_000);
});
