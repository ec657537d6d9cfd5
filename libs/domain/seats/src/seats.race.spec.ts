// Concurrency, not timing: many checkouts at once through two independent Nest instances (two
// connection pools, as two replicas would have) on one database. The seat count must hold exactly.
import { PrismaService } from '@leasehold/db';
import { DomainError } from '@leasehold/errors';
import { SeatCheckoutService } from './seat-checkout.service';
import { SeatsService } from './seats.service';
import { SessionsService } from './sessions.service';
import {
  insertDevice,
  asSeatVendor,
  insertSeatLicense,
  expireLease,
  SeatFixture,
  seatsInUse,
  useSeatReplicas,
} from './seats.testing';

describe('seat races (two instances, one database)', () => {
  const replicas = useSeatReplicas();

  /** `n` checkouts with distinct fingerprints, alternating between the two instances, all at once. */
  async function wave(f: SeatFixture, n: number, prefix: string) {
    const results = await Promise.allSettled(
      Array.from({ length: n }, (_, i) => {
        const app = replicas[i % 2];
        return asSeatVendor(app, f, () =>
          app.get(SeatCheckoutService).checkout({
            containerId: f.containerId,
            license: { licenseId: f.licenseId },
            fingerprint: `${prefix}-${i}`,
          }),
        );
      }),
    );
    const granted = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    return { granted, refused };
  }

  it('500 parallel checkouts on a 10-seat license: exactly 10 succeed, again after release and after expiry', async () => {
    const app = replicas[0];
    const f = await insertSeatLicense(app, { quantity: 10 });

    const first = await wave(f, 500, 'first');
    expect(first.granted).toHaveLength(10);
    expect(new Set(first.granted.map((l) => l.slot)).size).toBe(10);
    expect(
      first.refused
        .filter((e) => !(e instanceof DomainError && e.code === 'NO_SEAT_AVAILABLE'))
        .map(String)
        .slice(0, 3),
    ).toEqual([]);
    expect(await seatsInUse(app, f.licenseId)).toBe(10);
    const denials = await app
      .get(PrismaService)
      .licenseUsageHour.aggregate({ where: { licenseId: f.licenseId }, _sum: { denials: true } });
    expect(denials._sum.denials).toBe(490);

    // Releases (half through each instance): every seat is usable again, and still only 10.
    await Promise.all(
      first.granted.map((l, i) =>
        asSeatVendor(replicas[i % 2], f, () => replicas[i % 2].get(SeatsService).release(f.containerId, l.leaseId)),
      ),
    );
    expect(await seatsInUse(app, f.licenseId)).toBe(0);
    const second = await wave(f, 500, 'second');
    expect(second.granted).toHaveLength(10);

    // Expiry (no sweeper): the expired leases stop counting, and their seats go to new devices.
    for (const l of second.granted) await expireLease(app, l.leaseId);
    expect(await seatsInUse(app, f.licenseId)).toBe(0);
    const third = await wave(f, 500, 'third');
    expect(third.granted).toHaveLength(10);
    expect(await seatsInUse(app, f.licenseId)).toBe(10);
    const unended = await app.get(PrismaService).seatLease.count({ where: { licenseId: f.licenseId, endedAt: null } });
    expect(unended).toBe(10); // every taken-over expired lease was ended as EXPIRED
  }, 180_000);

  it('3 activated devices racing for a quantity-1 personal license: exactly 1 runs, round after round', async () => {
    const app = replicas[0];
    const f = await insertSeatLicense(app, { kind: 'PERSONAL', quantity: 1 });
    const devices = ['laptop', 'desktop', 'tablet'];
    for (const fp of devices) await insertDevice(app, f, fp);
    for (let round = 0; round < 5; round++) {
      const results = await Promise.allSettled(
        devices.flatMap((fp, i) =>
          [0, 1].map((k) => {
            const r = replicas[(i + k) % 2];
            return asSeatVendor(r, f, () =>
              r
                .get(SeatCheckoutService)
                .checkout({ containerId: f.containerId, license: { licenseId: f.licenseId }, fingerprint: fp }),
            );
          }),
        ),
      );
      const granted = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      // The winner's second request gets the same lease back; nobody else runs.
      expect(new Set(granted.map((l) => l.leaseId)).size).toBe(1);
      expect(await seatsInUse(app, f.licenseId)).toBe(1);
      await asSeatVendor(app, f, () => app.get(SeatsService).release(f.containerId, granted[0].leaseId));
    }
  });

  it('stopped sessions and expired leases are never counted while checkouts race with stops', async () => {
    const app = replicas[0];
    const f = await insertSeatLicense(app, { quantity: 5 });
    const held = (await wave(f, 5, 'held')).granted;
    expect(held).toHaveLength(5);
    await expireLease(app, held[0].leaseId);
    const stops = held
      .slice(1, 3)
      .map((l) => asSeatVendor(replicas[1], f, () => replicas[1].get(SessionsService).stop(l.leaseId)));
    const [racing] = await Promise.all([wave(f, 100, 'racer'), ...stops]);
    // One seat from the expiry plus up to two from the stops (a stop may land after the wave).
    expect(racing.granted.length).toBeGreaterThanOrEqual(1);
    expect(racing.granted.length).toBeLessThanOrEqual(3);
    const inUse = await seatsInUse(app, f.licenseId);
    expect(inUse).toBe(2 + racing.granted.length);
    expect(inUse).toBeLessThanOrEqual(5);
    const listed = await asSeatVendor(app, f, () =>
      app.get(SessionsService).list({ licenseId: f.licenseId, take: 100 }),
    );
    expect(listed).toHaveLength(inUse);
    const ids = new Set(listed.map((s) => s.id));
    for (const gone of held.slice(0, 3)) expect(ids.has(gone.leaseId)).toBe(false);
  });
});
