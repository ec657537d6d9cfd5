// The recorded lease history never shows more seats than the license has.
// Many devices check out and release as fast as they can on a small license through two
// independent Nest instances (two pools, as two replicas); afterwards the whole history is swept:
// per slot, no lease may start before the previous one ended, and the usage API's peak (and a
// sweep over all start/end instants) stays at or below the quantity.
import type { INestApplicationContext } from '@nestjs/common';
import { PrismaService } from '@leasehold/db';
import { DomainError } from '@leasehold/errors';
import { SeatCheckoutService } from './seat-checkout.service';
import { SeatsService } from './seats.service';
import { UsageService } from './usage.service';
import { asSeatVendor, insertSeatLicense, SeatFixture, useSeatReplicas } from './seats.testing';

describe('lease history under racing checkouts and releases (two instances)', () => {
  const replicas = useSeatReplicas();

  /** One simulated device: check out, hold briefly, release; again until `rounds` are done. */
  async function device(
    f: SeatFixture,
    app: INestApplicationContext,
    fingerprint: string,
    rounds: number,
  ): Promise<number> {
    let held = 0;
    for (let i = 0; i < rounds; i++) {
      try {
        const lease = await asSeatVendor(app, f, () =>
          app
            .get(SeatCheckoutService)
            .checkout({ containerId: f.containerId, license: { licenseId: f.licenseId }, fingerprint }),
        );
        held++;
        await asSeatVendor(app, f, () => app.get(SeatsService).release(f.containerId, lease.leaseId));
      } catch (error) {
        if (!(error instanceof DomainError && error.code === 'NO_SEAT_AVAILABLE')) throw error;
      }
    }
    return held;
  }

  it.each([3, 5])(
    'quantity %i: no two leases of one slot overlap, and the peak of the history is at most the quantity',
    async (quantity) => {
      const app = replicas[0];
      const f = await insertSeatLicense(app, { quantity });
      const from = new Date(Date.now() - 60_000);
      const held = await Promise.all(Array.from({ length: 24 }, (_, i) => device(f, replicas[i % 2], `dev-${i}`, 20)));
      expect(held.reduce((a, b) => a + b, 0)).toBeGreaterThan(quantity * 5); // the seats really changed hands

      const prisma = app.get(PrismaService);
      const overlaps = await prisma.$queryRaw<{ a: string; b: string }[]>`
      SELECT x.id AS a, y.id AS b FROM seat_leases x JOIN seat_leases y
        ON y."licenseId" = x."licenseId" AND y.slot = x.slot AND y.id <> x.id
       WHERE x."licenseId" = ${f.licenseId}::uuid AND x."startedAt" < COALESCE(x."endedAt", x."expiresAt")
         AND y."startedAt" < COALESCE(y."endedAt", y."expiresAt")
         AND y."startedAt" >= x."startedAt" AND y."startedAt" < COALESCE(x."endedAt", x."expiresAt")`;
      expect(overlaps).toEqual([]);

      // Sweep every start (+1) and end (-1) instant, ends first at the same instant.
      const leases = await prisma.seatLease.findMany({
        where: { licenseId: f.licenseId },
        select: { startedAt: true, endedAt: true, expiresAt: true },
      });
      // (A lease that started and ended within one millisecond has no extent and is skipped, as the usage API does.)
      const events = leases
        .filter((l) => (l.endedAt ?? l.expiresAt) > l.startedAt)
        .flatMap((l) => [
          { t: l.startedAt.getTime(), d: 1 },
          { t: (l.endedAt ?? l.expiresAt).getTime(), d: -1 },
        ]);
      events.sort((a, b) => a.t - b.t || a.d - b.d);
      let level = 0;
      let peak = 0;
      for (const e of events) peak = Math.max(peak, (level += e.d));
      expect(peak).toBeLessThanOrEqual(quantity);

      const usage = await asSeatVendor(app, f, () =>
        app
          .get(UsageService)
          .history({ licenseId: f.licenseId, from, to: new Date(Date.now() + 60_000), granularity: 'hour' }),
      );
      expect(usage.totals.peakSeats).toBeLessThanOrEqual(quantity);
      expect(usage.totals.peakSeats).toBeGreaterThan(0);
    },
    180_000,
  );
});
