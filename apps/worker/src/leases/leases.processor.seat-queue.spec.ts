import { TenantContext } from '@leasehold/db';
import { SeatCheckoutService, SeatQueueService, SeatsService } from '@leasehold/domain-seats';
import { LEASE_JOBS } from '@leasehold/queues';
import { insertLicense, useLeasesWorker } from './leases.fixture';

// The seat wait queue's reactions in the running worker (the leases queue on a real BullMQ worker,
// Redis and Postgres): a release is relayed, the relay's grant pass holds the seat for the first
// ticket, the grant is relayed as a wake-up, and the program waiting on its ticket (the long-poll's
// own code) learns it; a hold not claimed in its window lapses in the sweep job and the seat passes on.

describe('leases jobs (worker on real Redis and Postgres)', () => {
  const worker = useLeasesWorker();

  async function oneSeatLicense() {
    const { vendorId, containerId, licenseId } = await insertLicense(worker.prisma, {
      label: 'queue',
      license: { quantity: 1 },
    });
    await worker.prisma.seatSlot.create({ data: { vendorId, licenseId, slot: 0 } });
    const as = <T>(fn: () => Promise<T>) => worker.app.get(TenantContext).run(vendorId, fn);
    const ref = { containerId, license: { licenseId } };
    return { vendorId, containerId, licenseId, as, ref };
  }

  async function until(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await check()).toBe(true);
  }

  it('registers the periodic queue sweep', async () => {
    const schedulers = await worker.queue.getJobSchedulers();
    expect(schedulers.map((s) => s.key)).toContain(LEASE_JOBS.sweepSeatQueues);
  });

  it('a release → relay → the seat held for the first ticket → wake-up → its waiting long-poll answers HELD; the second keeps waiting', async () => {
    const w = await oneSeatLicense();
    const checkouts = worker.app.get(SeatCheckoutService);
    const seats = worker.app.get(SeatsService);
    const seatQueue = worker.app.get(SeatQueueService);
    const holder = await w.as(() => checkouts.checkout({ ...w.ref, fingerprint: 'holder-fp' }));
    const first = await w.as(() => seatQueue.enqueue({ ...w.ref, fingerprint: 'first-fp' }));
    const next = await w.as(() => seatQueue.enqueue({ ...w.ref, fingerprint: 'next-fp' }));
    expect([first.status, next.status]).toEqual(['WAITING', 'WAITING']);

    const waiting = w.as(() => seatQueue.awaitTurn(w.containerId, first.ticketId, 20));
    await new Promise((r) => setTimeout(r, 300)); // the wait is listening
    const releasedAt = Date.now();
    await w.as(() => seats.release(w.containerId, holder.leaseId));
    const answer = await waiting;
    expect(answer).toMatchObject({ ticketId: first.ticketId, status: 'HELD' });
    expect(Date.now() - releasedAt).toBeLessThan(10_000);

    const granted = await worker.prisma.domainEvent.findMany({
      where: { aggregateId: first.ticketId, type: 'seat.queue_granted' },
    });
    expect(granted).toHaveLength(1);
    expect(granted[0].payload).toMatchObject({
      ticketId: first.ticketId,
      licenseId: w.licenseId,
      containerId: w.containerId,
      slot: 0,
    });
    const stillWaiting = await w.as(() => seatQueue.awaitTurn(w.containerId, next.ticketId, 0));
    expect(stillWaiting).toMatchObject({ status: 'WAITING', position: 1 });
  }, 40_000);

  it('a hold not claimed in its window lapses in the sweep job (seat.queue_lapsed) and the seat passes to the next ticket', async () => {
    const w = await oneSeatLicense();
    const seatQueue = worker.app.get(SeatQueueService);
    const first = await w.as(() => seatQueue.enqueue({ ...w.ref, fingerprint: 'first-fp' }));
    const next = await w.as(() => seatQueue.enqueue({ ...w.ref, fingerprint: 'next-fp' }));
    expect([first.status, next.status]).toEqual(['HELD', 'WAITING']);
    // The claim window runs out (as a minute would).
    await worker.prisma
      .$executeRaw`UPDATE seat_queue_tickets SET "expiresAt" = now() - interval '1 second' WHERE id = ${first.ticketId}::uuid`;
    await worker.prisma
      .$executeRaw`UPDATE seat_slots SET "heldUntil" = now() - interval '1 second' WHERE "heldTicketId" = ${first.ticketId}::uuid`;

    const job = await worker.queue.add(LEASE_JOBS.sweepSeatQueues, {});
    await job.waitUntilFinished(worker.queueEvents, 20_000);
    await until(
      async () =>
        (await worker.prisma.seatQueueTicket.findFirstOrThrow({ where: { id: next.ticketId } })).status === 'HELD',
    );
    expect(await worker.prisma.seatQueueTicket.findFirstOrThrow({ where: { id: first.ticketId } })).toMatchObject({
      status: 'LAPSED',
    });
    expect(
      await worker.prisma.domainEvent.count({ where: { aggregateId: first.ticketId, type: 'seat.queue_lapsed' } }),
    ).toBe(1);
    expect(await worker.prisma.seatSlot.findFirstOrThrow({ where: { licenseId: w.licenseId } })).toMatchObject({
      heldTicketId: next.ticketId,
      leaseId: null,
    });

    // Run again, twice at once: nothing more lapses for this license, nothing is granted twice.
    await Promise.all(
      [0, 1].map(async () =>
        (await worker.queue.add(LEASE_JOBS.sweepSeatQueues, {})).waitUntilFinished(worker.queueEvents, 20_000),
      ),
    );
    const events = await worker.prisma.domainEvent.findMany({
      where: {
        aggregateId: { in: [first.ticketId, next.ticketId] },
        type: { in: ['seat.queue_lapsed', 'seat.queue_granted'] },
      },
    });
    expect(events.map((e) => `${e.type} ${e.aggregateId === first.ticketId ? 'first' : 'next'}`).sort()).toEqual([
      'seat.queue_granted first',
      'seat.queue_granted next',
      'seat.queue_lapsed first',
    ]);
  }, 60_000);
});
