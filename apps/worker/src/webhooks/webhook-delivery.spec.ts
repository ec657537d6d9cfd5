import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { PrismaService, TenantContext, TenantPrisma } from '@leasehold/db';
import { DomainEventType, OutboxRepository } from '@leasehold/domain-events';
import {
  DEFAULT_WEBHOOK_DELIVERY_POLICY,
  verifyLeaseholdWebhook,
  WEBHOOK_DELIVERY_POLICY,
  WebhookDeliveryPolicy,
  WebhookDeliveryService,
  WebhookEndpointsService,
  WebhookEndpointWithSecret,
  WebhookEventSelector,
} from '@leasehold/domain-webhooks';
import { createVendor, eventually, TestVendor, WebhookTestServer } from '@leasehold/testing';
import { AppModule } from '../app.module';

// Event types here are ones no in-process subscriber of the worker handles, so the test's made-up
// payloads cannot trip a colleague's subscriber (which would rightly hold the event back).
// The whole path on real Postgres, Redis and BullMQ: an event appended to the outbox is relayed by
// the worker's scheduler, delivered to a local HTTP server, signed, retried on the (shortened)
// schedule, given up, and the endpoint disabled when it keeps failing.

const HOUR = 3_600_000;

describe('webhook delivery (worker on real Redis and Postgres)', () => {
  let app: INestApplication;
  let prisma: PrismaService;
  let server: WebhookTestServer;
  const policy: WebhookDeliveryPolicy = {
    ...DEFAULT_WEBHOOK_DELIVERY_POLICY,
    jitter: 0,
    timeoutMs: 2_000,
    responseExcerptBytes: 64,
  };
  const defaults = { ...policy };

  beforeAll(async () => {
    server = await new WebhookTestServer().start();
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
      .overrideProvider(WEBHOOK_DELIVERY_POLICY)
      .useValue(policy)
      .compile();
    app = moduleRef.createNestApplication({ bufferLogs: true });
    await app.init();
    prisma = app.get(PrismaService);
  });
  afterAll(async () => {
    await app?.close();
    await server?.stop();
  });
  afterEach(() => {
    Object.assign(policy, defaults);
    server.respond = () => ({ status: 200, body: 'ok' });
  });

  const asVendor = <T>(vendor: TestVendor, fn: () => Promise<T>) =>
    app.get(TenantContext).run(vendor.vendor.id, fn, { type: 'VENDOR_KEY', id: vendor.apiKey.id });

  const createEndpoint = (
    vendor: TestVendor,
    path: string,
    eventTypes: WebhookEventSelector[],
  ): Promise<WebhookEndpointWithSecret> =>
    asVendor(vendor, () => app.get(WebhookEndpointsService).create({ url: server.url(path), eventTypes }));

  /** Appends an event as a domain service would (in its own transaction); returns its id. */
  async function appendEvent(
    vendor: TestVendor,
    type: DomainEventType,
    data: Record<string, unknown> = {},
  ): Promise<string> {
    const aggregateId = randomUUID();
    await asVendor(vendor, () =>
      app
        .get(TenantPrisma)
        .client.$transaction((tx) =>
          app.get(OutboxRepository).append(tx, { type, aggregateType: 'test', aggregateId, payload: data }),
        ),
    );
    const event = await prisma.domainEvent.findFirstOrThrow({ where: { aggregateId } });
    return event.id;
  }

  const delivery = (endpointId: string, eventId: string) =>
    prisma.webhookDelivery.findFirst({ where: { endpointId, eventId } });
  const settled = (endpointId: string, eventId: string) =>
    eventually(
      async () => {
        const d = await delivery(endpointId, eventId);
        return d && d.status !== 'PENDING' ? d : null;
      },
      20_000,
      'the delivery to finish',
    );

  it("attempts a delivery by its vendor and id, as its job names it: another vendor's id claims nothing; a job queued before jobs carried the vendor still delivers", async () => {
    const vendor = await createVendor(app);
    const other = await createVendor(app);
    // Subscribed to another type: the relay makes no delivery of its own for this event.
    const endpoint = await createEndpoint(vendor, '/by-key', ['device.activated']);
    const eventId = await appendEvent(vendor, 'seat.checked_out', { n: 1 });
    const due = new Date(Date.now() + HOUR); // not due for the running worker and its sweep
    const row = await prisma.webhookDelivery.create({
      data: {
        vendorId: vendor.vendor.id,
        endpointId: endpoint.id,
        eventId,
        eventType: 'seat.checked_out',
        nextAttemptAt: due,
      },
    });
    const service = app.get(WebhookDeliveryService);
    const later = new Date(due.getTime() + HOUR);

    await expect(service.attempt({ vendorId: other.vendor.id, id: row.id }, later)).resolves.toEqual({
      result: 'skipped',
    });
    expect(server.forPath('/by-key')).toHaveLength(0);
    await expect(service.attempt({ id: row.id }, later)).resolves.toEqual({ result: 'succeeded', attempts: 1 });
    expect(server.forPath('/by-key')).toHaveLength(1);
    expect(await delivery(endpoint.id, eventId)).toMatchObject({ status: 'SUCCEEDED', attempts: 1 });
  });

  it('delivers a subscribed event once, signed so that the documented verifier accepts it, and marks the event published', async () => {
    const vendor = await createVendor(app);
    const subscribed = await createEndpoint(vendor, '/signed', ['seat.checked_out']);
    const other = await createEndpoint(vendor, '/other-type', ['device.activated']);
    const eventId = await appendEvent(vendor, 'seat.checked_out', { licenseId: 'L-1', quantity: 3 });

    const done = await settled(subscribed.id, eventId);
    expect(done).toMatchObject({ status: 'SUCCEEDED', attempts: 1, lastStatusCode: 200 });
    const [received] = server.forPath('/signed');
    expect(JSON.parse(received.rawBody)).toEqual({
      id: eventId,
      type: 'seat.checked_out',
      createdAt: expect.any(String),
      vendorId: vendor.vendor.id,
      data: { licenseId: 'L-1', quantity: 3 },
    });
    expect(received.headers['leasehold-webhook-id']).toBe(eventId);
    expect(received.headers['leasehold-delivery-id']).toBe(done.id);
    expect(received.headers['leasehold-signature']).toMatch(/^v1=[0-9a-f]{64}$/);
    const ts = received.headers['leasehold-timestamp'] as string;
    const signature = received.headers['leasehold-signature'] as string;
    expect(verifyLeaseholdWebhook(subscribed.secret, received.rawBody, ts, signature)).toBe(true);
    // Tampering, a wrong secret, or a stale timestamp are refused.
    expect(verifyLeaseholdWebhook(subscribed.secret, received.rawBody.replace('L-1', 'L-2'), ts, signature)).toBe(
      false,
    );
    expect(verifyLeaseholdWebhook(other.secret, received.rawBody, ts, signature)).toBe(false);
    expect(verifyLeaseholdWebhook(subscribed.secret, received.rawBody, ts, signature, 300, Number(ts) + 301)).toBe(
      false,
    );

    const attempts = await prisma.webhookAttempt.findMany({ where: { deliveryId: done.id } });
    expect(attempts).toEqual([
      expect.objectContaining({ number: 1, succeeded: true, statusCode: 200, responseExcerpt: 'ok', error: null }),
    ]);
    expect((await prisma.domainEvent.findFirstOrThrow({ where: { id: eventId } })).publishedAt).not.toBeNull();
    // The endpoint not subscribed to the type got nothing; nothing was delivered twice.
    expect(await prisma.webhookDelivery.count({ where: { endpointId: other.id } })).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(server.forPath('/signed')).toHaveLength(1);
    expect(server.forPath('/other-type')).toHaveLength(0);
  });

  it('retries a failing endpoint on a growing schedule until it answers 2xx, logging every attempt', async () => {
    policy.retryDelaysMs = [300, 700, 1_500, 10_000];
    server.respond = (_path, n) => (n <= 3 ? { status: 503, body: `down ${n}` } : { status: 204 });
    const vendor = await createVendor(app);
    const endpoint = await createEndpoint(vendor, '/flaky', ['*']);
    const eventId = await appendEvent(vendor, 'seat.released');

    const done = await settled(endpoint.id, eventId);
    expect(done).toMatchObject({ status: 'SUCCEEDED', attempts: 4, lastStatusCode: 204 });
    const times = server.forPath('/flaky').map((r) => r.at);
    expect(times).toHaveLength(4);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    // Each wait is at least its step of the schedule, and the waits grow.
    gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(policy.retryDelaysMs[i] - 20));
    expect(gaps[1]).toBeGreaterThan(gaps[0]);
    expect(gaps[2]).toBeGreaterThan(gaps[1]);
    // The same event every time: one webhook id, a fresh signature per attempt.
    expect(new Set(server.forPath('/flaky').map((r) => r.headers['leasehold-webhook-id']))).toEqual(new Set([eventId]));

    const attempts = await prisma.webhookAttempt.findMany({
      where: { deliveryId: done.id },
      orderBy: { number: 'asc' },
    });
    expect(attempts.map((a) => [a.number, a.succeeded, a.statusCode, a.responseExcerpt])).toEqual([
      [1, false, 503, 'down 1'],
      [2, false, 503, 'down 2'],
      [3, false, 503, 'down 3'],
      [4, true, 204, null],
    ]);
    expect(attempts.every((a) => a.durationMs >= 0)).toBe(true);
    // A success clears the endpoint's failure record.
    expect(await prisma.webhookEndpoint.findFirstOrThrow({ where: { id: endpoint.id } })).toMatchObject({
      failingSince: null,
      consecutiveFailures: 0,
      status: 'ACTIVE',
    });
  });

  it('gives a delivery up as FAILED when the schedule is used up, and makes no further attempt', async () => {
    policy.retryDelaysMs = [100, 200];
    server.respond = () => ({ status: 500, body: 'x'.repeat(500) });
    const vendor = await createVendor(app);
    const endpoint = await createEndpoint(vendor, '/always-500', ['seat.returned']);
    const eventId = await appendEvent(vendor, 'seat.returned');

    const done = await settled(endpoint.id, eventId);
    expect(done).toMatchObject({ status: 'FAILED', attempts: 3, nextAttemptAt: null, lastStatusCode: 500 });
    expect(done.completedAt).not.toBeNull();
    const attempts = await prisma.webhookAttempt.findMany({ where: { deliveryId: done.id } });
    expect(attempts).toHaveLength(3);
    expect(attempts[0].responseExcerpt).toHaveLength(64); // kept to the excerpt size
    await new Promise((resolve) => setTimeout(resolve, 2_500)); // > one sweep
    expect(server.forPath('/always-500')).toHaveLength(3);
    expect(await prisma.webhookEndpoint.findFirstOrThrow({ where: { id: endpoint.id } })).toMatchObject({
      status: 'ACTIVE',
      consecutiveFailures: 1,
    });
  });

  it('records a refused connection as a failed attempt with the error', async () => {
    policy.retryDelaysMs = [];
    const vendor = await createVendor(app);
    const endpoint = await asVendor(vendor, () =>
      app.get(WebhookEndpointsService).create({ url: 'http://127.0.0.1:1/closed', eventTypes: ['*'] }),
    );
    const eventId = await appendEvent(vendor, 'seat.denied');
    const done = await settled(endpoint.id, eventId);
    expect(done).toMatchObject({
      status: 'FAILED',
      attempts: 1,
      lastStatusCode: null,
      lastError: expect.stringMatching(/ECONNREFUSED/),
    });
  });

  it('disables an endpoint whose deliveries keep failing, appends webhook_endpoint.disabled, and sends it nothing more', async () => {
    policy.retryDelaysMs = [50];
    policy.disableAfterConsecutiveFailures = 2;
    server.respond = (path) => (path === '/broken' ? { status: 500 } : { status: 200 });
    const vendor = await createVendor(app);
    const broken = await createEndpoint(vendor, '/broken', ['seat.borrowed']);
    await createEndpoint(vendor, '/watcher', ['webhook_endpoint.disabled']);
    const first = await appendEvent(vendor, 'seat.borrowed');
    const second = await appendEvent(vendor, 'seat.borrowed');
    await settled(broken.id, first);
    await settled(broken.id, second);

    const disabled = await eventually(async () => {
      const e = await prisma.webhookEndpoint.findFirstOrThrow({ where: { id: broken.id } });
      return e.status === 'DISABLED' ? e : null;
    });
    expect(disabled).toMatchObject({ consecutiveFailures: 2, disabledReason: '2 deliveries in a row failed' });
    const events = await prisma.domainEvent.findMany({
      where: { vendorId: vendor.vendor.id, type: 'webhook_endpoint.disabled' },
    });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      aggregateId: broken.id,
      payload: expect.objectContaining({ endpointId: broken.id, url: broken.url }),
    });
    // The event reaches the vendor's other endpoint.
    const notice = await eventually(() => server.forPath('/watcher')[0]);
    expect(JSON.parse(notice.rawBody)).toMatchObject({
      type: 'webhook_endpoint.disabled',
      data: { endpointId: broken.id },
    });

    const third = await appendEvent(vendor, 'seat.borrowed');
    await eventually(async () => (await prisma.domainEvent.findFirstOrThrow({ where: { id: third } })).publishedAt);
    expect(await delivery(broken.id, third)).toBeNull();
    expect(server.forPath('/broken')).toHaveLength(4);

    // Re-enabled by the vendor, it receives again with a clean record.
    server.respond = () => ({ status: 200 });
    const enabled = await asVendor(vendor, () =>
      app.get(WebhookEndpointsService).update(broken.id, { status: 'ACTIVE' }),
    );
    expect(enabled).toMatchObject({ status: 'ACTIVE', consecutiveFailures: 0, failingSince: null, disabledAt: null });
    const fourth = await appendEvent(vendor, 'seat.borrowed');
    expect(await settled(broken.id, fourth)).toMatchObject({ status: 'SUCCEEDED' });
  });

  it('disables an endpoint that has failed every attempt for longer than the policy allows', async () => {
    policy.retryDelaysMs = [60_000];
    server.respond = () => ({ status: 502 });
    const vendor = await createVendor(app);
    const endpoint = await createEndpoint(vendor, '/failing-for-a-day', ['*']);
    await prisma.webhookEndpoint.updateMany({
      where: { id: endpoint.id },
      data: { failingSince: new Date(Date.now() - 25 * HOUR) },
    });
    const eventId = await appendEvent(vendor, 'group.created');

    const disabled = await eventually(async () => {
      const e = await prisma.webhookEndpoint.findFirstOrThrow({ where: { id: endpoint.id } });
      return e.status === 'DISABLED' ? e : null;
    });
    expect(disabled.disabledReason).toMatch(/^every attempt has failed since /);
    expect(await delivery(endpoint.id, eventId)).toMatchObject({ status: 'PENDING', attempts: 1 });
    expect(
      await prisma.domainEvent.count({
        where: { vendorId: vendor.vendor.id, type: 'webhook_endpoint.disabled', aggregateId: endpoint.id },
      }),
    ).toBe(1);
  });

  it('redelivers a delivery on request, and sends a test event to one endpoint only', async () => {
    const vendor = await createVendor(app);
    const endpoint = await createEndpoint(vendor, '/redeliver', ['device.deactivated']);
    const bystander = await createEndpoint(vendor, '/bystander', ['*']);
    const eventId = await appendEvent(vendor, 'device.deactivated');
    const first = await settled(endpoint.id, eventId);
    await settled(bystander.id, eventId);

    const restarted = await asVendor(vendor, () => app.get(WebhookEndpointsService).redeliver(first.id));
    expect(restarted).toMatchObject({ id: first.id, status: 'PENDING', attempts: 1 });
    await eventually(() => server.forPath('/redeliver').length === 2, 15_000, 'the redelivery');
    const again = await settled(endpoint.id, eventId);
    expect(again).toMatchObject({ status: 'SUCCEEDED', attempts: 2 });
    const [a, b] = server.forPath('/redeliver');
    expect(b.headers['leasehold-webhook-id']).toBe(a.headers['leasehold-webhook-id']);
    expect(b.rawBody).toBe(a.rawBody);

    const ping = await asVendor(vendor, () => app.get(WebhookEndpointsService).ping(endpoint.id));
    const pinged = await eventually(() =>
      server.forPath('/redeliver').find((r) => JSON.parse(r.rawBody).type === 'webhook_endpoint.ping'),
    );
    expect(pinged.headers['leasehold-delivery-id']).toBe(ping.id);
    // The relay publishes the ping event without fanning it out to the vendor's other endpoints.
    await eventually(
      async () => (await prisma.domainEvent.findFirstOrThrow({ where: { id: ping.eventId } })).publishedAt,
    );
    expect(await delivery(bystander.id, ping.eventId)).toBeNull();
    expect(server.forPath('/bystander').some((r) => JSON.parse(r.rawBody).type === 'webhook_endpoint.ping')).toBe(
      false,
    );
  });
});
