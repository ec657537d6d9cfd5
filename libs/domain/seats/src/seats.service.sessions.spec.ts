import { UsageService } from './usage.service';
import { asSeatVendor, expireLease, insertDevice, insertSeatLicense, seatsInUse } from './seats.testing';
import { days, useSeatsService } from './seats.service.fixture';

// The vendor's side of the seats: the live sessions it lists and stops (scoped to a group for the
// portal), the leases of a removed user, and the usage history billed from the leases.

describe('SeatCheckoutService (checkout), SeatsService (heartbeat, release, borrow) and SessionsService', () => {
  const ctx = useSeatsService();
  const { checkout, heartbeat, lease } = ctx;

  describe('sessions', () => {
    it('lists live sessions with who, device, since, last heartbeat and borrow; never stopped or expired ones', async () => {
      const f = await insertSeatLicense(ctx.app, { kind: 'PERSONAL', quantity: 3, borrowAllowed: true });
      for (const fp of ['a', 'b', 'c']) await insertDevice(ctx.app, f, fp);
      const a = await checkout(f, 'a', { clientName: 'alice-pc' });
      const b = await checkout(f, 'b', { borrowUntil: days(1) });
      const c = await checkout(f, 'c');
      await expireLease(ctx.app, c.leaseId);
      const list = await asSeatVendor(ctx.app, f, () => ctx.sessions.list({ licenseId: f.licenseId, take: 10 }));
      expect(list.map((s) => s.id)).toEqual([a.leaseId, b.leaseId]);
      expect(list[0]).toMatchObject({
        deviceName: 'Device a',
        clientName: 'alice-pc',
        userId: f.userId,
        borrowed: false,
        fingerprint: 'a',
      });
      expect(list[0].lastHeartbeatAt).toBeInstanceOf(Date);
      expect(list[1]).toMatchObject({ borrowed: true });

      const stopped = await asSeatVendor(ctx.app, f, () => ctx.sessions.stop(a.leaseId, { licenseId: f.licenseId }));
      expect(stopped.endReason).toBe('STOPPED');
      await expect(heartbeat(f, a.leaseId)).rejects.toMatchObject({ code: 'SESSION_STOPPED' });
      await expect(asSeatVendor(ctx.app, f, () => ctx.sessions.stop(a.leaseId))).rejects.toMatchObject({
        code: 'SESSION_NOT_ACTIVE',
      });
      expect(
        (await asSeatVendor(ctx.app, f, () => ctx.sessions.list({ containerId: f.containerId, take: 10 }))).map(
          (s) => s.id,
        ),
      ).toEqual([b.leaseId]);
      expect(await seatsInUse(ctx.app, f.licenseId)).toBe(1);
      const audit = await ctx.prisma.auditEntry.findMany({ where: { entityId: a.leaseId } });
      expect(audit.map((e) => e.action)).toEqual(['session.stopped']);
    });

    it("scopes to a group for the portal: another group's session is not found", async () => {
      const f = await insertSeatLicense(ctx.app, { quantity: 1 });
      const g = await insertSeatLicense(ctx.app, { quantity: 1, vendorId: f.vendorId });
      const l = await checkout(f, 'fp');
      await expect(
        asSeatVendor(ctx.app, f, () => ctx.sessions.list({ licenseId: f.licenseId, groupId: g.groupId!, take: 10 })),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(
        asSeatVendor(ctx.app, f, () => ctx.sessions.stop(l.leaseId, { groupId: g.groupId! })),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' });
      const stranger = await insertSeatLicense(ctx.app, { quantity: 1 });
      await expect(asSeatVendor(ctx.app, stranger, () => ctx.sessions.stop(l.leaseId))).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      expect(await seatsInUse(ctx.app, f.licenseId)).toBe(1);
      await asSeatVendor(ctx.app, f, () => ctx.sessions.stop(l.leaseId, { groupId: f.groupId! }));
      expect(await seatsInUse(ctx.app, f.licenseId)).toBe(0);
    });

    it('ends every lease of a removed user (USER_REMOVED), borrowed ones too, and only theirs; idempotent', async () => {
      const f = await insertSeatLicense(ctx.app, { kind: 'PERSONAL', quantity: 2, borrowAllowed: true });
      await insertDevice(ctx.app, f, 'a');
      await insertDevice(ctx.app, f, 'b');
      const a = await checkout(f, 'a');
      const b = await checkout(f, 'b', { borrowUntil: days(2) });
      const bystander = await insertSeatLicense(ctx.app, { kind: 'PERSONAL', quantity: 1, vendorId: f.vendorId });
      await insertDevice(ctx.app, bystander, 'z');
      const z = await checkout(bystander, 'z');

      expect(await asSeatVendor(ctx.app, f, () => ctx.sessions.endLeasesOfUser(f.userId!))).toEqual({ ended: 2 });
      expect(await seatsInUse(ctx.app, f.licenseId)).toBe(0);
      expect((await lease(a.leaseId)).endReason).toBe('USER_REMOVED');
      expect((await lease(b.leaseId)).endReason).toBe('USER_REMOVED');
      await expect(heartbeat(f, a.leaseId)).rejects.toMatchObject({
        code: 'SESSION_STOPPED',
        details: { endReason: 'USER_REMOVED' },
      });
      expect((await lease(z.leaseId)).endedAt).toBeNull();
      expect(await asSeatVendor(ctx.app, f, () => ctx.sessions.endLeasesOfUser(f.userId!))).toEqual({ ended: 0 });
    });
  });

  describe('usage history', () => {
    it('gives per-hour peak seats, seat-hours and denials as a gap-free series', async () => {
      const f = await insertSeatLicense(ctx.app, { quantity: 3 });
      const h = (hours: number) => new Date(Date.UTC(2026, 0, 10, 0, 0) + hours * 3_600_000);
      const base = { vendorId: f.vendorId, licenseId: f.licenseId, containerId: f.containerId, fingerprint: 'x' };
      // 00:00–02:00 one seat; 00:30–01:30 a second; 01:15–01:45 a third (3 at once at 01:15–01:30).
      await ctx.prisma.seatLease.createMany({
        data: [
          { ...base, slot: 0, startedAt: h(0), expiresAt: h(2), endedAt: h(2), endReason: 'RELEASED' },
          { ...base, slot: 1, startedAt: h(0.5), expiresAt: h(1.5), endedAt: h(1.5), endReason: 'EXPIRED' },
          { ...base, slot: 2, startedAt: h(1.25), expiresAt: h(1.75), endedAt: h(1.75), endReason: 'STOPPED' },
          // A lease that ended before the range and one that starts after it.
          { ...base, slot: 2, startedAt: h(-5), expiresAt: h(-4), endedAt: h(-4), endReason: 'RELEASED' },
        ],
      });
      await ctx.prisma.licenseUsageHour.create({
        data: { vendorId: f.vendorId, licenseId: f.licenseId, hour: h(1), denials: 4 },
      });
      const usage = ctx.app.get(UsageService);
      const hourly = await asSeatVendor(ctx.app, f, () =>
        usage.history({ licenseId: f.licenseId, from: h(0), to: h(3), granularity: 'hour' }),
      );
      expect(hourly.series.map((p) => [p.start.toISOString(), p.peakSeats, p.seatHours, p.denials])).toEqual([
        [h(0).toISOString(), 2, 1.5, 0],
        [h(1).toISOString(), 3, 1 + 0.5 + 0.5, 4],
        [h(2).toISOString(), 0, 0, 0],
      ]);
      expect(hourly.totals).toEqual({ peakSeats: 3, seatHours: 3.5, sessionsStarted: 3, denials: 4 });
      const daily = await asSeatVendor(ctx.app, f, () =>
        usage.history({ licenseId: f.licenseId, from: h(0), to: h(1), granularity: 'day' }),
      );
      expect(daily.series).toEqual([
        {
          start: h(0),
          peakSeats: 3,
          seatHours: 3.5,
          overageMinutes: 0,
          sessionsStarted: 3,
          distinctUsers: 0,
          distinctDevices: 1,
          denials: 4,
        },
      ]);
      await expect(
        asSeatVendor(ctx.app, f, () =>
          usage.history({ licenseId: f.licenseId, from: h(3), to: h(0), granularity: 'hour' }),
        ),
      ).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
      });
      const stranger = await insertSeatLicense(ctx.app, { quantity: 1 });
      await expect(
        asSeatVendor(ctx.app, stranger, () =>
          usage.history({ licenseId: f.licenseId, from: h(0), to: h(3), granularity: 'hour' }),
        ),
      ).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
    });
  });
});
