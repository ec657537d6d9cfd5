import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { PgPool, PrismaService, TenantContext, TenantPrisma } from '@leasehold/db';
import { DomainEventType, OutboxRepository } from '@leasehold/domain-events';
import { WebhookEndpointsService } from '@leasehold/domain-webhooks';
import { AllExceptionsFilter } from '@leasehold/http';
import { createVendor, terminateBackends, TestVendor, waitFor, WebhookTestServer } from '@leasehold/testing';
import { ADMIN_URL, workerDatabase } from '../../../../tools/jest/test-env';
import { AppModule } from '../app.module';

// Fault injection (docs/operations.md, "Postgres connections terminated"): the real worker relays
// and delivers while every backend of this test's own database (pg_stat_activity filtered by its
// name: other runs share the server) is terminated again and again. It must not exit, and every
// event must still be published and delivered.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the worker when Postgres terminates its connections (fault injection)', () => {
  let worker: INestApplication;
  let prisma: PrismaService;
  let receiver: WebhookTestServer;
  let vendor: TestVendor;

  beforeAll(async () => {
    receiver = await new WebhookTestServer().start();
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    worker = moduleRef.createNestApplication({ bufferLogs: true });
    worker.useGlobalFilters(new AllExceptionsFilter());
    await worker.init();
    prisma = worker.get(PrismaService);
    vendor = await createVendor(worker);
  }, 30_000);
  afterAll(async () => {
    await worker?.close();
    await receiver?.stop();
  }, 30_000);

  const asVendor = <T>(fn: () => Promise<T>) =>
    worker.get(TenantContext).run(vendor.vendor.id, fn, { type: 'VENDOR_KEY', id: vendor.apiKey.id });

  /** Appends an event as a domain service would; undefined when the database dropped the connection. */
  async function appendEvent(type: DomainEventType, data: Record<string, unknown>): Promise<string | undefined> {
    const aggregateId = randomUUID();
    try {
      await asVendor(() =>
        worker
          .get(TenantPrisma)
          .client.$transaction((tx) =>
            worker.get(OutboxRepository).append(tx, { type, aggregateType: 'test', aggregateId, payload: data }),
          ),
      );
    } catch {
      return undefined; // not committed (or committed: then it is found below and must be delivered too)
    }
    return (await prisma.domainEvent.findFirst({ where: { aggregateId } }))?.id;
  }

  it('keeps running through repeated backend terminations, and relays and delivers every event', async () => {
    const endpoint = await asVendor(() =>
      worker.get(WebhookEndpointsService).create({ url: receiver.url('/pg'), eventTypes: ['seat.checked_out'] }),
    );
    const aggregates: string[] = [];
    let stop = false;
    const producer = (async () => {
      let n = 0;
      while (!stop) {
        const id = await appendEvent('seat.checked_out', { n: n++ }).catch(() => undefined);
        if (id) aggregates.push(id);
        await sleep(50);
      }
    })();

    let terminated = 0;
    await sleep(1_000);
    for (let round = 0; round < 10; round++) {
      terminated += await terminateBackends(ADMIN_URL, workerDatabase());
      await sleep(300 + Math.random() * 300);
    }
    stop = true;
    await producer;
    expect(terminated).toBeGreaterThan(5); // the faults happened

    // Every committed event (also those whose commit the producer did not see) is published and
    // fanned out to the endpoint. (A delivery whose attempt was cut mid-way is retried when its
    // lock expires, up to 40 s later: docs/webhooks.md; this test does not wait for those.)
    const committed = await waitFor(
      async () =>
        (await prisma.domainEvent.findMany({ where: { vendorId: vendor.vendor.id, type: 'seat.checked_out' } })).map(
          (e) => e.id,
        ),
      10_000,
      'the database to answer',
    );
    expect(committed.length).toBeGreaterThanOrEqual(aggregates.length);
    await waitFor(
      async () => (await prisma.domainEvent.count({ where: { id: { in: committed }, publishedAt: null } })) === 0,
      15_000,
      'every event to be published',
    );
    await waitFor(
      async () =>
        (await prisma.webhookDelivery.count({ where: { endpointId: endpoint.id, eventId: { in: committed } } })) ===
        committed.length,
      15_000,
      'a delivery for every event',
    );

    // And the worker works as before: a new event is relayed and delivered at once.
    const fresh = await appendEvent('seat.checked_out', { after: true });
    expect(fresh).toBeDefined();
    await waitFor(
      () =>
        prisma.webhookDelivery.findFirst({ where: { endpointId: endpoint.id, eventId: fresh, status: 'SUCCEEDED' } }),
      10_000,
      'the new event to be delivered',
    );
    expect(receiver.forPath('/pg').some((r) => (JSON.parse(r.rawBody) as { id: string }).id === fresh)).toBe(true);
    await request(worker.getHttpServer()).get('/health/ready').expect(200);
    // No connection was lost for good: none stays checked out once the work is done (a dead
    // connection its holder never released would keep its pool slot forever).
    const pool = worker.get(PgPool).pool;
    await waitFor(
      () => pool.totalCount - pool.idleCount === 0 && pool.waitingCount === 0,
      10_000,
      'every pooled connection to be back in the pool',
      20,
    );
  }, 60_000);
});
