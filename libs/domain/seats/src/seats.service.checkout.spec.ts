import { asSeatVendor, expireLease, insertDevice, insertSeatLicense, seatsInUse } from './seats.testing';
import { days, useSeatsService } from './seats.service.fixture';

// What a checkout grants and what it refuses: one seat a device however often it asks, a seat
// freed by an expired lease, the license's state and expiry, a PERSONAL container's devices, and
// nothing across vendors or containers.

describe('SeatCheckoutService (checkout), SeatsService (heartbeat, release, borrow) and SessionsService', () => {
  const ctx = useSeatsService();
  const { checkout, heartbeat, release, lease, events } = ctx;

  describe('checkout', () => {
    it('returns a lease id, its expiry (now + lease TTL) and the heartbeat interval, and records the lease', async () => {
      const f = await insertSeatLicense(ctx.app, { quantity: 2, leaseTtlSeconds: 600, heartbeatIntervalSeconds: 60 });
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
      expect(await seatsInUse(ctx.app, f.licenseId)).toBe(1);
    });

    it('finds the license by product code', async () => {
      const f = await insertSeatLicense(ctx.app, { quantity: 1 });
      const l = await asSeatVendor(ctx.app, f, () =>
        ctx.checkouts.checkout({
          containerId: f.containerId,
          license: { productCode: f.productCode },
          fingerprint: 'x',
        }),
      );
      expect(l.licenseId).toBe(f.licenseId);
      await expect(
        asSeatVendor(ctx.app, f, () =>
          ctx.checkouts.checkout({
            containerId: f.containerId,
            license: { productCode: 'no-such-product' },
            fingerprint: 'x',
          }),
        ),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    it('gives the same device its live lease back instead of a second seat', async () => {
      const f = await insertSeatLicense(ctx.app, { quantity: 2 });
      const first = await checkout(f, 'same');
      const again = await checkout(f, 'same');
      expect(again.leaseId).toBe(first.leaseId);
      expect(again.expiresAt.getTime()).toBeGreaterThanOrEqual(first.expiresAt.getTime());
      expect(await seatsInUse(ctx.app, f.licenseId)).toBe(1);
      // Concurrent re-checkouts of one device still hold one seat.
      const racing = await Promise.all(Array.from({ length: 10 }, () => checkout(f, 'other')));
      expect(new Set(racing.map((r) => r.leaseId)).size).toBe(1);
      expect(await seatsInUse(ctx.app, f.licenseId)).toBe(2);
    });

    it('refuses when full with NO_SEAT_AVAILABLE, a retryAfter from the soonest expiry and the count in use, and counts the denial', async () => {
      const f = await insertSeatLicense(ctx.app, { quantity: 2, leaseTtlSeconds: 3600 });
      const a = await checkout(f, 'a');
      await checkout(f, 'b');
      await ctx.prisma
        .$executeRaw`UPDATE seat_slots SET "expiresAt" = now() + interval '100 seconds' WHERE "leaseId" = ${a.leaseId}::uuid`;
      const error = await checkout(f, 'c').catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'NO_SEAT_AVAILABLE', status: 409 });
      const details = (error as { details: Record<string, unknown> }).details;
      expect(details).toMatchObject({ quantity: 2, inUse: 2 });
      // min(soonest expiry ≈ 100 s, 3600 s / 2 in use) → about 100 s.
      expect(details['retryAfter']).toBeGreaterThanOrEqual(98);
      expect(details['retryAfter']).toBeLessThanOrEqual(101);
      await checkout(f, 'd').catch(() => undefined);
      const usage = await ctx.prisma.licenseUsageHour.findMany({ where: { licenseId: f.licenseId } });
      expect(usage.map((u) => u.denials)).toEqual([2]);
    });

    it('no longer counts an expired lease, swept or not: its seat is taken over and the old lease ends as EXPIRED', async () => {
      const f = await insertSeatLicense(ctx.app, { quantity: 1 });
      const old = await checkout(f, 'old');
      await expect(checkout(f, 'new')).rejects.toMatchObject({ code: 'NO_SEAT_AVAILABLE' });
      await expireLease(ctx.app, old.leaseId);
      expect(await seatsInUse(ctx.app, f.licenseId)).toBe(0);
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
        const f = await insertSeatLicense(ctx.app, { quantity: 1, ...options });
        await expect(checkout(f, 'fp')).rejects.toMatchObject({ code });
        expect(await seatsInUse(ctx.app, f.licenseId)).toBe(0);
      }
    });

    it("caps a lease at the license's expiry", async () => {
      const expiresAt = new Date(Date.now() + 120_000);
      const f = await insertSeatLicense(ctx.app, { quantity: 1, leaseTtlSeconds: 3600, expiresAt });
      const l = await checkout(f, 'fp');
      expect(l.expiresAt.getTime()).toBe(expiresAt.getTime());
    });

    it('runs a PERSONAL container only on activated devices, quantity of them at a time', async () => {
      const f = await insertSeatLicense(ctx.app, { kind: 'PERSONAL', quantity: 1 });
      await expect(checkout(f, 'unknown-device')).rejects.toMatchObject({ code: 'DEVICE_NOT_ACTIVATED' });
      const laptop = await insertDevice(ctx.app, f, 'laptop');
      await insertDevice(ctx.app, f, 'desktop');
      const l = await checkout(f, 'laptop');
      expect(await lease(l.leaseId)).toMatchObject({ deviceId: laptop, userId: f.userId });
      await expect(checkout(f, 'desktop')).rejects.toMatchObject({ code: 'NO_SEAT_AVAILABLE' });
      await release(f, l.leaseId);
      await checkout(f, 'desktop');
    });

    it("cannot reach another vendor's or another container's license", async () => {
      const f = await insertSeatLicense(ctx.app, { quantity: 1 });
      const g = await insertSeatLicense(ctx.app, { quantity: 1 });
      await expect(
        asSeatVendor(ctx.app, g, () =>
          ctx.checkouts.checkout({ containerId: f.containerId, license: { licenseId: f.licenseId }, fingerprint: 'x' }),
        ),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' });
      const sameVendor = await insertSeatLicense(ctx.app, { quantity: 1, vendorId: f.vendorId });
      await expect(
        asSeatVendor(ctx.app, f, () =>
          ctx.checkouts.checkout({
            containerId: sameVendor.containerId,
            license: { licenseId: f.licenseId },
            fingerprint: 'x',
          }),
        ),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });
  });
});
