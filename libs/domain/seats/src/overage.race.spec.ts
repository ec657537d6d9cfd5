// Overage under concurrency: two Nest instances on one database. The capacity (quantity +
// allowance) holds exactly, exactly the checkouts above the quantity are marked overage, and each
// overage episode writes license.overage_started and license.overage_ended exactly once.
import { PrismaService } from '@leasehold/db';
import { DomainError } from '@leasehold/errors';
import { OverageAllowanceService } from './overage-allowance.service';
import { SeatCheckoutService } from './seat-checkout.service';
import { SeatsService } from './seats.service';
import { SessionsService } from './sessions.service';
import {
  asSeatVendor,
  insertSeatLicense,
  expireLease,
  SeatFixture,
  seatsInUse,
  useSeatReplicas,
} from './seats.testing';
import { LeaseSweeperService } from './lease-sweeper.service';
import { LeaseView } from './seats.types';

describe('overage allowance (two instances, one database)', () => {
  const replicas = useSeatReplicas();

  async function wave(f: SeatFixture, n: number, prefix: string): Promise<LeaseView[]> {
    const results = await Promise.allSettled(
      Array.from({ length: n }, (_, i) => {
        const r = replicas[i % 2];
        return asSeatVendor(r, f, () =>
          r.get(SeatCheckoutService).checkout({
            containerId: f.containerId,
            license: { licenseId: f.licenseId },
            fingerprint: `${prefix}-${i}`,
          }),
        );
      }),
    );
    const refused = results.flatMap((r) =>
      r.status === 'rejected' ? [r.reason instanceof DomainError ? r.reason.code : String(r.reason)] : [],
    );
    expect(refused.filter((c) => c !== 'NO_SEAT_AVAILABLE')).toEqual([]);
    return results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  }
  const events = (f: SeatFixture, type: string) =>
    replicas[0]
      .get(PrismaService)
      .domainEvent.findMany({ where: { aggregateId: f.licenseId, type }, orderBy: { id: 'asc' } });

  it('attack: without an allowance nothing goes above the quantity and nothing is marked overage', async () => {
    const f = await insertSeatLicense(replicas[0], { quantity: 3 });
    const granted = await wave(f, 60, 'plain');
    expect(granted).toHaveLength(3);
    expect(granted.every((l) => !l.overage)).toBe(true);
    expect(await events(f, 'license.overage_started')).toHaveLength(0);
    expect(
      await replicas[0].get(PrismaService).licenseOverageEpisode.count({ where: { licenseId: f.licenseId } }),
    ).toBe(0);
  });

  it('120 racing checkouts on 10 seats + 5 extra: exactly 15 run, exactly 5 marked overage, one started/ended per episode', async () => {
    const f = await insertSeatLicense(replicas[0], { quantity: 10 });
    await asSeatVendor(replicas[0], f, () =>
      replicas[0].get(OverageAllowanceService).set(f.licenseId, { extraSeats: 5 }),
    );
    for (let episode = 1; episode <= 2; episode++) {
      const granted = await wave(f, 120, `e${episode}`);
      expect(granted).toHaveLength(15);
      expect(granted.filter((l) => l.overage)).toHaveLength(5);
      expect(await seatsInUse(replicas[0], f.licenseId)).toBe(15);
      expect(await events(f, 'license.overage_started')).toHaveLength(episode);
      const [open] = await replicas[0]
        .get(PrismaService)
        .licenseOverageEpisode.findMany({ where: { licenseId: f.licenseId, endedAt: null } });
      expect(open.peakSeats).toBe(15);
      // Releases and stops racing on both instances: the episode ends exactly once.
      await Promise.all(
        granted.map((l, i) =>
          asSeatVendor(replicas[i % 2], f, () =>
            i % 3 === 0
              ? replicas[i % 2].get(SessionsService).stop(l.leaseId)
              : replicas[i % 2].get(SeatsService).release(f.containerId, l.leaseId),
          ),
        ),
      );
      const ended = await events(f, 'license.overage_ended');
      expect(ended).toHaveLength(episode);
      expect(ended[episode - 1].payload).toMatchObject({ licenseId: f.licenseId, quantity: 10, peakSeats: 15 });
    }
    expect(
      await replicas[0]
        .get(PrismaService)
        .licenseOverageEpisode.count({ where: { licenseId: f.licenseId, endedAt: null } }),
    ).toBe(0);
  }, 180_000);

  it('a factor: 1.5 × 4 = 6 seats; an episode ended by expiry ends at the sweep', async () => {
    const f = await insertSeatLicense(replicas[0], { quantity: 4 });
    const view = await asSeatVendor(replicas[0], f, () =>
      replicas[0].get(OverageAllowanceService).set(f.licenseId, { factor: 1.5 }),
    );
    expect(view).toMatchObject({ quantity: 4, capacity: 6, allowance: { factor: 1.5 }, overageSince: null });
    const granted = await wave(f, 40, 'f');
    expect(granted).toHaveLength(6);
    for (const l of granted.filter((x) => x.overage)) await expireLease(replicas[0], l.leaseId);
    expect(await events(f, 'license.overage_ended')).toHaveLength(0);
    await Promise.all(replicas.map((r) => r.get(LeaseSweeperService).sweepExpired()));
    expect(await events(f, 'license.overage_ended')).toHaveLength(1);
    // Removing the allowance keeps running sessions and hands out nothing above the quantity.
    const removed = await asSeatVendor(replicas[0], f, () =>
      replicas[0].get(OverageAllowanceService).set(f.licenseId, null),
    );
    expect(removed).toMatchObject({ capacity: 4, allowance: null, inUse: 4 });
    expect(await wave(f, 10, 'after')).toHaveLength(0);
  });
});
