import { randomBytes, randomUUID } from 'node:crypto';
import { getQueueToken } from '@nestjs/bullmq';
import type { INestApplication } from '@nestjs/common';
import type { Queue } from 'bullmq';
import request from 'supertest';
import { PrismaService, TenantContext, TenantPrisma } from '@leasehold/db';
import { DomainEventType, OutboxRepository } from '@leasehold/domain-events';
import { WebhookEndpointsService } from '@leasehold/domain-webhooks';
import { OUTBOX_JOBS, QUEUES } from '@leasehold/queues';
import {
  createVendor,
  postInboundEvent,
  startApiApp,
  TestRedisServer,
  TestVendor,
  waitFor,
  WebhookTestServer,
} from '@leasehold/testing';
// The intake is license-central's: this test boots it by name beside the worker (startApiApp), as the ERP test does.
import { createWorker } from '../testing/create-worker';

// Fault injection (docs/operations.md, "Redis restarted or replaced empty" and "Redis away"): the
// real worker (and license-central) on real Postgres and on a redis-server this test starts on a
// free port of its own, kills and replaces with a fresh, empty one. Never the machine's Redis.

const DAY = 86_400_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the worker when Redis is restarted empty (fault injection)', () => {
  let redis: TestRedisServer;
  let worker: INestApplication;
  let prisma: PrismaService;
  let receiver: WebhookTestServer;
  let vendor: TestVendor;

  beforeAll(async () => {
    redis = await new TestRedisServer().start();
    receiver = await new WebhookTestServer().start();
    worker = await createWorker({ REDIS_URL: redis.url }, 2_000);
    prisma = worker.get(PrismaService);
    vendor = await createVendor(worker);
  }, 30_000);
  afterAll(async () => {
    await worker?.close();
    await redis?.dispose();
    await receiver?.stop();
  }, 30_000);

  const asVendor = <T>(fn: () => Promise<T>) =>
    worker.get(TenantContext).run(vendor.vendor.id, fn, { type: 'VENDOR_KEY', id: vendor.apiKey.id });
  const ready = () => request(worker.getHttpServer()).get('/health/ready');

  /** Appends an event as a domain service would (its own transaction); returns its id. */
  async function appendEvent(type: DomainEventType, data: Record<string, unknown>): Promise<string> {
    const aggregateId = randomUUID();
    await asVendor(() =>
      worker
        .get(TenantPrisma)
        .client.$transaction((tx) =>
          worker.get(OutboxRepository).append(tx, { type, aggregateType: 'test', aggregateId, payload: data }),
        ),
    );
    return (await prisma.domainEvent.findFirstOrThrow({ where: { aggregateId } })).id;
  }

  it('readiness reports a worker whose job schedulers are missing, until it has registered them again', async () => {
    await ready().expect(200);
    const outbox = worker.get<Queue>(getQueueToken(QUEUES.outbox));
    await outbox.removeJobScheduler(OUTBOX_JOBS.relay);
    const res = await ready().expect(503);
    expect(res.body.error).toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      details: { error: { schedules: { status: 'down', missing: [`${QUEUES.outbox}/${OUTBOX_JOBS.relay}`] } } },
    });
    // The keeper puts it back by itself (it checks every 2 s here, every 5 s in production).
    await waitFor(async () => (await ready()).status === 200, 10_000, 'readiness to recover');
    expect(await outbox.getJobScheduler(OUTBOX_JOBS.relay)).toBeTruthy();
  }, 30_000);

  it('after an empty Redis is swapped in under load, the outbox relay, webhook deliveries and renewals catch up by themselves', async () => {
    const endpoint = await asVendor(() =>
      worker.get(WebhookEndpointsService).create({ url: receiver.url('/swap'), eventTypes: ['seat.checked_out'] }),
    );
    const appended: string[] = [];
    let stop = false;
    let failedAppends = 0;
    // Load: events keep arriving (in Postgres) all along; each must reach the endpoint exactly once.
    const producer = (async () => {
      let n = 0;
      while (!stop) {
        try {
          appended.push(await appendEvent('seat.checked_out', { n: n++ }));
        } catch {
          failedAppends++;
        }
        await sleep(100);
      }
    })();

    await waitFor(() => receiver.forPath('/swap').length >= 3, 15_000, 'deliveries before the swap');

    // Redis dies and a fresh, empty one takes its place on the same port.
    await redis.stop();
    // A license whose renewal falls due while Redis is away: no job was ever queued for it. (Made
    // before the new Redis starts: the schedule keeper re-registers the hourly renewal sweep as soon
    // as Redis is back, and that sweep runs at once; a license made after it would wait an hour.)
    const vendorId = vendor.vendor.id;
    const product = await prisma.product.create({
      data: { vendorId, code: `swap-${randomUUID().slice(0, 8)}`, name: 'Swap' },
    });
    const secret = randomBytes(16).toString('hex');
    const container = await prisma.container.create({
      data: { vendorId, kind: 'ENTERPRISE', name: 'C', credentialHash: secret, credentialPrefix: secret.slice(0, 12) },
    });
    await prisma.credentialRoute.create({
      data: { credentialHash: container.credentialHash, vendorId: container.vendorId, containerId: container.id },
    });
    const overdue = await prisma.license.create({
      data: {
        vendorId,
        containerId: container.id,
        productId: product.id,
        quantity: 5,
        expiresAt: new Date(Date.now() + 2 * DAY),
        renewalPolicy: 'AUTO',
        renewalTermDays: 30,
      },
    });

    await sleep(1_000);
    await redis.start();
    const swappedAt = Date.now();

    await sleep(3_000);
    stop = true;
    await producer;
    expect(failedAppends).toBe(0); // Postgres took every event; Redis is not on that path

    // Everything appended before, during and after the swap is relayed and delivered.
    const delivered = await waitFor(
      () => {
        const ids = new Set(receiver.forPath('/swap').map((r) => (JSON.parse(r.rawBody) as { id: string }).id));
        return appended.every((id) => ids.has(id)) ? ids : null;
      },
      25_000,
      'every event appended around the swap to be delivered',
    );
    expect(delivered.size).toBe(appended.length);
    const unpublished = await prisma.domainEvent.count({ where: { id: { in: appended }, publishedAt: null } });
    expect(unpublished).toBe(0);
    // One delivery per event, each recorded SUCCEEDED (the receiver may see an attempt a moment
    // before its result is written; delivery is at least once, see docs/webhooks.md).
    const deliveries = await waitFor(
      async () => {
        const rows = await prisma.webhookDelivery.findMany({ where: { endpointId: endpoint.id } });
        return rows.length === appended.length && rows.every((d) => d.status === 'SUCCEEDED') ? rows : null;
      },
      10_000,
      'every delivery to be recorded SUCCEEDED',
    );
    expect(new Set(deliveries.map((d) => d.eventId))).toEqual(new Set(appended));

    // The renewal sweep runs again and renews the license no job covered.
    const renewal = await waitFor(
      () => prisma.licenseRenewal.findFirst({ where: { licenseId: overdue.id, status: 'SUCCEEDED' } }),
      15_000,
      'the overdue renewal',
    );
    expect(renewal.newExpiresAt).toEqual(new Date(overdue.expiresAt!.getTime() + 30 * DAY));
    expect(Date.now() - swappedAt).toBeLessThan(30_000);
    await ready().expect(200);
  }, 60_000);
});

describe('an ERP post while Redis is away (fault injection)', () => {
  let redis: TestRedisServer;
  let worker: INestApplication;
  let central: INestApplication;
  let prisma: PrismaService;
  let integration: { id: string; secret: string };
  let vendor: TestVendor;

  beforeAll(async () => {
    redis = await new TestRedisServer().start();
    worker = await createWorker({ REDIS_URL: redis.url }, 2_000);
    central = await startApiApp('license-central', { env: { REDIS_URL: redis.url } });
    prisma = worker.get(PrismaService);
    vendor = await createVendor(central);
    const created = await request(central.getHttpServer())
      .post('/v1/integrations')
      .set(vendor.auth)
      .send({ name: 'SAP', kind: 'ERP' })
      .expect(201);
    integration = { id: created.body.id as string, secret: created.body.secret as string };
  }, 30_000);
  afterAll(async () => {
    await central?.close();
    await worker?.close();
    await redis?.dispose();
  }, 30_000);

  const post = (body: unknown) => postInboundEvent(central, integration, body);

  it('answers 202 at once (the event is stored), and the worker processes it once Redis is back', async () => {
    const vendorId = vendor.vendor.id;
    const code = `erp-${randomUUID().slice(0, 8)}`;
    await prisma.product.create({ data: { vendorId, code, name: 'ERP product' } });
    const orderId = `SO-${randomUUID().slice(0, 8)}`;
    const order = {
      orderId,
      group: { externalId: `CUST-${randomUUID().slice(0, 8)}`, name: 'Acme GmbH' },
      user: {
        externalId: `CONT-${randomUUID().slice(0, 8)}`,
        email: `it-${randomUUID().slice(0, 8)}@acme.example`,
        name: 'Ida Admin',
      },
      items: [{ lineId: '10', productCode: code, quantity: 3 }],
    };

    await redis.stop();
    const started = Date.now();
    const res = await post({ id: `evt-${randomUUID()}`, type: 'order.created', data: order });
    const took = Date.now() - started;
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'RECEIVED', duplicate: false });
    expect(took).toBeLessThan(3_000);
    expect(await prisma.inboundEvent.findFirstOrThrow({ where: { id: res.body.id } })).toMatchObject({
      status: 'RECEIVED',
    });

    // Redis comes back (empty). The sweep takes events left RECEIVED for over a minute: as if the
    // outage had lasted that long, the event is dated back (the sweep's own test does the same).
    await redis.start();
    await prisma.inboundEvent.updateMany({
      where: { id: res.body.id },
      data: { receivedAt: new Date(Date.now() - 2 * 60_000) },
    });
    const processed = await waitFor(
      async () => {
        const event = await prisma.inboundEvent.findFirstOrThrow({ where: { id: res.body.id } });
        return event.status === 'RECEIVED' ? null : event;
      },
      20_000,
      'the worker to process the event',
    );
    expect(processed.status).toBe('PROCESSED');
    expect(await prisma.container.findFirst({ where: { vendorId, externalId: orderId } })).toBeTruthy();
  }, 45_000);
});
