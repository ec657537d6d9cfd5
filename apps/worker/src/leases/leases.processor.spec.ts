import { createHash, randomUUID } from 'node:crypto';
import { getQueueToken } from '@nestjs/bullmq';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Queue, QueueEvents } from 'bullmq';
import { ConfigService } from '@leasehold/config';
import { PrismaService, TenantContext } from '@leasehold/db';
import { SeatQueueService, SeatsService } from '@leasehold/domain-seats';
import { bullConnection, LEASE_JOBS, QUEUES } from '@leasehold/queues';
import { AppModule } from '../app.module';

// The leases queue on a real BullMQ worker, Redis and Postgres: the sweep records expired leases
// once, frees their slots, leaves live and borrowed ones alone, and is registered as a schedule;
// the seat wait queue's grants, wake-ups and lapses.

describe('leases jobs (worker on real Redis and Postgres)', () => {
  let app: INestApplication;
  let prisma: PrismaService;
  let queue: Queue;
  let queueEvents: QueueEvents;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication({ bufferLogs: true });
    await app.init();
    prisma = app.get(PrismaService);
    queue = app.get<Queue>(getQueueToken(QUEUES.leases));
    const config = app.get(ConfigService);
    queueEvents = new QueueEvents(QUEUES.leases, { connection: bullConnection(config.get('REDIS_URL')), prefix: `${config.get('REDIS_PREFIX')}:bull` });
    await queueEvents.waitUntilReady();
  }, 60_000);
  afterAll(async () => {
    await queueEvents?.close();
    await app?.close();
  });

  /** A license of `quantity` seats with one lease per entry of `leases` (seconds until expiry; negative = expired). */
  async function licenseWithLeases(leases: { expiresIn: number; borrowed?: boolean; userId?: string }[], kind: 'ENTERPRISE' | 'PERSONAL' = 'ENTERPRISE') {
    const tag = randomUUID().slice(0, 8);
    const vendor = await prisma.vendor.create({ data: { slug: `lease-${tag}`, name: 'Lease vendor' } });
    const vendorId = vendor.id;
    const product = await prisma.product.create({ data: { vendorId, code: `p-${tag}`, name: 'P' } });
    const user = kind === 'PERSONAL' ? await prisma.user.create({ data: { vendorId, email: `${tag}@example.com`, name: 'U' } }) : null;
    const container = await prisma.container.create({
      data: { vendorId, kind, name: 'C', userId: user?.id ?? null, credentialHash: createHash('sha256').update(tag).digest('hex'), credentialPrefix: tag },
    });
    const license = await prisma.license.create({ data: { vendorId, containerId: container.id, productId: product.id, quantity: leases.length, borrowAllowed: true } });
    const ids: string[] = [];
    for (const [slot, l] of leases.entries()) {
      const expiresAt = new Date(Date.now() + l.expiresIn * 1000);
      const lease = await prisma.seatLease.create({
        data: { vendorId, licenseId: license.id, containerId: container.id, slot, fingerprint: `fp-${slot}`, expiresAt, borrowUntil: l.borrowed ? expiresAt : null, userId: user?.id ?? null },
      });
      await prisma.seatSlot.create({ data: { vendorId, licenseId: license.id, slot, leaseId: lease.id, expiresAt } });
      ids.push(lease.id);
    }
    return { vendorId, licenseId: license.id, userId: user?.id ?? null, ids };
  }

  async function runSweep(): Promise<{ ended: number }> {
    const job = await queue.add(LEASE_JOBS.sweepExpired, {});
    return (await job.waitUntilFinished(queueEvents, 20_000)) as { ended: number };
  }

  it('registers the periodic sweep', async () => {
    const schedulers = await queue.getJobSchedulers();
    expect(schedulers.map((s) => s.key)).toContain(LEASE_JOBS.sweepExpired);
  });

  it('ends expired leases once (EXPIRED at their expiry), frees their slots and keeps live and borrowed ones', async () => {
    const { licenseId, ids } = await licenseWithLeases([{ expiresIn: -60 }, { expiresIn: -1 }, { expiresIn: 600 }, { expiresIn: 86_400, borrowed: true }]);
    const first = await runSweep();
    expect(first.ended).toBeGreaterThanOrEqual(2);
    const leases = await prisma.seatLease.findMany({ where: { licenseId }, orderBy: { slot: 'asc' } });
    expect(leases.map((l) => l.endReason)).toEqual(['EXPIRED', 'EXPIRED', null, null]);
    expect(leases[0].endedAt?.getTime()).toBe(leases[0].expiresAt.getTime());
    const slots = await prisma.seatSlot.findMany({ where: { licenseId }, orderBy: { slot: 'asc' } });
    expect(slots.map((s) => s.leaseId)).toEqual([null, null, ids[2], ids[3]]);
    const events = await prisma.domainEvent.findMany({ where: { aggregateId: { in: ids } } });
    expect(events.map((e) => [e.type, e.aggregateId]).sort()).toEqual([
      ['seat.expired', ids[0]],
      ['seat.expired', ids[1]],
    ]);

    // Run again, and twice at once: nothing more happens.
    const again = await Promise.all([runSweep(), runSweep()]);
    expect(again.map((r) => r.ended)).toEqual([0, 0]);
    expect(await prisma.domainEvent.count({ where: { aggregateId: { in: ids } } })).toBe(2);
  });

  it('ends the leases of a removed user when the relay publishes the user.removed event (twice: once in effect)', async () => {
    const { vendorId, licenseId, userId, ids } = await licenseWithLeases([{ expiresIn: 600 }, { expiresIn: 86_400, borrowed: true }], 'PERSONAL');
    // Written as UsersService.removeFromGroup writes it; a second copy stands for a redelivery.
    for (let i = 0; i < 2; i++) {
      await prisma.domainEvent.create({ data: { vendorId, type: 'user.removed', aggregateType: 'user', aggregateId: userId!, payload: { userId, groupId: null } } });
    }
    const deadline = Date.now() + 15_000;
    while ((await prisma.domainEvent.count({ where: { aggregateId: userId!, publishedAt: null } })) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await prisma.domainEvent.count({ where: { aggregateId: userId!, publishedAt: null } })).toBe(0);
    const leases = await prisma.seatLease.findMany({ where: { id: { in: ids } } });
    expect(leases.map((l) => l.endReason)).toEqual(['USER_REMOVED', 'USER_REMOVED']);
    expect(await prisma.seatSlot.count({ where: { licenseId, leaseId: { not: null } } })).toBe(0);
    expect(await prisma.domainEvent.count({ where: { aggregateId: { in: ids }, type: 'seat.stopped' } })).toBe(2);
  });

  // The seat wait queue's reactions in the running worker: a release is relayed, the relay's grant
  // pass holds the seat for the first ticket, the grant is relayed as a wake-up, and the program
  // waiting on its ticket (the long-poll's own code) learns it; a hold not claimed in its window
  // lapses in the sweep job and the seat passes on.
  async function oneSeatLicense() {
    const tag = randomUUID().slice(0, 8);
    const vendorId = (await prisma.vendor.create({ data: { slug: `queue-${tag}`, name: 'Queue vendor' } })).id;
    const product = await prisma.product.create({ data: { vendorId, code: `p-${tag}`, name: 'P' } });
    const container = await prisma.container.create({
      data: { vendorId, kind: 'ENTERPRISE', name: 'C', credentialHash: createHash('sha256').update(tag).digest('hex'), credentialPrefix: tag },
    });
    const license = await prisma.license.create({ data: { vendorId, containerId: container.id, productId: product.id, quantity: 1 } });
    await prisma.seatSlot.create({ data: { vendorId, licenseId: license.id, slot: 0 } });
    const as = <T>(fn: () => Promise<T>) => app.get(TenantContext).run(vendorId, fn);
    const ref = { containerId: container.id, license: { licenseId: license.id } };
    return { vendorId, containerId: container.id, licenseId: license.id, as, ref };
  }

  async function until(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await check()).toBe(true);
  }

  it('registers the periodic queue sweep', async () => {
    const schedulers = await queue.getJobSchedulers();
    expect(schedulers.map((s) => s.key)).toContain(LEASE_JOBS.sweepSeatQueues);
  });

  it('a release → relay → the seat held for the first ticket → wake-up → its waiting long-poll answers HELD; the second keeps waiting', async () => {
    const w = await oneSeatLicense();
    const seats = app.get(SeatsService);
    const seatQueue = app.get(SeatQueueService);
    const holder = await w.as(() => seats.checkout({ ...w.ref, fingerprint: 'holder-fp' }));
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

    const granted = await prisma.domainEvent.findMany({ where: { aggregateId: first.ticketId, type: 'seat.queue_granted' } });
    expect(granted).toHaveLength(1);
    expect(granted[0].payload).toMatchObject({ ticketId: first.ticketId, licenseId: w.licenseId, containerId: w.containerId, slot: 0 });
    const stillWaiting = await w.as(() => seatQueue.awaitTurn(w.containerId, next.ticketId, 0));
    expect(stillWaiting).toMatchObject({ status: 'WAITING', position: 1 });
  }, 40_000);

  it('a hold not claimed in its window lapses in the sweep job (seat.queue_lapsed) and the seat passes to the next ticket', async () => {
    const w = await oneSeatLicense();
    const seatQueue = app.get(SeatQueueService);
    const first = await w.as(() => seatQueue.enqueue({ ...w.ref, fingerprint: 'first-fp' }));
    const next = await w.as(() => seatQueue.enqueue({ ...w.ref, fingerprint: 'next-fp' }));
    expect([first.status, next.status]).toEqual(['HELD', 'WAITING']);
    // The claim window runs out (as a minute would).
    await prisma.$executeRaw`UPDATE seat_queue_tickets SET "expiresAt" = now() - interval '1 second' WHERE id = ${first.ticketId}::uuid`;
    await prisma.$executeRaw`UPDATE seat_slots SET "heldUntil" = now() - interval '1 second' WHERE "heldTicketId" = ${first.ticketId}::uuid`;

    const job = await queue.add(LEASE_JOBS.sweepSeatQueues, {});
    await job.waitUntilFinished(queueEvents, 20_000);
    await until(async () => (await prisma.seatQueueTicket.findUniqueOrThrow({ where: { id: next.ticketId } })).status === 'HELD');
    expect(await prisma.seatQueueTicket.findUniqueOrThrow({ where: { id: first.ticketId } })).toMatchObject({ status: 'LAPSED' });
    expect(await prisma.domainEvent.count({ where: { aggregateId: first.ticketId, type: 'seat.queue_lapsed' } })).toBe(1);
    expect(await prisma.seatSlot.findFirstOrThrow({ where: { licenseId: w.licenseId } })).toMatchObject({ heldTicketId: next.ticketId, leaseId: null });

    // Run again, twice at once: nothing more lapses for this license, nothing is granted twice.
    await Promise.all([0, 1].map(async () => (await queue.add(LEASE_JOBS.sweepSeatQueues, {})).waitUntilFinished(queueEvents, 20_000)));
    const events = await prisma.domainEvent.findMany({
      where: { aggregateId: { in: [first.ticketId, next.ticketId] }, type: { in: ['seat.queue_lapsed', 'seat.queue_granted'] } },
    });
    expect(events.map((e) => `${e.type} ${e.aggregateId === first.ticketId ? 'first' : 'next'}`).sort()).toEqual([
      'seat.queue_granted first',
      'seat.queue_granted next',
      'seat.queue_lapsed first',
    ]);
  }, 60_000);
});
