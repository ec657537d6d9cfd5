import { randomBytes, randomUUID } from 'node:crypto';
import { getQueueToken } from '@nestjs/bullmq';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Queue, QueueEvents } from 'bullmq';
import { ConfigService } from '@leasehold/config';
import { PrismaService, TenantContext } from '@leasehold/db';
import { RenewalCheckResult, RenewalScheduler, RenewalsService } from '@leasehold/domain-renewals';
import { bullConnection, QUEUES, RENEWAL_JOBS, renewalCheckJobId } from '@leasehold/queues';
import { AppModule } from '../app.module';

const DAY = 86_400_000;

describe('scheduled renewal (worker on real Redis and Postgres)', () => {
  let app: INestApplication;
  let prisma: PrismaService;
  let queue: Queue;
  let queueEvents: QueueEvents;
  let vendorId: string;
  let productId: string;
  let containerId: string;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication({ bufferLogs: true });
    await app.init();
    prisma = app.get(PrismaService);
    queue = app.get<Queue>(getQueueToken(QUEUES.renewals));
    const config = app.get(ConfigService);
    queueEvents = new QueueEvents(QUEUES.renewals, {
      connection: bullConnection(config.get('REDIS_URL')),
      prefix: `${config.get('REDIS_PREFIX')}:bull`,
    });
    await queueEvents.waitUntilReady();
    vendorId = (
      await prisma.vendor.create({ data: { slug: `v-${randomBytes(4).toString('hex')}`, name: 'Renewal Vendor' } })
    ).id;
    productId = (await prisma.product.create({ data: { vendorId, code: 'office', name: 'Office' } })).id;
    const secret = randomBytes(16).toString('hex');
    containerId = (
      await prisma.container.create({
        data: {
          vendorId,
          kind: 'ENTERPRISE',
          name: 'C',
          credentialHash: secret,
          credentialPrefix: secret.slice(0, 12),
        },
      })
    ).id;
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await queueEvents?.close();
    await app?.close();
  });

  async function license(
    policy: 'AUTO' | 'ERP' | 'NONE',
    expiresAt: Date,
    renewalTermDays: number | null = 365,
  ): Promise<{ id: string; expiresAt: Date }> {
    const row = await prisma.license.create({
      data: { vendorId, containerId, productId, quantity: 5, expiresAt, renewalPolicy: policy, renewalTermDays },
    });
    return { id: row.id, expiresAt };
  }
  const check = (licenseId: string, termEnd: Date, now?: Date) =>
    app.get(TenantContext).run(vendorId, () => app.get(RenewalsService).check(licenseId, termEnd, now));
  const events = (licenseId: string) =>
    prisma.domainEvent
      .findMany({ where: { aggregateId: licenseId }, orderBy: { id: 'asc' } })
      .then((rows) => rows.map((e) => e.type));
  const renewals = (licenseId: string) =>
    prisma.licenseRenewal.findMany({ where: { licenseId }, orderBy: { termEnd: 'asc' } });
  const current = (licenseId: string) => prisma.license.findFirstOrThrow({ where: { id: licenseId } });

  async function runJob(
    licenseId: string,
    termEnd: Date,
    opts: { jobId?: string; attempts?: number } = {},
  ): Promise<RenewalCheckResult> {
    const job = await queue.add(
      RENEWAL_JOBS.check,
      { vendorId, licenseId, termEnd: termEnd.toISOString() },
      {
        jobId: opts.jobId ?? `test-${randomUUID()}`,
        attempts: opts.attempts ?? 1,
        backoff: { type: 'fixed', delay: 100 },
      },
    );
    const result = (await job.waitUntilFinished(queueEvents, 20_000)) as RenewalCheckResult;
    return {
      ...result,
      expiresAt: result.expiresAt ? new Date(result.expiresAt) : null,
      nextCheckAt: result.nextCheckAt ? new Date(result.nextCheckAt) : null,
    };
  }

  it('AUTO: extends by the term 14 days before expiry (revision +1, license.renewed) and schedules the next term', async () => {
    const lic = await license('AUTO', new Date(Date.now() + 10 * DAY));
    const result = await runJob(lic.id, lic.expiresAt);
    const next = new Date(lic.expiresAt.getTime() + 365 * DAY);
    expect(result).toMatchObject({
      outcome: 'renewed',
      expiresAt: next,
      nextCheckAt: new Date(next.getTime() - 14 * DAY),
    });
    expect(await current(lic.id)).toMatchObject({ expiresAt: next, revision: 2 });
    expect(await renewals(lic.id)).toEqual([
      expect.objectContaining({ termEnd: lic.expiresAt, status: 'SUCCEEDED', newExpiresAt: next, policy: 'AUTO' }),
    ]);
    expect(await events(lic.id)).toEqual(['license.renewed', 'renewal.succeeded']);
    const scheduled = await queue.getJob(renewalCheckJobId(lic.id, next, 'due'));
    expect(scheduled?.data).toEqual({ vendorId, licenseId: lic.id, termEnd: next.toISOString() });
    expect(await scheduled?.getState()).toBe('delayed');
  });

  it('AUTO: renews exactly once when many checks and two jobs race', async () => {
    const lic = await license('AUTO', new Date(Date.now() + 5 * DAY), 30);
    const results = await Promise.all([
      ...Array.from({ length: 6 }, () => check(lic.id, lic.expiresAt)),
      runJob(lic.id, lic.expiresAt),
      runJob(lic.id, lic.expiresAt),
    ]);
    expect(results.filter((r) => r.outcome === 'renewed')).toHaveLength(1);
    // the losers either saw the term done, or (having waited for the lock) a license that moved on
    expect(results.every((r) => ['renewed', 'already-done', 'stale'].includes(r.outcome))).toBe(true);
    expect(await current(lic.id)).toMatchObject({
      expiresAt: new Date(lic.expiresAt.getTime() + 30 * DAY),
      revision: 2,
    });
    expect(await events(lic.id)).toEqual(['license.renewed', 'renewal.succeeded']);
    expect(await renewals(lic.id)).toHaveLength(1);
  });

  it('AUTO: a job that crashed after its transaction committed is retried without a second extension', async () => {
    const lic = await license('AUTO', new Date(Date.now() + 3 * DAY), 90);
    const scheduler = app.get(RenewalScheduler);
    const original = scheduler.schedule.bind(scheduler);
    let crashed = 0;
    // The job's own scheduling step (after the renewal committed) fails once, as a killed worker would.
    const crash = jest
      .spyOn(scheduler, 'schedule')
      .mockImplementation(async (...args: Parameters<RenewalScheduler['schedule']>) => {
        if (args[1] === lic.id && crashed++ === 0) throw new Error('worker killed after commit');
        return original(...args);
      });
    const result = await runJob(lic.id, lic.expiresAt, { attempts: 3 });
    expect(crashed).toBeGreaterThanOrEqual(2); // the crash, then the retry's scheduling
    crash.mockRestore();
    expect(result.outcome).toBe('already-done');
    expect(await current(lic.id)).toMatchObject({
      expiresAt: new Date(lic.expiresAt.getTime() + 90 * DAY),
      revision: 2,
    });
    expect(await events(lic.id)).toEqual(['license.renewed', 'renewal.succeeded']);
    // and run again sequentially, as a duplicate job would
    expect((await check(lic.id, lic.expiresAt)).outcome).toBe('already-done');
    expect(await renewals(lic.id)).toHaveLength(1);
    expect(await current(lic.id)).toMatchObject({ revision: 2 });
  });

  it('reschedules when the expiry changes: the old job does nothing, the new expiry has its own job', async () => {
    const first = new Date(Date.now() + 40 * DAY);
    const lic = await license('AUTO', first, 10);
    await app.get(TenantContext).run(vendorId, () => app.get(RenewalScheduler).scheduleCurrentTerm(lic.id));
    await app.get(TenantContext).run(vendorId, () => app.get(RenewalScheduler).scheduleCurrentTerm(lic.id)); // twice: one job
    const oldJob = await queue.getJob(renewalCheckJobId(lic.id, first, 'due'));
    expect(oldJob?.delay).toBeGreaterThan(25 * DAY);

    const moved = new Date(Date.now() + 7 * DAY);
    await prisma.license.updateMany({ where: { id: lic.id }, data: { expiresAt: moved, revision: { increment: 1 } } });
    await app.get(TenantContext).run(vendorId, () => app.get(RenewalScheduler).scheduleCurrentTerm(lic.id));
    const newJob = await queue.getJob(renewalCheckJobId(lic.id, moved, 'due'));
    expect(newJob?.opts.delay).toBe(0); // already inside the 14 days: at once
    await newJob?.waitUntilFinished(queueEvents, 20_000);

    expect((await runJob(lic.id, first)).outcome).toBe('stale');
    expect(await current(lic.id)).toMatchObject({ expiresAt: new Date(moved.getTime() + 10 * DAY), revision: 3 });
    expect(await renewals(lic.id)).toEqual([expect.objectContaining({ termEnd: moved, status: 'SUCCEEDED' })]);
    expect(await queue.getJobCounts('delayed')).toEqual({ delayed: expect.any(Number) });
  });

  it('does nothing before the renewal is due', async () => {
    const lic = await license('AUTO', new Date(Date.now() + 20 * DAY));
    expect(await check(lic.id, lic.expiresAt)).toMatchObject({
      outcome: 'not-due',
      nextCheckAt: new Date(lic.expiresAt.getTime() - 14 * DAY),
    });
    expect(await renewals(lic.id)).toEqual([]);
    expect(await events(lic.id)).toEqual([]);
  });

  it('ERP: emits renewal.due once, reminds daily while unanswered, and completes on subscription.renewed', async () => {
    const lic = await license('ERP', new Date(Date.now() + 10 * DAY), null);
    expect((await check(lic.id, lic.expiresAt)).outcome).toBe('requested');
    expect((await check(lic.id, lic.expiresAt)).outcome).toBe('waiting');
    expect(await events(lic.id)).toEqual(['renewal.due']);
    expect(await renewals(lic.id)).toEqual([expect.objectContaining({ status: 'REQUESTED', attempts: 1 })]);

    expect((await check(lic.id, lic.expiresAt, new Date(Date.now() + 25 * 3_600_000))).outcome).toBe('reminded');
    expect(await events(lic.id)).toEqual(['renewal.due', 'renewal.due']);
    expect(await renewals(lic.id)).toEqual([expect.objectContaining({ status: 'REQUESTED', attempts: 2 })]);

    const renewedTo = new Date(lic.expiresAt.getTime() + 365 * DAY);
    const tenant = app.get(TenantContext);
    const service = app.get(RenewalsService);
    const fromErp = () => tenant.run(vendorId, () => service.renewFromErpInOwnTransaction(lic.id, renewedTo));
    expect(await fromErp()).toBe(true);
    expect(await fromErp()).toBe(false); // a resent subscription.renewed changes nothing
    expect(await current(lic.id)).toMatchObject({ expiresAt: renewedTo, revision: 2 });
    expect(await renewals(lic.id)).toEqual([
      expect.objectContaining({ status: 'SUCCEEDED', newExpiresAt: renewedTo, attempts: 2 }),
    ]);
    expect(await events(lic.id)).toEqual(['renewal.due', 'renewal.due', 'license.renewed', 'renewal.succeeded']);
    expect((await check(lic.id, lic.expiresAt)).outcome).toBe('already-done');
  });

  it('ERP: an unanswered renewal fails when the license expires, and license.expired is sent once', async () => {
    const expiresAt = new Date(Date.now() + 10 * DAY);
    const lic = await license('ERP', expiresAt, null);
    await check(lic.id, expiresAt);
    const afterExpiry = new Date(expiresAt.getTime() + 60_000);
    expect((await check(lic.id, expiresAt, afterExpiry)).outcome).toBe('failed');
    expect((await check(lic.id, expiresAt, afterExpiry)).outcome).toBe('failed');
    expect(await renewals(lic.id)).toEqual([
      expect.objectContaining({ status: 'FAILED', failureReason: expect.stringMatching(/did not confirm/) }),
    ]);
    expect(await events(lic.id)).toEqual(['renewal.due', 'renewal.failed', 'license.expired']);
  });

  it('NONE: no renewal; a license that really expires sends license.expired once', async () => {
    const lic = await license('NONE', new Date(Date.now() - 60_000), null);
    expect((await runJob(lic.id, lic.expiresAt)).outcome).toBe('expired');
    expect((await runJob(lic.id, lic.expiresAt)).outcome).toBe('already-done');
    expect(await renewals(lic.id)).toEqual([]);
    expect(await events(lic.id)).toEqual(['license.expired']);

    const later = await license('NONE', new Date(Date.now() + 3 * DAY), null);
    expect(await check(later.id, later.expiresAt)).toMatchObject({ outcome: 'waiting', nextCheckAt: later.expiresAt });
    expect(await events(later.id)).toEqual([]);
  });

  it('AUTO: a SUSPENDED license is not renewed by the sweep; resumed after its renewal fell due, it is renewed then, exactly once', async () => {
    const lic = await license('AUTO', new Date(Date.now() + 5 * DAY), 30);
    await prisma.license.updateMany({ where: { id: lic.id }, data: { status: 'SUSPENDED' } });
    const scheduler = app.get(RenewalScheduler);
    // The attack: the hourly sweep finds the due renewal of the unpaid (suspended) license.
    const sweptAt = new Date();
    await scheduler.sweep(sweptAt);
    const sweepJob = await queue.getJob(
      renewalCheckJobId(lic.id, lic.expiresAt, `sweep${Math.floor(sweptAt.getTime() / 3_600_000)}`),
    );
    if (sweepJob) await sweepJob.waitUntilFinished(queueEvents, 20_000);
    // Whether or not the sweep picked it up, a check (a job that was already scheduled) renews nothing.
    expect((await runJob(lic.id, lic.expiresAt)).outcome).toBe('suspended');
    // The term's own "due" job runs while suspended too (as when the license was created or changed).
    await app.get(TenantContext).run(vendorId, () => scheduler.scheduleCurrentTerm(lic.id));
    const dueJob = await queue.getJob(renewalCheckJobId(lic.id, lic.expiresAt, 'due'));
    expect(await dueJob!.waitUntilFinished(queueEvents, 20_000)).toMatchObject({ outcome: 'suspended' });
    expect(await renewals(lic.id)).toEqual([]);
    expect(await current(lic.id)).toMatchObject({ expiresAt: lic.expiresAt, revision: 1, status: 'SUSPENDED' });
    expect(await events(lic.id)).toEqual([]);

    // Resumed (as LicensesService.transition writes it): the relay hands license.resumed to the
    // renewal subscriber, whose check renews the term that fell due meanwhile.
    await prisma.$transaction([
      prisma.license.updateMany({ where: { id: lic.id }, data: { status: 'ACTIVE', revision: { increment: 1 } } }),
      prisma.domainEvent.create({
        data: {
          vendorId,
          type: 'license.resumed',
          aggregateType: 'license',
          aggregateId: lic.id,
          payload: { licenseId: lic.id, containerId, status: 'ACTIVE', revision: 2 },
        },
      }),
    ]);
    const renewedTo = new Date(lic.expiresAt.getTime() + 30 * DAY);
    for (let i = 0; i < 200 && !(await renewals(lic.id)).length; i++) await new Promise((r) => setTimeout(r, 100));
    // Renewed by the resume alone (no sweep ran since): the "due" job that ran while suspended did not swallow it.
    expect(await renewals(lic.id)).toHaveLength(1);
    // The next sweeps and a duplicate check find the term done.
    await scheduler.sweep(new Date(Date.now() + 3_600_000));
    expect((await check(lic.id, lic.expiresAt)).outcome).toBe('already-done');
    expect(await renewals(lic.id)).toEqual([
      expect.objectContaining({ termEnd: lic.expiresAt, status: 'SUCCEEDED', newExpiresAt: renewedTo }),
    ]);
    expect(await current(lic.id)).toMatchObject({ expiresAt: renewedTo, revision: 3, status: 'ACTIVE' });
    expect((await events(lic.id)).filter((t) => t !== 'license.resumed')).toEqual([
      'license.renewed',
      'renewal.succeeded',
    ]);
  }, 60_000);

  it('AUTO: a license that expired while SUSPENDED announces license.expired, and is renewed once when resumed', async () => {
    const lic = await license('AUTO', new Date(Date.now() - 60_000), 30);
    await prisma.license.updateMany({ where: { id: lic.id }, data: { status: 'SUSPENDED' } });
    expect((await runJob(lic.id, lic.expiresAt)).outcome).toBe('expired');
    expect((await runJob(lic.id, lic.expiresAt)).outcome).toBe('suspended');
    expect(await renewals(lic.id)).toEqual([]);
    expect(await events(lic.id)).toEqual(['license.expired']);

    await prisma.license.updateMany({ where: { id: lic.id }, data: { status: 'ACTIVE', revision: { increment: 1 } } });
    const sweptAt = new Date();
    await app.get(RenewalScheduler).sweep(sweptAt);
    const sweepJob = await queue.getJob(
      renewalCheckJobId(lic.id, lic.expiresAt, `sweep${Math.floor(sweptAt.getTime() / 3_600_000)}`),
    );
    expect(sweepJob).toBeDefined();
    await sweepJob!.waitUntilFinished(queueEvents, 20_000);
    expect((await runJob(lic.id, lic.expiresAt)).outcome).toBe('already-done');
    expect(await renewals(lic.id)).toEqual([
      expect.objectContaining({ status: 'SUCCEEDED', newExpiresAt: new Date(lic.expiresAt.getTime() + 30 * DAY) }),
    ]);
    expect(await events(lic.id)).toEqual(['license.expired', 'license.renewed', 'renewal.succeeded']);
  }, 60_000);

  it('the sweep finds what no job covered (overdue renewals, unannounced expiries) and its jobs do it', async () => {
    const overdue = await license('AUTO', new Date(Date.now() + 2 * DAY), 30);
    const expired = await license('NONE', new Date(Date.now() - DAY), null);
    const far = await license('AUTO', new Date(Date.now() + 100 * DAY), 7);
    const revoked = await prisma.license.create({
      data: { vendorId, containerId, productId, quantity: 1, expiresAt: new Date(Date.now() - DAY), status: 'REVOKED' },
    });
    expect(await app.get(RenewalScheduler).sweep()).toBeGreaterThanOrEqual(2);
    for (
      let i = 0;
      i < 100 && ((await renewals(overdue.id)).length === 0 || (await events(expired.id)).length === 0);
      i++
    )
      await new Promise((r) => setTimeout(r, 100));
    expect(await renewals(overdue.id)).toEqual([expect.objectContaining({ status: 'SUCCEEDED' })]);
    expect(await events(expired.id)).toEqual(['license.expired']);
    expect(await renewals(far.id)).toEqual([]);
    expect(await events(revoked.id)).toEqual([]);
    expect((await queue.getJobSchedulers()).map((s) => s.key)).toContain(RENEWAL_JOBS.sweep);
  });

  it('the sweep queues a renewal due before the next sweep as a delayed check: the very job schedule() adds, queued once', async () => {
    const soon = await license('AUTO', new Date(Date.now() + 14 * DAY + 3 * 3_600_000), 30);
    await app.get(RenewalScheduler).sweep();
    await app.get(RenewalScheduler).sweep();
    const job = await queue.getJob(renewalCheckJobId(soon.id, soon.expiresAt, 'due'));
    expect(job).toBeDefined();
    expect(await job?.isDelayed()).toBe(true);
    expect(job?.data).toEqual({ vendorId, licenseId: soon.id, termEnd: soon.expiresAt.toISOString() });
    expect(job?.opts.delay).toBeGreaterThan(2 * 3_600_000);
    expect(job?.opts.delay).toBeLessThanOrEqual(3 * 3_600_000);
    const delayed = await queue.getDelayed();
    expect(delayed.filter((j) => j.data.licenseId === soon.id)).toHaveLength(1);
  });
});
