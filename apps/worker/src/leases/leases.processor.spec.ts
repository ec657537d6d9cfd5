import { createHash, randomUUID } from 'node:crypto';
import { getQueueToken } from '@nestjs/bullmq';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Queue, QueueEvents } from 'bullmq';
import { ConfigService } from '@leasehold/config';
import { PrismaService } from '@leasehold/db';
import { bullConnection, LEASE_JOBS, QUEUES } from '@leasehold/queues';
import { AppModule } from '../app.module';

// The leases queue on a real BullMQ worker, Redis and Postgres: the sweep records expired leases
// once, frees their slots, leaves live and borrowed ones alone, and is registered as a schedule.

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
});
