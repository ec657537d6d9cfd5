import { randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ConfigModule } from '@leasehold/config';
import { DbModule, PrismaService, TenantContext, TenantPrisma } from '@leasehold/db';
import { AuditModule } from '@leasehold/domain-audit';
import {
  DomainEventView,
  EventsModule,
  OutboxHandler,
  OutboxRepository,
  OutboxSubscriber,
} from '@leasehold/domain-events';
import { VendorsModule } from '@leasehold/domain-vendors';
import { WebhookEndpointsService, WebhookEndpointWithSecret, WebhooksModule } from '@leasehold/domain-webhooks';
import { createVendor, eventually, TestVendor, WebhookTestServer } from '@leasehold/testing';
import { AppModule } from '../app.module';
import { OutboxRelayService } from './outbox-relay.service';

// The outbox relay: nothing committed is lost while the worker (and with it every Redis
// connection) is down; two relays running at once publish each event once; a failing in-process
// subscriber holds its event back until it succeeds.

/** A type the test subscriber handles (ids are real UUIDs, in case other subscribers handle it too). */
const SUBSCRIBED_TYPE = 'group.updated';
/** Every event the subscriber saw, across all apps of this file. */
const handled: string[] = [];
/** Event aggregate ids whose first handling fails. */
const failOnce = new Set<string>();

@OutboxSubscriber(SUBSCRIBED_TYPE)
class RecordingSubscriber implements OutboxHandler {
  async handle(event: DomainEventView): Promise<void> {
    if (failOnce.delete(event.aggregateId)) throw new Error('subscriber failed (test)');
    handled.push(event.id);
  }
}

async function startWorker(): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule],
    providers: [RecordingSubscriber],
  }).compile();
  const app = moduleRef.createNestApplication({ bufferLogs: true });
  await app.init();
  return app;
}

describe('outbox relay (worker on real Redis and Postgres)', () => {
  /** The producing side: Postgres only, no Redis, no worker (as an API replica writing events). */
  let producer: INestApplication;
  let prisma: PrismaService;
  let server: WebhookTestServer;
  let vendor: TestVendor;
  let endpoint: WebhookEndpointWithSecret;
  const workers: INestApplication[] = [];

  beforeAll(async () => {
    server = await new WebhookTestServer().start();
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule, DbModule, AuditModule, EventsModule, VendorsModule, WebhooksModule],
    }).compile();
    producer = moduleRef.createNestApplication({ bufferLogs: true });
    await producer.init();
    prisma = producer.get(PrismaService);
    vendor = await createVendor(producer);
    endpoint = await producer
      .get(TenantContext)
      .run(vendor.vendor.id, () =>
        producer.get(WebhookEndpointsService).create({ url: server.url('/relay'), eventTypes: ['*'] }),
      );
  });
  afterEach(async () => {
    // Both workers close at once: each waits for its running jobs, and on a loaded machine closing
    // them one after the other could wait on the other's relay transaction.
    await Promise.all(workers.splice(0).map((worker) => worker.close()));
  }, 120_000);
  afterAll(async () => {
    await producer?.close();
    await server?.stop();
  });

  async function append(
    count: number,
    type: typeof SUBSCRIBED_TYPE | 'seat.released' = SUBSCRIBED_TYPE,
  ): Promise<string[]> {
    const ids = Array.from({ length: count }, () => randomUUID());
    await producer
      .get(TenantContext)
      .run(vendor.vendor.id, () =>
        producer
          .get(TenantPrisma)
          .client.$transaction((tx) =>
            producer
              .get(OutboxRepository)
              .append(
                tx,
                ...ids.map((aggregateId, i) => ({ type, aggregateType: 'group', aggregateId, payload: { n: i } })),
              ),
          ),
      );
    const rows = await prisma.domainEvent.findMany({ where: { aggregateId: { in: ids } }, orderBy: { id: 'asc' } });
    return rows.map((r) => r.id);
  }

  const unpublished = (ids: string[]) => prisma.domainEvent.count({ where: { id: { in: ids }, publishedAt: null } });
  const receivedIds = () => server.forPath('/relay').map((r) => JSON.parse(r.rawBody).id as string);

  it('keeps events written while no worker or Redis connection exists, and delivers them when a worker starts', async () => {
    const ids = await append(3);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await unpublished(ids)).toBe(3);
    expect(receivedIds()).toEqual([]);

    workers.push(await startWorker());
    await eventually(() => ids.every((id) => receivedIds().includes(id)), 15_000, 'the three events to be delivered');
    expect(await unpublished(ids)).toBe(0);
    await eventually(
      async () => (await prisma.webhookDelivery.count({ where: { eventId: { in: ids }, status: 'SUCCEEDED' } })) === 3,
      5_000,
      'three SUCCEEDED',
    );
    // Each once (deliveries run in parallel, so receivers must not rely on order).
    expect(
      receivedIds()
        .filter((id) => ids.includes(id))
        .sort(),
    ).toEqual([...ids].sort());

    // The worker goes away again (Redis connections closed with it): new events wait, then flow.
    await workers.pop()!.close();
    const later = await append(2, 'seat.released');
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(await unpublished(later)).toBe(2);
    workers.push(await startWorker());
    await eventually(() => later.every((id) => receivedIds().includes(id)), 15_000, 'the later events');
  }, 60_000);

  it('publishes each event once when two relays race (subscribers called once, one delivery per endpoint)', async () => {
    const a = await startWorker();
    const b = await startWorker();
    workers.push(a, b);
    const before = handled.length;
    const ids = await append(120);
    // Besides both apps' schedulers, run both relays by hand at the same time.
    await Promise.all([
      a.get(OutboxRelayService).relay(20),
      b.get(OutboxRelayService).relay(20),
      a.get(OutboxRelayService).relay(20),
      b.get(OutboxRelayService).relay(20),
    ]);
    await eventually(async () => (await unpublished(ids)) === 0, 20_000, 'every event published');

    const seen = handled.slice(before).filter((id) => ids.includes(id));
    expect(seen).toHaveLength(ids.length);
    expect(new Set(seen).size).toBe(ids.length);
    expect(await prisma.webhookDelivery.count({ where: { eventId: { in: ids }, endpointId: endpoint.id } })).toBe(
      ids.length,
    );
    await eventually(() => ids.every((id) => receivedIds().includes(id)), 20_000, 'every delivery');
    const counts = new Map<string, number>();
    for (const id of receivedIds()) counts.set(id, (counts.get(id) ?? 0) + 1);
    expect(ids.filter((id) => counts.get(id) !== 1)).toEqual([]);
  }, 60_000);

  it('keeps an event unpublished while a subscriber fails, and publishes it once the subscriber succeeds', async () => {
    workers.push(await startWorker());
    const aggregateId = randomUUID();
    failOnce.add(aggregateId);
    await producer
      .get(TenantContext)
      .run(vendor.vendor.id, () =>
        producer
          .get(TenantPrisma)
          .client.$transaction((tx) =>
            producer
              .get(OutboxRepository)
              .append(tx, { type: SUBSCRIBED_TYPE, aggregateType: 'group', aggregateId, payload: {} }),
          ),
      );
    const event = await prisma.domainEvent.findFirstOrThrow({ where: { aggregateId } });
    await eventually(
      async () => (await prisma.domainEvent.findFirstOrThrow({ where: { id: event.id } })).publishedAt,
      15_000,
      'the event published',
    );
    expect(failOnce.has(aggregateId)).toBe(false); // the first handling did fail
    expect(handled.filter((id) => id === event.id)).toHaveLength(1);
    expect(await prisma.webhookDelivery.count({ where: { eventId: event.id } })).toBe(1);
  });
});
