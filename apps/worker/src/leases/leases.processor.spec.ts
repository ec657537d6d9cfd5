import { createHash, randomUUID } from 'node:crypto';
import { getQueueToken } from '@nestjs/bullmq';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Queue, QueueEvents } from 'bullmq';
import { ConfigService } from '@leasehold/config';
import { PrismaService, TenantContext } from '@leasehold/db';
import { PERSONAL_DEVICE_LIMIT } from '@leasehold/domain-licensing';
import { AggregationRun, SeatQueueService, SeatsService, UsageService } from '@leasehold/domain-seats';
import { AggregateUsageJobData, bullConnection, LEASE_JOBS, QUEUES } from '@leasehold/queues';
import { AppModule } from '../app.module';

// The leases queue on a real BullMQ worker, Redis and Postgres: the sweep records expired leases
// once, frees their slots, leaves live and borrowed ones alone, and is registered as a schedule;
// the usage aggregation writes hourly and daily aggregates exactly once in effect; the seat wait
// queue's grants, wake-ups and lapses.

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
    queueEvents = new QueueEvents(QUEUES.leases, {
      connection: bullConnection(config.get('REDIS_URL')),
      prefix: `${config.get('REDIS_PREFIX')}:bull`,
    });
    await queueEvents.waitUntilReady();
  }, 60_000);
  afterAll(async () => {
    await queueEvents?.close();
    await app?.close();
  });

  /** A license of `quantity` seats with one lease per entry of `leases` (seconds until expiry; negative = expired). */
  async function licenseWithLeases(
    leases: { expiresIn: number; borrowed?: boolean; userId?: string }[],
    kind: 'ENTERPRISE' | 'PERSONAL' = 'ENTERPRISE',
  ) {
    const tag = randomUUID().slice(0, 8);
    const vendor = await prisma.vendor.create({ data: { slug: `lease-${tag}`, name: 'Lease vendor' } });
    const vendorId = vendor.id;
    const product = await prisma.product.create({ data: { vendorId, code: `p-${tag}`, name: 'P' } });
    const user =
      kind === 'PERSONAL'
        ? await prisma.user.create({ data: { vendorId, email: `${tag}@example.com`, name: 'U' } })
        : null;
    const container = await prisma.container.create({
      data: {
        vendorId,
        kind,
        name: 'C',
        userId: user?.id ?? null,
        deviceLimit: kind === 'PERSONAL' ? PERSONAL_DEVICE_LIMIT : null,
        credentialHash: createHash('sha256').update(tag).digest('hex'),
        credentialPrefix: tag,
      },
    });
    await prisma.credentialRoute.create({
      data: { credentialHash: container.credentialHash, vendorId: container.vendorId, containerId: container.id },
    });
    const license = await prisma.license.create({
      data: {
        vendorId,
        containerId: container.id,
        productId: product.id,
        quantity: leases.length,
        borrowAllowed: true,
      },
    });
    const ids: string[] = [];
    for (const [slot, l] of leases.entries()) {
      const expiresAt = new Date(Date.now() + l.expiresIn * 1000);
      const lease = await prisma.seatLease.create({
        data: {
          vendorId,
          licenseId: license.id,
          containerId: container.id,
          slot,
          fingerprint: `fp-${slot}`,
          expiresAt,
          borrowUntil: l.borrowed ? expiresAt : null,
          userId: user?.id ?? null,
        },
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

  it('registers the periodic sweep and usage aggregation', async () => {
    const schedulers = await queue.getJobSchedulers();
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
    const { vendorId, licenseId, userId, ids } = await licenseWithLeases(
      [{ expiresIn: 600 }, { expiresIn: 86_400, borrowed: true }],
      'PERSONAL',
    );
    // Written as UsersService.removeFromGroup writes it; a second copy stands for a redelivery.
    for (let i = 0; i < 2; i++) {
      await prisma.domainEvent.create({
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
      (await prisma.domainEvent.count({ where: { aggregateId: userId!, publishedAt: null } })) > 0 &&
      Date.now() < deadline
    )
      await new Promise((r) => setTimeout(r, 100));
    expect(await prisma.domainEvent.count({ where: { aggregateId: userId!, publishedAt: null } })).toBe(0);
    const leases = await prisma.seatLease.findMany({ where: { id: { in: ids } } });
    expect(leases.map((l) => l.endReason)).toEqual(['USER_REMOVED', 'USER_REMOVED']);
    expect(await prisma.seatSlot.count({ where: { licenseId, leaseId: { not: null } } })).toBe(0);
    expect(await prisma.domainEvent.count({ where: { aggregateId: { in: ids }, type: 'seat.stopped' } })).toBe(2);
  });

  // Usage aggregation (docs/usage.md): per-license hourly and daily aggregates of the closed hours,
  // the checkout's denials kept, re-runs to the same rows; the usage API reads the aggregates up to
  // the watermark and the lease history after it.

  const HOUR = 3_600_000;
  const MIN = 60_000;

  async function runAggregation(data: AggregateUsageJobData = {}): Promise<AggregationRun> {
    const job = await queue.add(LEASE_JOBS.aggregateUsage, data);
    const run = (await job.waitUntilFinished(queueEvents, 30_000)) as AggregationRun | string;
    return typeof run === 'string' ? (JSON.parse(run) as AggregationRun) : run;
  }

  /** The start of the database's current hour (the open one, never aggregated). */
  async function currentHour(): Promise<number> {
    const rows = await prisma.$queryRaw<{ h: Date }[]>`SELECT date_trunc('hour', now(), 'UTC') AS h`;
    return rows[0].h.getTime();
  }

  /**
   * A 3-seat ENTERPRISE license used in the three hours before `now`'s hour H:
   *   A (u1, ws-1) H-3:00 → H-2:30   B (u2, ws-2) H-3:30 → H-3:45   C (u1, ws-3) H-2:10 → H-1:20
   *   D (no user, ws-4) from H-1:40, live;   4 refused checkouts counted in H-2.
   */
  async function usedLicense(H: number) {
    const tag = randomUUID().slice(0, 8);
    const vendor = await prisma.vendor.create({ data: { slug: `usage-${tag}`, name: 'Usage vendor' } });
    const vendorId = vendor.id;
    const product = await prisma.product.create({ data: { vendorId, code: `p-${tag}`, name: 'P' } });
    const container = await prisma.container.create({
      data: {
        vendorId,
        kind: 'ENTERPRISE',
        name: 'C',
        credentialHash: createHash('sha256').update(tag).digest('hex'),
        credentialPrefix: tag,
      },
    });
    await prisma.credentialRoute.create({
      data: { credentialHash: container.credentialHash, vendorId: container.vendorId, containerId: container.id },
    });
    const license = await prisma.license.create({
      data: { vendorId, containerId: container.id, productId: product.id, quantity: 3 },
    });
    const [u1, u2] = await Promise.all(
      ['u1', 'u2'].map((n) => prisma.user.create({ data: { vendorId, email: `${n}-${tag}@example.com`, name: n } })),
    );
    const at = (hour: number, minute: number) => new Date(H + hour * HOUR + minute * MIN);
    const base = { vendorId, licenseId: license.id, containerId: container.id };
    await prisma.seatLease.createMany({
      data: [
        {
          ...base,
          slot: 0,
          fingerprint: 'ws-1',
          userId: u1.id,
          startedAt: at(-3, 0),
          expiresAt: at(-2, 30),
          endedAt: at(-2, 30),
          endReason: 'RELEASED',
        },
        {
          ...base,
          slot: 1,
          fingerprint: 'ws-2',
          userId: u2.id,
          startedAt: at(-3, 30),
          expiresAt: at(-3, 45),
          endedAt: at(-3, 45),
          endReason: 'EXPIRED',
        },
        {
          ...base,
          slot: 1,
          fingerprint: 'ws-3',
          userId: u1.id,
          startedAt: at(-2, 10),
          expiresAt: at(-1, 20),
          endedAt: at(-1, 20),
          endReason: 'STOPPED',
        },
        { ...base, slot: 2, fingerprint: 'ws-4', startedAt: at(-1, 40), expiresAt: new Date(Date.now() + 30 * MIN) },
      ],
    });
    await prisma.licenseUsageHour.create({ data: { vendorId, licenseId: license.id, hour: at(-2, 0), denials: 4 } });
    return { vendorId, licenseId: license.id };
  }

  const hourRows = (licenseId: string) =>
    prisma.licenseUsageHour.findMany({
      where: { licenseId },
      orderBy: { hour: 'asc' },
      select: {
        hour: true,
        peakSeats: true,
        seatMinutes: true,
        sessionsStarted: true,
        distinctUsers: true,
        distinctDevices: true,
        denials: true,
      },
    });

  it('writes hourly and daily aggregates of the closed hours once, keeps denials, and re-runs to the same rows', async () => {
    const H = await currentHour();
    const { vendorId, licenseId } = await usedLicense(H);
    // As on the first deployment: no watermark yet, so the job starts at the oldest lease.
    await prisma.$executeRaw`DELETE FROM usage_aggregation_state`;
    const first = await runAggregation();
    if ((await currentHour()) !== H) return; // the hour turned during the test: the expectations below name H
    expect(new Date(first.aggregatedUntil).getTime()).toBe(H);

    const expected = [
      {
        hour: new Date(H - 3 * HOUR),
        peakSeats: 2,
        seatMinutes: 75,
        sessionsStarted: 2,
        distinctUsers: 2,
        distinctDevices: 2,
        denials: 0,
      },
      {
        hour: new Date(H - 2 * HOUR),
        peakSeats: 2,
        seatMinutes: 80,
        sessionsStarted: 1,
        distinctUsers: 1,
        distinctDevices: 2,
        denials: 4,
      },
      {
        hour: new Date(H - 1 * HOUR),
        peakSeats: 1,
        seatMinutes: 40,
        sessionsStarted: 1,
        distinctUsers: 1,
        distinctDevices: 2,
        denials: 0,
      },
    ];
    expect(await hourRows(licenseId)).toEqual(expected);
    expect(
      (await prisma.usageAggregationState.findUniqueOrThrow({ where: { name: 'usage' } })).aggregatedUntil.getTime(),
    ).toBe(H);

    const day = Math.floor((H - 3 * HOUR) / (24 * HOUR)) * 24 * HOUR;
    const dayRow = await prisma.licenseUsageDay.findFirstOrThrow({
      where: { licenseId, day: new Date(day) },
    });
    if (H - HOUR < day + 24 * HOUR && H - HOUR >= day) {
      // All three hours in one UTC day: the day's distinct users and workstations are the day's, not sums.
      expect(dayRow).toMatchObject({
        peakSeats: 2,
        sessionsStarted: 4,
        distinctUsers: 2,
        distinctDevices: 4,
        denials: 4,
      });
      expect(dayRow.seatMinutes).toBeGreaterThanOrEqual(195);
    }

    // Again, twice at once: no hour closed since, nothing written, the rows unchanged.
    const again = await Promise.all([runAggregation(), runAggregation()]);
    expect(again.map((r) => r.from)).toEqual([null, null]);
    expect(await hourRows(licenseId)).toEqual(expected);

    // A repair run over the same hours (twice at once, and the open hour is never written):
    // the same values, not doubled, and the denials kept.
    await prisma.licenseUsageHour.updateMany({
      where: { licenseId, hour: new Date(H - 2 * HOUR) },
      data: { peakSeats: 99, seatMinutes: 1 },
    });
    const range = { from: new Date(H - 3 * HOUR).toISOString(), to: new Date(H + HOUR).toISOString() };
    const repairs = await Promise.all([runAggregation(range), runAggregation(range)]);
    expect(repairs.map((r) => new Date(r.to as Date).getTime())).toEqual([H, H]);
    expect(await hourRows(licenseId)).toEqual(expected);
    expect(await prisma.licenseUsageHour.count({ where: { licenseId, hour: { gte: new Date(H) } } })).toBe(0);

    // Charts read the aggregates for closed hours (a value only the stored row has shows through)
    // and compute the open hour from the lease history (the live lease D).
    await prisma.licenseUsageHour.updateMany({
      where: { licenseId, hour: new Date(H - 3 * HOUR) },
      data: { peakSeats: 3 },
    });
    const usage = await app
      .get(TenantContext)
      .run(vendorId, () =>
        app
          .get(UsageService)
          .history({ licenseId, from: new Date(H - 3 * HOUR), to: new Date(H + HOUR), granularity: 'hour' }),
      );
    expect(usage.aggregatedUntil?.getTime()).toBe(H);
    expect(usage.series.map((p) => [p.start.getTime(), p.peakSeats, p.sessionsStarted, p.denials])).toEqual([
      [H - 3 * HOUR, 3, 2, 0],
      [H - 2 * HOUR, 2, 1, 4],
      [H - 1 * HOUR, 1, 1, 0],
      [H, 1, 0, 0],
    ]);
  });

  it('writes the minutes in overage (more seats in use than the quantity) per hour and day; the usage answer sums them from the aggregates', async () => {
    const H = await currentHour();
    const tag = randomUUID().slice(0, 8);
    const vendorId = (await prisma.vendor.create({ data: { slug: `overage-${tag}`, name: 'Overage vendor' } })).id;
    const product = await prisma.product.create({ data: { vendorId, code: `p-${tag}`, name: 'P' } });
    const container = await prisma.container.create({
      data: {
        vendorId,
        kind: 'ENTERPRISE',
        name: 'C',
        credentialHash: createHash('sha256').update(tag).digest('hex'),
        credentialPrefix: tag,
      },
    });
    await prisma.credentialRoute.create({
      data: { credentialHash: container.credentialHash, vendorId: container.vendorId, containerId: container.id },
    });
    // 1 seat, 1 extra: A H-3:00 → H-1:30; B H-3:20 → H-3:50 (30 min at 2); C H-2:45 → H-1:10 (15 + 10 min at 2).
    const license = await prisma.license.create({
      data: { vendorId, containerId: container.id, productId: product.id, quantity: 1, overageExtraSeats: 1 },
    });
    const at = (hour: number, minute: number) => new Date(H + hour * HOUR + minute * MIN);
    const base = { vendorId, licenseId: license.id, containerId: container.id };
    await prisma.seatLease.createMany({
      data: [
        {
          ...base,
          slot: 0,
          fingerprint: 'ws-a',
          startedAt: at(-3, 0),
          expiresAt: at(-1, 30),
          endedAt: at(-1, 30),
          endReason: 'RELEASED',
        },
        {
          ...base,
          slot: 1,
          fingerprint: 'ws-b',
          startedAt: at(-3, 20),
          expiresAt: at(-3, 50),
          endedAt: at(-3, 50),
          endReason: 'RELEASED',
          overage: true,
        },
        {
          ...base,
          slot: 1,
          fingerprint: 'ws-c',
          startedAt: at(-2, 45),
          expiresAt: at(-1, 10),
          endedAt: at(-1, 10),
          endReason: 'RELEASED',
          overage: true,
        },
      ],
    });
    const range = { from: new Date(H - 3 * HOUR).toISOString(), to: new Date(H).toISOString() };
    await runAggregation(range);
    if ((await currentHour()) !== H) return; // the hour turned during the test
    const rows = await prisma.licenseUsageHour.findMany({
      where: { licenseId: license.id },
      orderBy: { hour: 'asc' },
      select: { hour: true, peakSeats: true, overageMinutes: true },
    });
    expect(rows.map((r) => [r.hour.getTime(), r.peakSeats, Math.round(r.overageMinutes * 1000) / 1000])).toEqual([
      [H - 3 * HOUR, 2, 30],
      [H - 2 * HOUR, 2, 15],
      [H - 1 * HOUR, 2, 10],
    ]);
    const day = Math.floor((H - 3 * HOUR) / (24 * HOUR)) * 24 * HOUR;
    if (H - HOUR < day + 24 * HOUR) {
      const dayRow = await prisma.licenseUsageDay.findFirstOrThrow({
        where: { licenseId: license.id, day: new Date(day) },
      });
      expect(Math.round(dayRow.overageMinutes * 1000) / 1000).toBe(55);
    }

    // The usage answer reads the stored minutes (a value only the stored row has shows through).
    await prisma.licenseUsageHour.updateMany({
      where: { licenseId: license.id, hour: new Date(H - 3 * HOUR) },
      data: { overageMinutes: 31 },
    });
    await prisma.$executeRaw`UPDATE usage_aggregation_state SET "aggregatedUntil" = GREATEST("aggregatedUntil", ${new Date(H)}::timestamptz) WHERE name = 'usage'`;
    const usage = await app.get(TenantContext).run(vendorId, () =>
      app.get(UsageService).history({
        licenseId: license.id,
        from: new Date(H - 3 * HOUR),
        to: new Date(H + HOUR),
        granularity: 'hour',
      }),
    );
    expect(usage.series.map((p) => Math.round(p.overageMinutes * 1000) / 1000)).toEqual([31, 15, 10, 0]);
    expect(usage.overage).toMatchObject({ minutes: 56, peakSeats: 2, leases: 2, capacity: 2 });
  });

  it('refuses a range job whose end is not after its start (the job fails, nothing is written)', async () => {
    const job = await queue.add(
      LEASE_JOBS.aggregateUsage,
      { from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' },
      { attempts: 1 },
    );
    await expect(job.waitUntilFinished(queueEvents, 30_000)).rejects.toThrow(/bad range/);
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
      data: {
        vendorId,
        kind: 'ENTERPRISE',
        name: 'C',
        credentialHash: createHash('sha256').update(tag).digest('hex'),
        credentialPrefix: tag,
      },
    });
    await prisma.credentialRoute.create({
      data: { credentialHash: container.credentialHash, vendorId: container.vendorId, containerId: container.id },
    });
    const license = await prisma.license.create({
      data: { vendorId, containerId: container.id, productId: product.id, quantity: 1 },
    });
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

    const granted = await prisma.domainEvent.findMany({
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
    const seatQueue = app.get(SeatQueueService);
    const first = await w.as(() => seatQueue.enqueue({ ...w.ref, fingerprint: 'first-fp' }));
    const next = await w.as(() => seatQueue.enqueue({ ...w.ref, fingerprint: 'next-fp' }));
    expect([first.status, next.status]).toEqual(['HELD', 'WAITING']);
    // The claim window runs out (as a minute would).
    await prisma.$executeRaw`UPDATE seat_queue_tickets SET "expiresAt" = now() - interval '1 second' WHERE id = ${first.ticketId}::uuid`;
    await prisma.$executeRaw`UPDATE seat_slots SET "heldUntil" = now() - interval '1 second' WHERE "heldTicketId" = ${first.ticketId}::uuid`;

    const job = await queue.add(LEASE_JOBS.sweepSeatQueues, {});
    await job.waitUntilFinished(queueEvents, 20_000);
    await until(
      async () => (await prisma.seatQueueTicket.findFirstOrThrow({ where: { id: next.ticketId } })).status === 'HELD',
    );
    expect(await prisma.seatQueueTicket.findFirstOrThrow({ where: { id: first.ticketId } })).toMatchObject({
      status: 'LAPSED',
    });
    expect(await prisma.domainEvent.count({ where: { aggregateId: first.ticketId, type: 'seat.queue_lapsed' } })).toBe(
      1,
    );
    expect(await prisma.seatSlot.findFirstOrThrow({ where: { licenseId: w.licenseId } })).toMatchObject({
      heldTicketId: next.ticketId,
      leaseId: null,
    });

    // Run again, twice at once: nothing more lapses for this license, nothing is granted twice.
    await Promise.all(
      [0, 1].map(async () => (await queue.add(LEASE_JOBS.sweepSeatQueues, {})).waitUntilFinished(queueEvents, 20_000)),
    );
    const events = await prisma.domainEvent.findMany({
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
