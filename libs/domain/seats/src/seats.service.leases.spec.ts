import { createHash, randomBytes } from 'node:crypto';
import { LeaseSweeperService } from './lease-sweeper.service';
import { asSeatVendor, expireLease, insertSeatLicense, seatsInUse } from './seats.testing';
import { days, useSeatsService } from './seats.service.fixture';

// A lease after its checkout: kept alive by heartbeats, ended by a release, borrowed away from the
// network (early return only with the key it committed to), and, once expired, recorded as
// ended by the sweep exactly once.

describe('SeatCheckoutService (checkout), SeatsService (heartbeat, release, borrow) and SessionsService', () => {
  const ctx = useSeatsService();
  const { checkout, heartbeat, release, lease, events } = ctx;

  describe('heartbeat and release', () => {
    it('extends a live lease; answers LEASE_EXPIRED once expired and NOT_FOUND for another container', async () => {
      const f = await insertSeatLicense(ctx.app, { quantity: 1, leaseTtlSeconds: 600 });
      const l = await checkout(f, 'fp');
      await ctx.prisma
        .$executeRaw`UPDATE seat_slots SET "expiresAt" = now() + interval '5 seconds' WHERE "leaseId" = ${l.leaseId}::uuid`;
      const beat = await heartbeat(f, l.leaseId);
      expect(beat.expiresAt.getTime()).toBeGreaterThan(Date.now() + 590_000);
      const slot = await ctx.prisma.seatSlot.findFirstOrThrow({ where: { leaseId: l.leaseId } });
      expect(slot.expiresAt?.getTime()).toBe(beat.expiresAt.getTime());
      expect((await lease(l.leaseId)).expiresAt.getTime()).toBe(beat.expiresAt.getTime());

      const other = await insertSeatLicense(ctx.app, { quantity: 1, vendorId: f.vendorId });
      await expect(
        asSeatVendor(ctx.app, f, () => ctx.seats.heartbeat(other.containerId, l.leaseId)),
      ).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });

      await expireLease(ctx.app, l.leaseId);
      await expect(heartbeat(f, l.leaseId)).rejects.toMatchObject({ code: 'LEASE_EXPIRED' });
    });

    it('answers with the license code when the license was suspended under a running lease', async () => {
      const f = await insertSeatLicense(ctx.app, { quantity: 1 });
      const l = await checkout(f, 'fp');
      await ctx.prisma.license.updateMany({ where: { id: f.licenseId }, data: { status: 'SUSPENDED' } });
      await expect(heartbeat(f, l.leaseId)).rejects.toMatchObject({ code: 'LICENSE_SUSPENDED' });
    });

    it('releases a seat for the next device; a second release answers how it ended; a heartbeat after it LEASE_EXPIRED', async () => {
      const f = await insertSeatLicense(ctx.app, { quantity: 1 });
      const l = await checkout(f, 'a');
      const ended = await release(f, l.leaseId);
      expect(ended).toMatchObject({ leaseId: l.leaseId, endReason: 'RELEASED' });
      expect(await seatsInUse(ctx.app, f.licenseId)).toBe(0);
      expect(await release(f, l.leaseId)).toMatchObject({ endReason: 'RELEASED' });
      await expect(heartbeat(f, l.leaseId)).rejects.toMatchObject({
        code: 'LEASE_EXPIRED',
        details: { endReason: 'RELEASED' },
      });
      await checkout(f, 'b');
      expect(await events(l.leaseId)).toEqual(['seat.checked_out', 'seat.released']);
    });
  });

  describe('borrowing', () => {
    it('borrows until borrowUntil: no heartbeat needed, cannot be stopped, frees itself at borrowUntil', async () => {
      const f = await insertSeatLicense(ctx.app, {
        quantity: 1,
        borrowAllowed: true,
        maxBorrowDays: 7,
        leaseTtlSeconds: 60,
      });
      const until = days(3);
      const l = await checkout(f, 'laptop', { borrowUntil: until });
      expect(l.borrowUntil?.getTime()).toBe(until.getTime());
      expect(l.expiresAt.getTime()).toBe(until.getTime());
      expect((await heartbeat(f, l.leaseId)).expiresAt.getTime()).toBe(until.getTime());
      await expect(asSeatVendor(ctx.app, f, () => ctx.sessions.stop(l.leaseId))).rejects.toMatchObject({
        code: 'SESSION_BORROWED',
      });
      await expect(checkout(f, 'desk')).rejects.toMatchObject({ code: 'NO_SEAT_AVAILABLE' });
      await expireLease(ctx.app, l.leaseId); // borrowUntil reached
      await checkout(f, 'desk');
    });

    it('extends a borrow while online and returns it early with the return key it committed to', async () => {
      const f = await insertSeatLicense(ctx.app, { quantity: 1, borrowAllowed: true, maxBorrowDays: 7 });
      const online = await checkout(f, 'laptop');
      const returnKey = randomBytes(32).toString('base64url');
      const hash = createHash('sha256').update(Buffer.from(returnKey, 'base64url')).digest('base64url');
      const borrowed = await asSeatVendor(ctx.app, f, () =>
        ctx.seats.borrow(f.containerId, online.leaseId, days(2), hash),
      );
      expect(borrowed.leaseId).toBe(online.leaseId);
      const extended = await asSeatVendor(ctx.app, f, () => ctx.seats.borrow(f.containerId, online.leaseId, days(6)));
      expect(extended.borrowUntil!.getTime()).toBeGreaterThan(days(5.9).getTime());
      await expect(
        asSeatVendor(ctx.app, f, () => ctx.seats.borrow(f.containerId, online.leaseId, days(8))),
      ).rejects.toMatchObject({ code: 'BORROW_TOO_LONG' });
      await expect(
        asSeatVendor(ctx.app, f, () => ctx.seats.borrow(f.containerId, online.leaseId, days(1))),
      ).rejects.toMatchObject({ code: 'RETURN_PROOF_INVALID' });
      await expect(
        asSeatVendor(ctx.app, f, () => ctx.seats.release(f.containerId, online.leaseId)),
      ).rejects.toMatchObject({
        code: 'RETURN_PROOF_INVALID',
      });
      const returned = await asSeatVendor(ctx.app, f, () =>
        ctx.seats.release(f.containerId, online.leaseId, returnKey),
      );
      expect(returned.endReason).toBe('RETURNED');
      expect(await seatsInUse(ctx.app, f.licenseId)).toBe(0);
      expect(await events(online.leaseId)).toEqual([
        'seat.checked_out',
        'seat.borrowed',
        'seat.borrowed',
        'seat.returned',
      ]);
    });

    it('refuses a borrow not allowed, too long or past the license expiry, each with its code', async () => {
      const notAllowed = await insertSeatLicense(ctx.app, { quantity: 1, borrowAllowed: false });
      await expect(checkout(notAllowed, 'fp', { borrowUntil: days(1) })).rejects.toMatchObject({
        code: 'BORROW_NOT_ALLOWED',
      });
      const f = await insertSeatLicense(ctx.app, {
        quantity: 1,
        borrowAllowed: true,
        maxBorrowDays: 3,
        expiresAt: days(2),
      });
      await expect(checkout(f, 'fp', { borrowUntil: days(4) })).rejects.toMatchObject({ code: 'BORROW_TOO_LONG' });
      await expect(checkout(f, 'fp', { borrowUntil: days(2.5) })).rejects.toMatchObject({
        code: 'BORROW_PAST_LICENSE_EXPIRY',
      });
      await expect(checkout(f, 'fp', { borrowUntil: days(-1) })).rejects.toMatchObject({
        code: 'BORROW_UNTIL_IN_PAST',
      });
      expect(await seatsInUse(ctx.app, f.licenseId)).toBe(0);
    });
  });

  describe('expiry sweep', () => {
    it('records the end of expired leases once and frees their slots; live and borrowed leases stay', async () => {
      const f = await insertSeatLicense(ctx.app, { quantity: 4, borrowAllowed: true });
      const [a, b, c] = [
        await checkout(f, 'a'),
        await checkout(f, 'b'),
        await checkout(f, 'c', { borrowUntil: days(1) }),
      ];
      await expireLease(ctx.app, a.leaseId, 30);
      await expireLease(ctx.app, b.leaseId, 5);
      const sweeper = ctx.app.get(LeaseSweeperService);
      expect(await sweeper.sweepExpired()).toBeGreaterThanOrEqual(2);
      for (const id of [a.leaseId, b.leaseId]) {
        const row = await lease(id);
        expect(row.endReason).toBe('EXPIRED');
        expect(row.endedAt?.getTime()).toBe(row.expiresAt.getTime());
        expect(await events(id)).toEqual(['seat.checked_out', 'seat.expired']);
      }
      expect((await lease(c.leaseId)).endedAt).toBeNull();
      expect(await ctx.prisma.seatSlot.count({ where: { licenseId: f.licenseId, leaseId: { not: null } } })).toBe(1);
      expect(await sweeper.sweepExpired()).toBe(0);
      expect(await events(a.leaseId)).toEqual(['seat.checked_out', 'seat.expired']);
    });
  });
});
