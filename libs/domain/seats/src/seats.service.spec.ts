import { createHash, randomBytes } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import { PrismaService } from '@leasehold/db';
import { LeaseSweeperService } from './lease-sweeper.service';
import { SeatsService } from './seats.service';
import { SessionsService } from './sessions.service';
import { UsageService } from './usage.service';
import {
  insertDevice,
  asSeatVendor,
  insertSeatLicense,
  createSeatsContext,
  expireLease,
  SeatFixture,
  seatsInUse,
} from './seats.testing';

describe('SeatsService (checkout, heartbeat, release, borrow) and SessionsService', () => {
  let app: INestApplicationContext;
  let seats: SeatsService;
  let sessions: SessionsService;
  let prisma: PrismaService;

  beforeAll(async () => {
    app = await createSeatsContext();
    seats = app.get(SeatsService);
    sessions = app.get(SessionsService);
    prisma = app.get(PrismaService);
  });
  afterAll(() => app.close());

  const checkout = (f: SeatFixture, fingerprint: string, extra: { borrowUntil?: Date; clientName?: string } = {}) =>
    asSeatVendor(app, f, () =>
      seats.checkout({ containerId: f.containerId, license: { licenseId: f.licenseId }, fingerprint, ...extra }),
    );
  const heartbeat = (f: SeatFixture, leaseId: string) =>
    asSeatVendor(app, f, () => seats.heartbeat(f.containerId, leaseId));
  const release = (f: SeatFixture, leaseId: string) =>
    asSeatVendor(app, f, () => seats.release(f.containerId, leaseId));
  const days = (n: number) => new Date(Date.now() + n * 86_400_000);
  const lease = (id: string) => prisma.seatLease.findFirstOrThrow({ where: { id } });
  const events = (aggregateId: string) =>
    prisma.domainEvent
      .findMany({ where: { aggregateId }, orderBy: { id: 'asc' } })
      .then((rows) => rows.map((r) => r.type));

  describe('checkout', () => {
    it('returns a lease id, its expiry (now + lease TTL) and the heartbeat interval, and records the lease', async () => {
      const f = await insertSeatLicense(app, { quantity: 2, leaseTtlSeconds: 600, heartbeatIntervalSeconds: 60 });
      const before = Date.now();
      const l = await checkout(f, 'fp-1', { clientName: 'ws-01' });
      expect(l).toMatchObject({
        licenseId: f.licenseId,
        containerId: f.containerId,
        heartbeatIntervalSeconds: 60,
        leaseTtlSeconds: 600,
        borrowUntil: null,
      });
      expect(l.expiresAt.getTime()).toBeGreaterThanOrEqual(before + 600_000 - 2_000);
      expect(l.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 600_000 + 2_000);
      expect(await lease(l.leaseId)).toMatchObject({
        fingerprint: 'fp-1',
        clientName: 'ws-01',
        endedAt: null,
        slot: l.slot,
      });
      expect(await events(l.leaseId)).toEqual(['seat.checked_out']);
      expect(await seatsInUse(app, f.licenseId)).toBe(1);
    });

    it('finds the license by product code', async () => {
      const f = await insertSeatLicense(app, { quantity: 1 });
      const l = await asSeatVendor(app, f, () =>
        seats.checkout({ containerId: f.containerId, license: { productCode: f.productCode }, fingerprint: 'x' }),
      );
      expect(l.licenseId).toBe(f.licenseId);
      await expect(
        asSeatVendor(app, f, () =>
          seats.checkout({ containerId: f.containerId, license: { productCode: 'no-such-product' }, fingerprint: 'x' }),
        ),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    it('gives the same device its live lease back instead of a second seat', async () => {
      const f = await insertSeatLicense(app, { quantity: 2 });
      const first = await checkout(f, 'same');
      const again = await checkout(f, 'same');
      expect(again.leaseId).toBe(first.leaseId);
      expect(again.expiresAt.getTime()).toBeGreaterThanOrEqual(first.expiresAt.getTime());
      expect(await seatsInUse(app, f.licenseId)).toBe(1);
      // Concurrent re-checkouts of one device still hold one seat.
      const racing = await Promise.all(Array.from({ length: 10 }, () => checkout(f, 'other')));
      expect(new Set(racing.map((r) => r.leaseId)).size).toBe(1);
      expect(await seatsInUse(app, f.licenseId)).toBe(2);
    });

    it('refuses when full with NO_SEAT_AVAILABLE, a retryAfter from the soonest expiry and the count in use, and counts the denial', async () => {
      const f = await insertSeatLicense(app, { quantity: 2, leaseTtlSeconds: 3600 });
      const a = await checkout(f, 'a');
      await checkout(f, 'b');
      await prisma.$executeRaw`UPDATE seat_slots SET "expiresAt" = now() + interval '100 seconds' WHERE "leaseId" = ${a.leaseId}::uuid`;
      const error = await checkout(f, 'c').catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'NO_SEAT_AVAILABLE', status: 409 });
      const details = (error as { details: Record<string, unknown> }).details;
      expect(details).toMatchObject({ quantity: 2, inUse: 2 });
      // min(soonest expiry ≈ 100 s, 3600 s / 2 in use) → about 100 s.
      expect(details['retryAfter']).toBeGreaterThanOrEqual(98);
      expect(details['retryAfter']).toBeLessThanOrEqual(101);
      await checkout(f, 'd').catch(() => undefined);
      const usage = await prisma.licenseUsageHour.findMany({ where: { licenseId: f.licenseId } });
      expect(usage.map((u) => u.denials)).toEqual([2]);
    });

    it('no longer counts an expired lease, swept or not: its seat is taken over and the old lease ends as EXPIRED', async () => {
      const f = await insertSeatLicense(app, { quantity: 1 });
      const old = await checkout(f, 'old');
      await expect(checkout(f, 'new')).rejects.toMatchObject({ code: 'NO_SEAT_AVAILABLE' });
      await expireLease(app, old.leaseId);
      expect(await seatsInUse(app, f.licenseId)).toBe(0);
      const fresh = await checkout(f, 'new');
      expect(fresh.slot).toBe(old.slot);
      expect(await lease(old.leaseId)).toMatchObject({ endReason: 'EXPIRED' });
      expect(await events(old.leaseId)).toEqual(['seat.checked_out', 'seat.expired']);
      await expect(heartbeat(f, old.leaseId)).rejects.toMatchObject({ code: 'LEASE_EXPIRED' });
    });

    it('refuses licenses that are suspended, revoked, expired or not yet valid, each with its code', async () => {
      const cases = [
        [{ status: 'SUSPENDED' as const }, 'LICENSE_SUSPENDED'],
        [{ status: 'REVOKED' as const }, 'LICENSE_REVOKED'],
        [{ expiresAt: new Date(Date.now() - 1000) }, 'LICENSE_EXPIRED'],
        [{ validFrom: days(1) }, 'LICENSE_NOT_YET_VALID'],
      ] as const;
      for (const [options, code] of cases) {
        const f = await insertSeatLicense(app, { quantity: 1, ...options });
        await expect(checkout(f, 'fp')).rejects.toMatchObject({ code });
        expect(await seatsInUse(app, f.licenseId)).toBe(0);
      }
    });

    it("caps a lease at the license's expiry", async () => {
      const expiresAt = new Date(Date.now() + 120_000);
      const f = await insertSeatLicense(app, { quantity: 1, leaseTtlSeconds: 3600, expiresAt });
      const l = await checkout(f, 'fp');
      expect(l.expiresAt.getTime()).toBe(expiresAt.getTime());
    });

    it('runs a PERSONAL container only on activated devices, quantity of them at a time', async () => {
      const f = await insertSeatLicense(app, { kind: 'PERSONAL', quantity: 1 });
      await expect(checkout(f, 'unknown-device')).rejects.toMatchObject({ code: 'DEVICE_NOT_ACTIVATED' });
      const laptop = await insertDevice(app, f, 'laptop');
      await insertDevice(app, f, 'desktop');
      const l = await checkout(f, 'laptop');
      expect(await lease(l.leaseId)).toMatchObject({ deviceId: laptop, userId: f.userId });
      await expect(checkout(f, 'desktop')).rejects.toMatchObject({ code: 'NO_SEAT_AVAILABLE' });
      await release(f, l.leaseId);
      await checkout(f, 'desktop');
    });

    it("cannot reach another vendor's or another container's license", async () => {
      const f = await insertSeatLicense(app, { quantity: 1 });
      const g = await insertSeatLicense(app, { quantity: 1 });
      await expect(
        asSeatVendor(app, g, () =>
          seats.checkout({ containerId: f.containerId, license: { licenseId: f.licenseId }, fingerprint: 'x' }),
        ),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' });
      const sameVendor = await insertSeatLicense(app, { quantity: 1, vendorId: f.vendorId });
      await expect(
        asSeatVendor(app, f, () =>
          seats.checkout({
            containerId: sameVendor.containerId,
            license: { licenseId: f.licenseId },
            fingerprint: 'x',
          }),
        ),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });
  });

  describe('heartbeat and release', () => {
    it('extends a live lease; answers LEASE_EXPIRED once expired and NOT_FOUND for another container', async () => {
      const f = await insertSeatLicense(app, { quantity: 1, leaseTtlSeconds: 600 });
      const l = await checkout(f, 'fp');
      await prisma.$executeRaw`UPDATE seat_slots SET "expiresAt" = now() + interval '5 seconds' WHERE "leaseId" = ${l.leaseId}::uuid`;
      const beat = await heartbeat(f, l.leaseId);
      expect(beat.expiresAt.getTime()).toBeGreaterThan(Date.now() + 590_000);
      const slot = await prisma.seatSlot.findFirstOrThrow({ where: { leaseId: l.leaseId } });
      expect(slot.expiresAt?.getTime()).toBe(beat.expiresAt.getTime());
      expect((await lease(l.leaseId)).expiresAt.getTime()).toBe(beat.expiresAt.getTime());

      const other = await insertSeatLicense(app, { quantity: 1, vendorId: f.vendorId });
      await expect(asSeatVendor(app, f, () => seats.heartbeat(other.containerId, l.leaseId))).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });

      await expireLease(app, l.leaseId);
      await expect(heartbeat(f, l.leaseId)).rejects.toMatchObject({ code: 'LEASE_EXPIRED' });
    });

    it('answers with the license code when the license was suspended under a running lease', async () => {
      const f = await insertSeatLicense(app, { quantity: 1 });
      const l = await checkout(f, 'fp');
      await prisma.license.updateMany({ where: { id: f.licenseId }, data: { status: 'SUSPENDED' } });
      await expect(heartbeat(f, l.leaseId)).rejects.toMatchObject({ code: 'LICENSE_SUSPENDED' });
    });

    it('releases a seat for the next device; a second release answers how it ended; a heartbeat after it LEASE_EXPIRED', async () => {
      const f = await insertSeatLicense(app, { quantity: 1 });
      const l = await checkout(f, 'a');
      const ended = await release(f, l.leaseId);
      expect(ended).toMatchObject({ leaseId: l.leaseId, endReason: 'RELEASED' });
      expect(await seatsInUse(app, f.licenseId)).toBe(0);
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
      const f = await insertSeatLicense(app, {
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
      await expect(asSeatVendor(app, f, () => sessions.stop(l.leaseId))).rejects.toMatchObject({
        code: 'SESSION_BORROWED',
      });
      await expect(checkout(f, 'desk')).rejects.toMatchObject({ code: 'NO_SEAT_AVAILABLE' });
      await expireLease(app, l.leaseId); // borrowUntil reached
      await checkout(f, 'desk');
    });

    it('extends a borrow while online and returns it early with the return key it committed to', async () => {
      const f = await insertSeatLicense(app, { quantity: 1, borrowAllowed: true, maxBorrowDays: 7 });
      const online = await checkout(f, 'laptop');
      const returnKey = randomBytes(32).toString('base64url');
      const hash = createHash('sha256').update(Buffer.from(returnKey, 'base64url')).digest('base64url');
      const borrowed = await asSeatVendor(app, f, () => seats.borrow(f.containerId, online.leaseId, days(2), hash));
      expect(borrowed.leaseId).toBe(online.leaseId);
      const extended = await asSeatVendor(app, f, () => seats.borrow(f.containerId, online.leaseId, days(6)));
      expect(extended.borrowUntil!.getTime()).toBeGreaterThan(days(5.9).getTime());
      await expect(
        asSeatVendor(app, f, () => seats.borrow(f.containerId, online.leaseId, days(8))),
      ).rejects.toMatchObject({ code: 'BORROW_TOO_LONG' });
      await expect(
        asSeatVendor(app, f, () => seats.borrow(f.containerId, online.leaseId, days(1))),
      ).rejects.toMatchObject({ code: 'RETURN_PROOF_INVALID' });
      await expect(asSeatVendor(app, f, () => seats.release(f.containerId, online.leaseId))).rejects.toMatchObject({
        code: 'RETURN_PROOF_INVALID',
      });
      const returned = await asSeatVendor(app, f, () => seats.release(f.containerId, online.leaseId, returnKey));
      expect(returned.endReason).toBe('RETURNED');
      expect(await seatsInUse(app, f.licenseId)).toBe(0);
      expect(await events(online.leaseId)).toEqual([
        'seat.checked_out',
        'seat.borrowed',
        'seat.borrowed',
        'seat.returned',
      ]);
    });

    it('refuses a borrow not allowed, too long or past the license expiry, each with its code', async () => {
      const notAllowed = await insertSeatLicense(app, { quantity: 1, borrowAllowed: false });
      await expect(checkout(notAllowed, 'fp', { borrowUntil: days(1) })).rejects.toMatchObject({
        code: 'BORROW_NOT_ALLOWED',
      });
      const f = await insertSeatLicense(app, {
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
      expect(await seatsInUse(app, f.licenseId)).toBe(0);
    });
  });

  describe('sessions', () => {
    it('lists live sessions with who, device, since, last heartbeat and borrow; never stopped or expired ones', async () => {
      const f = await insertSeatLicense(app, { kind: 'PERSONAL', quantity: 3, borrowAllowed: true });
      for (const fp of ['a', 'b', 'c']) await insertDevice(app, f, fp);
      const a = await checkout(f, 'a', { clientName: 'alice-pc' });
      const b = await checkout(f, 'b', { borrowUntil: days(1) });
      const c = await checkout(f, 'c');
      await expireLease(app, c.leaseId);
      const list = await asSeatVendor(app, f, () => sessions.list({ licenseId: f.licenseId, take: 10 }));
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

      const stopped = await asSeatVendor(app, f, () => sessions.stop(a.leaseId, { licenseId: f.licenseId }));
      expect(stopped.endReason).toBe('STOPPED');
      await expect(heartbeat(f, a.leaseId)).rejects.toMatchObject({ code: 'SESSION_STOPPED' });
      await expect(asSeatVendor(app, f, () => sessions.stop(a.leaseId))).rejects.toMatchObject({
        code: 'SESSION_NOT_ACTIVE',
      });
      expect(
        (await asSeatVendor(app, f, () => sessions.list({ containerId: f.containerId, take: 10 }))).map((s) => s.id),
      ).toEqual([b.leaseId]);
      expect(await seatsInUse(app, f.licenseId)).toBe(1);
      const audit = await prisma.auditEntry.findMany({ where: { entityId: a.leaseId } });
      expect(audit.map((e) => e.action)).toEqual(['session.stopped']);
    });

    it("scopes to a group for the portal: another group's session is not found", async () => {
      const f = await insertSeatLicense(app, { quantity: 1 });
      const g = await insertSeatLicense(app, { quantity: 1, vendorId: f.vendorId });
      const l = await checkout(f, 'fp');
      await expect(
        asSeatVendor(app, f, () => sessions.list({ licenseId: f.licenseId, groupId: g.groupId!, take: 10 })),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(asSeatVendor(app, f, () => sessions.stop(l.leaseId, { groupId: g.groupId! }))).rejects.toMatchObject(
        { code: 'NOT_FOUND' },
      );
      const stranger = await insertSeatLicense(app, { quantity: 1 });
      await expect(asSeatVendor(app, stranger, () => sessions.stop(l.leaseId))).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      expect(await seatsInUse(app, f.licenseId)).toBe(1);
      await asSeatVendor(app, f, () => sessions.stop(l.leaseId, { groupId: f.groupId! }));
      expect(await seatsInUse(app, f.licenseId)).toBe(0);
    });

    it('ends every lease of a removed user (USER_REMOVED), borrowed ones too, and only theirs; idempotent', async () => {
      const f = await insertSeatLicense(app, { kind: 'PERSONAL', quantity: 2, borrowAllowed: true });
      await insertDevice(app, f, 'a');
      await insertDevice(app, f, 'b');
      const a = await checkout(f, 'a');
      const b = await checkout(f, 'b', { borrowUntil: days(2) });
      const bystander = await insertSeatLicense(app, { kind: 'PERSONAL', quantity: 1, vendorId: f.vendorId });
      await insertDevice(app, bystander, 'z');
      const z = await checkout(bystander, 'z');

      expect(await asSeatVendor(app, f, () => sessions.endLeasesOfUser(f.userId!))).toEqual({ ended: 2 });
      expect(await seatsInUse(app, f.licenseId)).toBe(0);
      expect((await lease(a.leaseId)).endReason).toBe('USER_REMOVED');
      expect((await lease(b.leaseId)).endReason).toBe('USER_REMOVED');
      await expect(heartbeat(f, a.leaseId)).rejects.toMatchObject({
        code: 'SESSION_STOPPED',
        details: { endReason: 'USER_REMOVED' },
      });
      expect((await lease(z.leaseId)).endedAt).toBeNull();
      expect(await asSeatVendor(app, f, () => sessions.endLeasesOfUser(f.userId!))).toEqual({ ended: 0 });
    });
  });

  describe('expiry sweep', () => {
    it('records the end of expired leases once and frees their slots; live and borrowed leases stay', async () => {
      const f = await insertSeatLicense(app, { quantity: 4, borrowAllowed: true });
      const [a, b, c] = [
        await checkout(f, 'a'),
        await checkout(f, 'b'),
        await checkout(f, 'c', { borrowUntil: days(1) }),
      ];
      await expireLease(app, a.leaseId, 30);
      await expireLease(app, b.leaseId, 5);
      const sweeper = app.get(LeaseSweeperService);
      expect(await sweeper.sweepExpired()).toBeGreaterThanOrEqual(2);
      for (const id of [a.leaseId, b.leaseId]) {
        const row = await lease(id);
        expect(row.endReason).toBe('EXPIRED');
        expect(row.endedAt?.getTime()).toBe(row.expiresAt.getTime());
        expect(await events(id)).toEqual(['seat.checked_out', 'seat.expired']);
      }
      expect((await lease(c.leaseId)).endedAt).toBeNull();
      expect(await prisma.seatSlot.count({ where: { licenseId: f.licenseId, leaseId: { not: null } } })).toBe(1);
      expect(await sweeper.sweepExpired()).toBe(0);
      expect(await events(a.leaseId)).toEqual(['seat.checked_out', 'seat.expired']);
    });
  });

  describe('usage history', () => {
    it('gives per-hour peak seats, seat-hours and denials as a gap-free series', async () => {
      const f = await insertSeatLicense(app, { quantity: 3 });
      const h = (hours: number) => new Date(Date.UTC(2026, 0, 10, 0, 0) + hours * 3_600_000);
      const base = { vendorId: f.vendorId, licenseId: f.licenseId, containerId: f.containerId, fingerprint: 'x' };
      // 00:00–02:00 one seat; 00:30–01:30 a second; 01:15–01:45 a third (3 at once at 01:15–01:30).
      await prisma.seatLease.createMany({
        data: [
          { ...base, slot: 0, startedAt: h(0), expiresAt: h(2), endedAt: h(2), endReason: 'RELEASED' },
          { ...base, slot: 1, startedAt: h(0.5), expiresAt: h(1.5), endedAt: h(1.5), endReason: 'EXPIRED' },
          { ...base, slot: 2, startedAt: h(1.25), expiresAt: h(1.75), endedAt: h(1.75), endReason: 'STOPPED' },
          // A lease that ended before the range and one that starts after it.
          { ...base, slot: 2, startedAt: h(-5), expiresAt: h(-4), endedAt: h(-4), endReason: 'RELEASED' },
        ],
      });
      await prisma.licenseUsageHour.create({
        data: { vendorId: f.vendorId, licenseId: f.licenseId, hour: h(1), denials: 4 },
      });
      const usage = app.get(UsageService);
      const hourly = await asSeatVendor(app, f, () =>
        usage.history({ licenseId: f.licenseId, from: h(0), to: h(3), granularity: 'hour' }),
      );
      expect(hourly.series.map((p) => [p.start.toISOString(), p.peakSeats, p.seatHours, p.denials])).toEqual([
        [h(0).toISOString(), 2, 1.5, 0],
        [h(1).toISOString(), 3, 1 + 0.5 + 0.5, 4],
        [h(2).toISOString(), 0, 0, 0],
      ]);
      expect(hourly.totals).toEqual({ peakSeats: 3, seatHours: 3.5, sessionsStarted: 3, denials: 4 });
      const daily = await asSeatVendor(app, f, () =>
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
        asSeatVendor(app, f, () =>
          usage.history({ licenseId: f.licenseId, from: h(3), to: h(0), granularity: 'hour' }),
        ),
      ).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
      });
      const stranger = await insertSeatLicense(app, { quantity: 1 });
      await expect(
        asSeatVendor(app, stranger, () =>
          usage.history({ licenseId: f.licenseId, from: h(0), to: h(3), granularity: 'hour' }),
        ),
      ).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
    });
  });
});
