import { LEASE_JOBS } from '@leasehold/queues';
import { insertLicense, useLeasesWorker } from './leases.fixture';

// The leases queue on a real BullMQ worker, Redis and Postgres: the sweep records expired leases
// once, frees their slots, leaves live and borrowed ones alone, and is registered as a schedule.

describe('leases jobs (worker on real Redis and Postgres)', () => {
  const worker = useLeasesWorker();

  /** A license of `quantity` seats with one lease per entry of `leases` (seconds until expiry; negative = expired). */
  async function licenseWithLeases(
    leases: { expiresIn: number; borrowed?: boolean; userId?: string }[],
    kind: 'ENTERPRISE' | 'PERSONAL' = 'ENTERPRISE',
  ) {
    const { vendorId, containerId, licenseId, userId } = await insertLicense(worker.prisma, {
      label: 'lease',
      kind,
      license: { quantity: leases.length, borrowAllowed: true },
    });
    const ids: string[] = [];
    for (const [slot, l] of leases.entries()) {
      const expiresAt = new Date(Date.now() + l.expiresIn * 1000);
      const lease = await worker.prisma.seatLease.create({
        data: {
          vendorId,
          licenseId,
          containerId,
          slot,
          fingerprint: `fp-${slot}`,
          expiresAt,
          borrowUntil: l.borrowed ? expiresAt : null,
          userId,
        },
      });
      await worker.prisma.seatSlot.create({ data: { vendorId, licenseId, slot, leaseId: lease.id, expiresAt } });
      ids.push(lease.id);
    }
    return { vendorId, licenseId, userId, ids };
  }

  async function runSweep(): Promise<{ ended: number }> {
    const job = await worker.queue.add(LEASE_JOBS.sweepExpired, {});
    return (await job.waitUntilFinished(worker.queueEvents, 20_000)) as { ended: number };
  }

  it('registers the periodic sweep and usage aggregation', async () => {
    const schedulers = await worker.queue.getJobSchedulers();
    expect(schedulers.map((s) => s.key)).toEqual(
      expect.arrayContaining([LEASE_JOBS.sweepExpired, LEASE_JOBS.aggregateUsage]),
    );
  });

  it('ends expired leases once (EXPIRED at their expiry), frees their slots and keeps live and borrowed ones', async () => {
    const { licenseId, ids } = await licenseWithLeases([
      { expiresIn: -60 },
      { expiresIn: -1 },
      { expiresIn: 600 },
      { expiresIn: 86_400, borrowed: true },
    ]);
    const first = await runSweep();
    expect(first.ended).toBeGreaterThanOrEqual(2);
    const leases = await worker.prisma.seatLease.findMany({ where: { licenseId }, orderBy: { slot: 'asc' } });
    expect(leases.map((l) => l.endReason)).toEqual(['EXPIRED', 'EXPIRED', null, null]);
    expect(leases[0].endedAt?.getTime()).toBe(leases[0].expiresAt.getTime());
    const slots = await worker.prisma.seatSlot.findMany({ where: { licenseId }, orderBy: { slot: 'asc' } });
    expect(slots.map((s) => s.leaseId)).toEqual([null, null, ids[2], ids[3]]);
    const events = await worker.prisma.domainEvent.findMany({ where: { aggregateId: { in: ids } } });
    expect(events.map((e) => [e.type, e.aggregateId]).sort()).toEqual([
      ['seat.expired', ids[0]],
      ['seat.expired', ids[1]],
    ]);

    // Run again, and twice at once: nothing more happens.
    const again = await Promise.all([runSweep(), runSweep()]);
    expect(again.map((r) => r.ended)).toEqual([0, 0]);
    expect(await worker.prisma.domainEvent.count({ where: { aggregateId: { in: ids } } })).toBe(2);
  });

  it('ends the leases of a removed user when the relay publishes the user.removed event (twice: once in effect)', async () => {
    const { vendorId, licenseId, userId, ids } = await licenseWithLeases(
      [{ expiresIn: 600 }, { expiresIn: 86_400, borrowed: true }],
      'PERSONAL',
    );
    // Written as UsersService.removeFromGroup writes it; a second copy stands for a redelivery.
    for (let i = 0; i < 2; i++) {
      await worker.prisma.domainEvent.create({
        data: {
          vendorId,
          type: 'user.removed',
          aggregateType: 'user',
          aggregateId: userId!,
          payload: { userId, groupId: null },
        },
      });
    }
    const deadline = Date.now() + 15_000;
    while (
      (await worker.prisma.domainEvent.count({ where: { aggregateId: userId!, publishedAt: null } })) > 0 &&
      Date.now() < deadline
    )
      await new Promise((r) => setTimeout(r, 100));
    expect(await worker.prisma.domainEvent.count({ where: { aggregateId: userId!, publishedAt: null } })).toBe(0);
    const leases = await worker.prisma.seatLease.findMany({ where: { id: { in: ids } } });
    expect(leases.map((l) => l.endReason)).toEqual(['USER_REMOVED', 'USER_REMOVED']);
    expect(await worker.prisma.seatSlot.count({ where: { licenseId, leaseId: { not: null } } })).toBe(0);
    expect(await worker.prisma.domainEvent.count({ where: { aggregateId: { in: ids }, type: 'seat.stopped' } })).toBe(
      2,
    );
  });
});
