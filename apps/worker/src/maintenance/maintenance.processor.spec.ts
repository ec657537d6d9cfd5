import { randomBytes } from 'node:crypto';
import { getQueueToken } from '@nestjs/bullmq';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Queue, QueueEvents } from 'bullmq';
import { ConfigService } from '@leasehold/config';
import { PrismaService } from '@leasehold/db';
import { bullConnection, MAINTENANCE_JOBS, MaintenanceJobName, QUEUES } from '@leasehold/queues';
import { AppModule } from '../app.module';

const DAY = 86_400_000;
const HOUR = 3_600_000;

describe('maintenance jobs (worker on real Redis and Postgres)', () => {
  let app: INestApplication;
  let prisma: PrismaService;
  let queue: Queue;
  let queueEvents: QueueEvents;
  let vendorId: string;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication({ bufferLogs: true });
    await app.init(); // starts the BullMQ worker and registers the job schedulers
    prisma = app.get(PrismaService);
    queue = app.get<Queue>(getQueueToken(QUEUES.maintenance));
    const config = app.get(ConfigService);
    queueEvents = new QueueEvents(QUEUES.maintenance, {
      connection: bullConnection(config.get('REDIS_URL')),
      prefix: `${config.get('REDIS_PREFIX')}:bull`,
    });
    await queueEvents.waitUntilReady();
    await queueIsIdle();
    vendorId = (
      await prisma.vendor.create({ data: { slug: `v-${randomBytes(4).toString('hex')}`, name: 'Maintenance Vendor' } })
    ).id;
  });
  afterAll(async () => {
    await queueEvents?.close();
    await app?.close();
  });

  /** The schedulers may start a first run at boot; let it finish so each test sees only its own job. */
  async function queueIsIdle(): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const counts = await queue.getJobCounts('waiting', 'active', 'prioritized');
      if (counts['waiting'] + counts['active'] + counts['prioritized'] === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('the maintenance queue did not become idle');
  }

  async function runJob(name: MaintenanceJobName): Promise<{ deleted: number }> {
    const job = await queue.add(name, {});
    return (await job.waitUntilFinished(queueEvents, 20_000)) as { deleted: number };
  }

  async function apiKey(name: string, ended: { revokedAt?: Date; expiresAt?: Date }): Promise<string> {
    const secret = randomBytes(8).toString('hex');
    const row = await prisma.apiKey.create({
      data: { vendorId, name, prefix: `p${secret}`, secretHash: `h${secret}`, ...ended },
    });
    return row.id;
  }

  async function idempotencyRecord(key: string, createdAt: Date): Promise<string> {
    const row = await prisma.idempotencyRecord.create({
      data: {
        scope: `vendor-key:${vendorId}`,
        key,
        requestHash: 'hash',
        statusCode: 201,
        responseBody: { ok: true },
        createdAt,
      },
    });
    return row.id;
  }

  it('registers the periodic jobs with the queue', async () => {
    const schedulers = await queue.getJobSchedulers();
    expect(
      schedulers.map((s) => ({ key: s.key, name: s.name, every: s.every })).sort((a, b) => a.key.localeCompare(b.key)),
    ).toEqual([
      { key: MAINTENANCE_JOBS.purgeDeliveredEvents, name: MAINTENANCE_JOBS.purgeDeliveredEvents, every: HOUR },
      { key: MAINTENANCE_JOBS.purgeEndedApiKeys, name: MAINTENANCE_JOBS.purgeEndedApiKeys, every: HOUR },
      {
        key: MAINTENANCE_JOBS.purgeIdempotencyRecords,
        name: MAINTENANCE_JOBS.purgeIdempotencyRecords,
        every: 15 * 60_000,
      },
    ]);
  });

  it('purges API keys that ended more than 30 days ago, and only those; a second run changes nothing', async () => {
    const now = Date.now();
    const revokedLongAgo = await apiKey('revoked 40 days ago', { revokedAt: new Date(now - 40 * DAY) });
    const expiredLongAgo = await apiKey('expired 40 days ago', { expiresAt: new Date(now - 40 * DAY) });
    const revokedYesterday = await apiKey('revoked yesterday', { revokedAt: new Date(now - DAY) });
    const expiredYesterday = await apiKey('expired yesterday', { expiresAt: new Date(now - DAY) });
    const live = await apiKey('live', { expiresAt: new Date(now + 30 * DAY) });
    const neverExpires = await apiKey('never expires', {});

    expect(await runJob(MAINTENANCE_JOBS.purgeEndedApiKeys)).toEqual({ deleted: 2 });

    const left = (await prisma.apiKey.findMany({ where: { vendorId }, select: { id: true } })).map((k) => k.id).sort();
    expect(left).toEqual([revokedYesterday, expiredYesterday, live, neverExpires].sort());
    expect(left).not.toContain(revokedLongAgo);
    expect(left).not.toContain(expiredLongAgo);

    expect(await runJob(MAINTENANCE_JOBS.purgeEndedApiKeys)).toEqual({ deleted: 0 });
    expect(await prisma.apiKey.count({ where: { vendorId } })).toBe(4);
  });

  it('purges idempotency records older than their retention, and only those; a second run changes nothing', async () => {
    const now = Date.now();
    await idempotencyRecord('two-days-old', new Date(now - 48 * HOUR));
    await idempotencyRecord('a-day-and-an-hour-old', new Date(now - 25 * HOUR));
    const fresh = await idempotencyRecord('an-hour-old', new Date(now - HOUR));
    const justNow = await idempotencyRecord('just-now', new Date(now));

    expect(await runJob(MAINTENANCE_JOBS.purgeIdempotencyRecords)).toEqual({ deleted: 2 });
    const left = (await prisma.idempotencyRecord.findMany({ select: { id: true } })).map((r) => r.id).sort();
    expect(left).toEqual([fresh, justNow].sort());

    expect(await runJob(MAINTENANCE_JOBS.purgeIdempotencyRecords)).toEqual({ deleted: 0 });
    expect(await prisma.idempotencyRecord.count()).toBe(2);
  });

  it('purges domain events published longer ago than DOMAIN_EVENT_RETENTION_DAYS whose deliveries are finished, and only those', async () => {
    const retentionDays = app.get(ConfigService).get('DOMAIN_EVENT_RETENTION_DAYS');
    const now = Date.now();
    const old = new Date(now - (retentionDays + 1) * DAY);
    const event = async (tag: string, publishedAt: Date | null, createdAt = old) =>
      (
        await prisma.domainEvent.create({
          data: {
            vendorId,
            type: 'user.invited',
            aggregateType: 'user',
            aggregateId: tag,
            payload: { tag },
            publishedAt,
            createdAt,
          },
        })
      ).id;
    const endpoint = await prisma.webhookEndpoint.create({
      data: {
        vendorId,
        url: 'https://hooks.example.com/x',
        eventTypes: ['user.invited'],
        encryptedSecret: 'v1.x.y.z',
        status: 'DISABLED',
      },
    });
    const delivery = (eventId: string, status: 'PENDING' | 'SUCCEEDED' | 'FAILED') =>
      prisma.webhookDelivery.create({
        data: {
          vendorId,
          endpointId: endpoint.id,
          eventId,
          eventType: 'user.invited',
          status,
          nextAttemptAt: status === 'PENDING' ? new Date(now + DAY) : null,
        },
      });

    const oldNoDelivery = await event('old, no delivery', old);
    const oldDelivered = await event('old, delivered', old);
    await delivery(oldDelivered, 'SUCCEEDED');
    const oldGivenUp = await event('old, delivery failed', old);
    await delivery(oldGivenUp, 'FAILED');
    const oldPending = await event('old, delivery pending', old);
    await delivery(oldPending, 'PENDING');
    const recent = await event('published yesterday', new Date(now - DAY));
    const unpublished = await event('never published', null);

    const first = await runJob(MAINTENANCE_JOBS.purgeDeliveredEvents);
    expect(first.deleted).toBeGreaterThanOrEqual(3);
    const left = new Set(
      (await prisma.domainEvent.findMany({ where: { vendorId }, select: { id: true } })).map((e) => e.id),
    );
    for (const gone of [oldNoDelivery, oldDelivered, oldGivenUp]) expect(left.has(gone)).toBe(false);
    for (const kept of [oldPending, recent, unpublished]) expect(left.has(kept)).toBe(true);
    // The finished deliveries went with their events; the pending one stays.
    expect(await prisma.webhookDelivery.count({ where: { endpointId: endpoint.id } })).toBe(1);

    expect(await runJob(MAINTENANCE_JOBS.purgeDeliveredEvents)).toEqual({ deleted: 0 });
  });

  it('fails a job it does not know instead of silently completing it', async () => {
    const job = await queue.add('no-such-job' as MaintenanceJobName, {}, { attempts: 1 });
    await expect(job.waitUntilFinished(queueEvents, 20_000)).rejects.toThrow(/Unknown maintenance job no-such-job/);
  });
});
