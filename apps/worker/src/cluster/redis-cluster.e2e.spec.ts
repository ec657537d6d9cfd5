import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { Cluster } from 'ioredis';
import request from 'supertest';
import { ConfigService } from '@leasehold/config';
import { PrismaService } from '@leasehold/db';
import { LoginThrottle } from '@leasehold/domain-identity';
import { UpdateSignal } from '@leasehold/domain-updates';
import { queuePrefix, QUEUES } from '@leasehold/queues';
import { RedisService } from '@leasehold/redis';
import {
  ApiProduct,
  createPersonalContainerViaApi,
  createProductViaApi,
  createVendor,
  dbOf,
  expectError,
  postInboundEvent,
  startApiApp,
  TestRedisCluster,
  TestVendor,
  waitFor,
  WebhookTestServer,
} from '@leasehold/testing';
// The producers are license-central's: this test boots two of its instances by name beside the worker (startApiApp).
import { createWorker } from '../testing/create-worker';

// The apps on a real 3-master Redis Cluster (redis-server --cluster-enabled yes,
// created with redis-cli --cluster create; TestRedisCluster), configured as operators would
// (REDIS_URL=redis+cluster://…), with a plain REDIS_PREFIX: every queue gets its own hash tag, so
// the queues and the rate-limit keys spread over the three masters and any command or script that
// touched keys of two slots would fail with CROSSSLOT. Two license-central instances and the worker,
// real Postgres. `npm run test:cluster` runs this file; docs/scaling.md, "Redis Cluster".

const DAY = 86_400_000;
const DEVICE_LIMIT = 10;

describe('the apps on a 3-master Redis Cluster', () => {
  let cluster: TestRedisCluster;
  let inspect: Cluster;
  let worker: INestApplication;
  let centralA: INestApplication;
  let centralB: INestApplication;
  let receiver: WebhookTestServer;
  let prisma: PrismaService;
  let acme: TestVendor;
  let product: ApiProduct;
  const httpA = () => request(centralA.getHttpServer());
  const httpB = () => request(centralB.getHttpServer());
  const operator = () => ({ Authorization: `Bearer ${centralA.get(ConfigService).get('OPERATOR_TOKEN')}` });

  beforeAll(async () => {
    cluster = await TestRedisCluster.start();
    inspect = cluster.client();
    receiver = await new WebhookTestServer().start();
    const env = { REDIS_URL: cluster.url, RATE_LIMIT_DEVICE_PER_CREDENTIAL: String(DEVICE_LIMIT) };
    worker = await createWorker(env, 2_000);
    centralA = await startApiApp('license-central', { env });
    centralB = await startApiApp('license-central', { env });
    await centralA.listen(0, '127.0.0.1');
    prisma = worker.get(PrismaService);
    acme = await createVendor(centralA, 'Acme');
    product = await createProductViaApi(httpA, acme, []);
  }, 90_000);
  afterAll(async () => {
    await centralA?.close();
    await centralB?.close();
    await worker?.close();
    inspect?.disconnect();
    await receiver?.stop();
    await cluster?.stop();
  }, 60_000);

  /** Every key of the cluster, by the master (port) that holds it. */
  async function keysByMaster(): Promise<Map<number, string[]>> {
    const byMaster = new Map<number, string[]>();
    for (const node of inspect.nodes('master')) byMaster.set(node.options.port ?? 0, await node.keys('*'));
    return byMaster;
  }

  async function licensed(http: () => ReturnType<typeof request>, body: Record<string, unknown> = {}) {
    const c = await createPersonalContainerViaApi(http, dbOf(centralA), acme);
    const license = await http()
      .post(`/v1/containers/${c.containerId}/licenses`)
      .set(acme.auth)
      .send({ productId: product.productId, quantity: 1, ...body })
      .expect(201);
    return { ...c, licenseId: license.body.id as string, expiresAt: license.body.expiresAt as string | null };
  }

  it('runs on the cluster: the apps use a cluster client, and the queues are hash-tagged and spread over the masters', async () => {
    expect(worker.get(RedisService).client.isCluster).toBe(true);
    expect(centralA.get(RedisService).client.isCluster).toBe(true);
    const config = worker.get(ConfigService);
    expect(queuePrefix(config, QUEUES.renewals)).toBe(`${config.get('REDIS_PREFIX')}:bull:{${QUEUES.renewals}}`);
    // The worker's job schedulers are registered: every queue has keys by now.
    await waitFor(
      async () => (await request(worker.getHttpServer()).get('/health/ready')).status === 200,
      15_000,
      'the worker to be ready',
    );
    const holders = new Set<number>();
    for (const [port, keys] of await keysByMaster()) {
      if (keys.some((key) => key.includes(':bull:{'))) holders.add(port);
    }
    expect(cluster.ports).toHaveLength(3);
    expect(holders.size).toBeGreaterThanOrEqual(2);
  });

  it('a queue whose keys are not hash-tagged fails on the cluster (CROSSSLOT): what the tags prevent', async () => {
    const untagged = new Queue('cluster-probe', {
      connection: inspect,
      prefix: `${worker.get(ConfigService).get('REDIS_PREFIX')}:untagged`,
    });
    try {
      await expect(untagged.add('probe', {})).rejects.toThrow(/CROSSSLOT/);
    } finally {
      await untagged.close();
    }
    const tagged = new Queue('cluster-probe', {
      connection: inspect,
      prefix: queuePrefix(worker.get(ConfigService), 'cluster-probe'),
    });
    try {
      expect((await tagged.add('probe', {})).id).toBeTruthy();
      await tagged.obliterate({ force: true });
    } finally {
      await tagged.close();
    }
  });

  it('queues: an ERP order posted to license-central is queued and processed by the running worker', async () => {
    const created = await httpA()
      .post('/v1/integrations')
      .set(acme.auth)
      .send({ name: 'SAP', kind: 'ERP' })
      .expect(201);
    const integration = { id: created.body.id as string, secret: created.body.secret as string };
    const orderId = `SO-${randomUUID().slice(0, 8)}`;
    const res = await postInboundEvent(centralB, integration, {
      id: `evt-${randomUUID()}`,
      type: 'order.created',
      data: {
        orderId,
        group: { externalId: `CUST-${randomUUID().slice(0, 8)}`, name: 'Acme GmbH' },
        user: {
          externalId: `CONT-${randomUUID().slice(0, 8)}`,
          email: `it-${randomUUID().slice(0, 8)}@acme.example`,
          name: 'Ida Admin',
        },
        items: [{ lineId: '10', productCode: product.code, quantity: 3 }],
      },
    }).expect(202);
    // Processed by the job the intake queued (the sweep would only take it after a minute).
    const processed = await waitFor(
      async () => {
        const event = await prisma.inboundEvent.findFirstOrThrow({ where: { id: res.body.id } });
        return event.status === 'RECEIVED' ? null : event;
      },
      20_000,
      'the worker to process the ERP event',
    );
    expect(processed.status).toBe('PROCESSED');
    expect(await prisma.container.findFirst({ where: { vendorId: acme.vendor.id, externalId: orderId } })).toBeTruthy();
  }, 30_000);

  it('renewals: a license created due for renewal is renewed once by the worker', async () => {
    const expiresAt = new Date(Date.now() + 2 * DAY);
    const c = await licensed(httpB, { expiresAt: expiresAt.toISOString(), renewalPolicy: 'AUTO', renewalTermDays: 30 });
    const renewal = await waitFor(
      () => prisma.licenseRenewal.findFirst({ where: { licenseId: c.licenseId, status: 'SUCCEEDED' } }),
      20_000,
      'the renewal',
    );
    expect(renewal.newExpiresAt).toEqual(new Date(expiresAt.getTime() + 30 * DAY));
    expect(await prisma.licenseRenewal.count({ where: { licenseId: c.licenseId } })).toBe(1);
  }, 30_000);

  it('webhook delivery: a license change is relayed and delivered to the endpoint once, signed', async () => {
    await httpA()
      .post('/v1/webhook-endpoints')
      .set(acme.auth)
      .send({ url: receiver.url('/cluster'), eventTypes: ['license.changed'] })
      .expect(201);
    const c = await licensed(httpA);
    await httpB().patch(`/v1/licenses/${c.licenseId}`).set(acme.auth).send({ quantity: 2 }).expect(200);
    const [delivery] = await waitFor(
      () => (receiver.forPath('/cluster').length ? receiver.forPath('/cluster') : null),
      20_000,
      'the webhook delivery',
    );
    const body = JSON.parse(delivery.rawBody) as { type: string; data: { licenseId?: string } };
    expect(body.type).toBe('license.changed');
    expect(JSON.stringify(body.data)).toContain(c.licenseId);
    expect(delivery.headers['leasehold-signature']).toBeTruthy();
    await waitFor(
      async () =>
        (await prisma.webhookDelivery.count({
          where: { status: 'SUCCEEDED', event: { aggregateId: c.licenseId } },
        })) === 1,
      10_000,
      'the delivery recorded SUCCEEDED',
    );
    expect(receiver.forPath('/cluster')).toHaveLength(1);
  }, 30_000);

  it('update fan-out: a program waiting on one instance is woken by a change made through the other', async () => {
    const c = await licensed(httpA);
    const started = Date.now();
    const waiting = httpA()
      .get('/client/v1/updates')
      .query({ knownRevision: 1, wait: 20 })
      .set(c.device)
      .then((r) => r);
    await waitFor(
      () => centralA.get(UpdateSignal).listenerCount(acme.vendor.id, c.containerId) === 1,
      5_000,
      'the long-poll to wait',
    );
    await httpB().patch(`/v1/licenses/${c.licenseId}`).set(acme.auth).send({ quantity: 3 }).expect(200);
    const answer = await waiting;
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ updateAvailable: true, reason: 'LICENSE_CHANGED' });
    expect(answer.body.revision).toBeGreaterThan(1);
    expect(Date.now() - started).toBeLessThan(10_000); // woken, not timed out after 20 s
    expect(centralA.get(UpdateSignal).listenerCount(acme.vendor.id, c.containerId)).toBe(0);
  }, 30_000);

  describe('rate limits, shared by both instances through the cluster', () => {
    it(`a container credential gets ${DEVICE_LIMIT} requests a minute across both instances, then 429`, async () => {
      const c = await licensed(httpA);
      const statuses: number[] = [];
      for (let i = 0; i < DEVICE_LIMIT + 4; i++) {
        statuses.push(
          (
            await (i % 2 ? httpA() : httpB())
              .post('/client/v1/validate')
              .set(c.device)
              .send({ fingerprint: 'cluster-fingerprint' })
          ).status,
        );
      }
      expect(statuses.filter((s) => s === 200)).toHaveLength(DEVICE_LIMIT);
      expect(statuses.slice(DEVICE_LIMIT)).toEqual([429, 429, 429, 429]);
      const keys = [...(await keysByMaster()).values()].flat();
      expect(keys.some((key) => key.includes(':rate:device-credential'))).toBe(true);
    });

    it("the update-stream cap (a Lua script) holds across instances: the plan's 1 stream, the second refused", async () => {
      const few = await createVendor(centralA, 'Few streams');
      await httpA()
        .patch(`/operator/v1/vendors/${few.vendor.id}/limits`)
        .set(operator())
        .send({ updateStreamsPerContainer: 1 })
        .expect(200);
      const fewProduct = await createProductViaApi(httpA, few, []);
      const c = await createPersonalContainerViaApi(httpA, dbOf(centralA), few);
      await httpA()
        .post(`/v1/containers/${c.containerId}/licenses`)
        .set(few.auth)
        .send({ productId: fewProduct.productId, quantity: 1 })
        .expect(201);
      const first = httpA()
        .get('/client/v1/updates')
        .query({ knownRevision: 1, wait: 3 })
        .set(c.device)
        .then((r) => r);
      await waitFor(
        () => centralA.get(UpdateSignal).listenerCount(few.vendor.id, c.containerId) === 1,
        5_000,
        'the first long-poll to wait',
      );
      expectError(
        await httpB().get('/client/v1/updates').query({ knownRevision: 1, wait: 3 }).set(c.device),
        429,
        'RATE_LIMITED',
      );
      expect((await first).status).toBe(200);
      // Its slot is free again.
      await httpB().get('/client/v1/updates').query({ knownRevision: 1, wait: 1 }).set(c.device).expect(200);
    }, 20_000);

    it('login throttles count on the cluster: the 6th failure of one account is refused until a success clears it', async () => {
      const throttle = centralA.get(LoginThrottle);
      const email = `${randomUUID().slice(0, 8)}@acme.example`;
      const attempt = () =>
        throttle.consumeLogin(acme.vendor.id, email, '203.0.113.7').then(
          () => 'ok',
          (error: { code?: string }) => error.code,
        );
      const answers: (string | undefined)[] = [];
      for (let i = 0; i < 6; i++) answers.push(await attempt());
      expect(answers).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'RATE_LIMITED']);
      await throttle.loginSucceeded(acme.vendor.id, email, '203.0.113.7');
      expect(await attempt()).toBe('ok');
    });
  });
});
