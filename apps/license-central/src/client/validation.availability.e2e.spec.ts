import { createPortalUser, createVendor, expectError } from '@leasehold/testing';
import { FP, useValidationWorld } from './validation.fixture';

describe('validation (client API): codes, signed answers', () => {
  const world = useValidationWorld();
  const { http, validate, enterprise } = world;

  it('ENTERPRISE containers need no device activation: a device holding a seat validates, others are told CHECKOUT_REQUIRED', async () => {
    const e = await enterprise(5);
    expect(await validate(e.device)).toMatchObject({
      code: 'CHECKOUT_REQUIRED',
      valid: false,
      availability: { quantity: 5, capacity: 5, inUse: 0, available: 5 },
    });
    await http()
      .post('/client/v1/seats/checkout')
      .set(e.device)
      .send({ licenseId: e.licenseId, fingerprint: FP })
      .expect(201);
    expect(await validate(e.device)).toMatchObject({
      code: 'VALID',
      valid: true,
      availability: { quantity: 5, capacity: 5, inUse: 1, available: 4 },
    });
  });

  describe('availability says what a checkout of the same user would get (the checkout rule, one SQL)', () => {
    const checkout = (
      e: { device: { Authorization: string }; licenseId: string },
      fingerprint: string,
      userToken?: string,
    ) =>
      http()
        .post('/client/v1/seats/checkout')
        .set(e.device)
        .send({ licenseId: e.licenseId, fingerprint, ...(userToken ? { userToken } : {}) });
    const availability = async (e: { device: { Authorization: string } }, fingerprint: string, userToken?: string) =>
      (await validate(e.device, { fingerprint, ...(userToken ? { userToken } : {}) })).availability;

    it('reservations: seats free only for reserved users are not available to others; the reserved user sees them (userToken)', async () => {
      const e = await enterprise(3);
      const night = await createPortalUser(world.app, world.acme, { groupId: e.groupId, role: 'MEMBER' });
      const day = await createPortalUser(world.app, world.acme, { groupId: e.groupId, role: 'MEMBER' });
      await http()
        .post(`/v1/licenses/${e.licenseId}/reservations`)
        .set(world.acme.auth)
        .send({ name: 'Night shift', seats: 2, userIds: [night.id] })
        .expect(201);
      await checkout(e, 'fp-anon-holder').expect(201);

      // The attack: validate must not promise a seat that checkout then refuses, with or without a user.
      expect(await availability(e, 'fp-anon-2')).toEqual({ quantity: 3, capacity: 3, inUse: 1, available: 0 });
      expectError(await checkout(e, 'fp-anon-2'), 409, 'NO_SEAT_AVAILABLE');
      expect(await availability(e, 'fp-day-1', day.accessToken)).toMatchObject({ inUse: 1, available: 0 });
      expectError(await checkout(e, 'fp-day-1', day.accessToken), 409, 'NO_SEAT_AVAILABLE');

      // The reserved user: both unused reserved seats are free for them.
      expect(await availability(e, 'fp-night-1', night.accessToken)).toEqual({
        quantity: 3,
        capacity: 3,
        inUse: 1,
        available: 2,
      });
      await checkout(e, 'fp-night-1', night.accessToken).expect(201);
      expect(await availability(e, 'fp-night-2', night.accessToken)).toMatchObject({ inUse: 2, available: 1 });
      await checkout(e, 'fp-night-2', night.accessToken).expect(201);
      expect(await availability(e, 'fp-night-3', night.accessToken)).toMatchObject({ inUse: 3, available: 0 });
      expectError(await checkout(e, 'fp-night-3', night.accessToken), 409, 'NO_SEAT_AVAILABLE');

      // A bad or foreign userToken is refused as at checkout.
      expectError(
        await http()
          .post('/client/v1/validate')
          .set(e.device)
          .send({ fingerprint: 'fp-xxxxxx', userToken: 'not-a-jwt' }),
        401,
        'TOKEN_INVALID',
      );
      const other = await createVendor(world.app);
      const foreign = await createPortalUser(world.app, other);
      expectError(
        await http()
          .post('/client/v1/validate')
          .set(e.device)
          .send({ fingerprint: 'fp-xxxxxx', userToken: foreign.accessToken }),
        401,
        'TOKEN_INVALID',
      );
    });

    it('overage allowance: seats up to the capacity are available, as checkout hands them out', async () => {
      const e = await enterprise(2);
      await http().put(`/v1/licenses/${e.licenseId}/overage`).set(world.acme.auth).send({ factor: 1.5 }).expect(200);
      await checkout(e, 'fp-over-1').expect(201);
      await checkout(e, 'fp-over-2').expect(201);
      expect(await availability(e, 'fp-over-3')).toEqual({ quantity: 2, capacity: 3, inUse: 2, available: 1 });
      expect((await checkout(e, 'fp-over-3').expect(201)).body.overage).toBe(true);
      expect(await availability(e, 'fp-over-4')).toEqual({ quantity: 2, capacity: 3, inUse: 3, available: 0 });
      expectError(await checkout(e, 'fp-over-4'), 409, 'NO_SEAT_AVAILABLE');
    });

    it('wait queue: a seat held for a ticket is not available to anyone else', async () => {
      const e = await enterprise(1);
      const ticket = await http()
        .post('/client/v1/seat-queue')
        .set(e.device)
        .send({ licenseId: e.licenseId, fingerprint: 'fp-waiter-1' })
        .expect(201);
      expect(ticket.body.status).toBe('HELD');
      expect(await availability(e, 'fp-other-1')).toEqual({ quantity: 1, capacity: 1, inUse: 0, available: 0 });
      expectError(await checkout(e, 'fp-other-1'), 409, 'NO_SEAT_AVAILABLE');
    });
  });
});
