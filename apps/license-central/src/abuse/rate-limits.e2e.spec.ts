import { get as httpGet, IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { ConfigService, configSchema } from '@leasehold/config';
import { PgPool, Prisma } from '@leasehold/db';
import {
  createPersonalContainerViaApi,
  createProductViaApi,
  createTestAppWithEnv,
  createVendor,
  dbOf,
  expectError,
  TestVendor,
} from '@leasehold/testing';
import { LICENSE_CENTRAL_API } from '../api-info';
import { AppModule } from '../app.module';

// Written as the abuse: a burst of validates on one container secret, a burst of
// vendor API calls on one key or from one address, 150 concurrent update streams on one secret.
// The device limits are the installation's defaults (as in production); the per-address limit of
// the vendor API is small so the attack stays quick.

const DEFAULT = (
  name:
    | 'RATE_LIMIT_DEVICE_PER_CREDENTIAL'
    | 'RATE_LIMIT_DEVICE_PER_IP'
    | 'RATE_LIMIT_VENDOR_API_PER_KEY'
    | 'RATE_LIMIT_UPDATE_STREAMS_PER_CONTAINER',
) => String(configSchema.shape[name].parse(undefined));
const VENDOR_API_PER_IP = 60;

function tally(statuses: number[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

describe('request rate limits (license-central)', () => {
  let app: INestApplication;
  let acme: TestVendor;
  let operator: { Authorization: string };
  let port: number;
  let n = 0;
  /** A fresh client address, as the one trusted proxy reports it. */
  const address = () => `198.51.100.${(n = (n % 250) + 1)}`;
  const http = () => request(app.getHttpServer());
  /** A vendor on a plan (set by the operator) with a product, as the device tests need it. */
  const vendorOnPlan = async (name: string, limits: Record<string, number>): Promise<TestVendor> => {
    const v = await createVendor(app, name);
    await http().patch(`/operator/v1/vendors/${v.vendor.id}/limits`).set(operator).send(limits).expect(200);
    await createProductViaApi(http, v, []);
    return v;
  };

  beforeAll(async () => {
    app = await createTestAppWithEnv(AppModule, LICENSE_CENTRAL_API, {
      RATE_LIMIT_DEVICE_PER_CREDENTIAL: DEFAULT('RATE_LIMIT_DEVICE_PER_CREDENTIAL'),
      RATE_LIMIT_DEVICE_PER_IP: DEFAULT('RATE_LIMIT_DEVICE_PER_IP'),
      RATE_LIMIT_VENDOR_API_PER_KEY: DEFAULT('RATE_LIMIT_VENDOR_API_PER_KEY'),
      RATE_LIMIT_VENDOR_API_PER_IP: String(VENDOR_API_PER_IP),
      RATE_LIMIT_UPDATE_STREAMS_PER_CONTAINER: DEFAULT('RATE_LIMIT_UPDATE_STREAMS_PER_CONTAINER'),
      TRUST_PROXY: '1',
    });
    await app.listen(0, '127.0.0.1');
    port = (app.getHttpServer() as { address(): AddressInfo }).address().port;
    acme = await createVendor(app, 'Acme');
    operator = { Authorization: `Bearer ${app.get(ConfigService).get('OPERATOR_TOKEN')}` };
    await createProductViaApi(http, acme, []);
  });
  afterAll(() => app.close());

  describe('device API', () => {
    it('a burst of 300 validates on one container secret: the first 120 answered, the rest 429 RATE_LIMITED with Retry-After', async () => {
      const c = await createPersonalContainerViaApi(http, dbOf(app), acme);
      const ip = address();
      const answers = await Promise.all(
        Array.from({ length: 300 }, () =>
          http()
            .post('/client/v1/validate')
            .set(c.device)
            .set('X-Forwarded-For', ip)
            .send({ fingerprint: 'burst-fingerprint' }),
        ),
      );
      const limit = Number(DEFAULT('RATE_LIMIT_DEVICE_PER_CREDENTIAL'));
      expect(tally(answers.map((a) => a.status))).toEqual({ 200: limit, 429: 300 - limit });
      const refused = answers.find((a) => a.status === 429)!;
      expectError(refused, 429, 'RATE_LIMITED');
      expect(refused.body.error.details.retryAfter).toBeGreaterThanOrEqual(1);
      expect(refused.body.error.details.retryAfter).toBeLessThanOrEqual(60);
      expect(Number(refused.headers['retry-after'])).toBe(refused.body.error.details.retryAfter);

      // Another container of the same vendor, from the same address, is not affected.
      const neighbour = await createPersonalContainerViaApi(http, dbOf(app), acme);
      await http()
        .post('/client/v1/validate')
        .set(neighbour.device)
        .set('X-Forwarded-For', ip)
        .send({ fingerprint: 'burst-fingerprint' })
        .expect(200);
    });

    it("the vendor's plan replaces the per-credential default", async () => {
      const small = await vendorOnPlan('Small plan', { deviceRequestsPerMinute: 7 });
      const c = await createPersonalContainerViaApi(http, dbOf(app), small);
      const statuses: number[] = [];
      for (let i = 0; i < 10; i++) {
        statuses.push(
          (
            await http()
              .post('/client/v1/validate')
              .set(c.device)
              .set('X-Forwarded-For', address())
              .send({ fingerprint: 'plan-fingerprint' })
          ).status,
        );
      }
      expect(tally(statuses)).toEqual({ 200: 7, 429: 3 });
    });

    it('counts a credential once whether the device lane or Express serves its requests', async () => {
      const small = await vendorOnPlan('Two paths', { deviceRequestsPerMinute: 10 });
      const c = await createPersonalContainerViaApi(http, dbOf(app), small);
      const statuses: number[] = [];
      for (let i = 0; i < 14; i++) {
        const validate = http().post('/client/v1/validate').set(c.device).set('X-Forwarded-For', address());
        // An Idempotency-Key sends the request past the lane, through Express and the global guard.
        if (i % 2) validate.set('Idempotency-Key', `two-paths-${i}`);
        statuses.push((await validate.send({ fingerprint: 'two-paths' })).status);
      }
      expect(statuses).toEqual([...Array.from({ length: 10 }, () => 200), 429, 429, 429, 429]);
    });

    it("reads a vendor's plan once a minute for all its devices, not once per device secret (each device heartbeats about once a minute)", async () => {
      const many = await vendorOnPlan('Many devices', { deviceRequestsPerMinute: 50 });
      const devices: Awaited<ReturnType<typeof createPersonalContainerViaApi>>[] = [];
      for (let i = 0; i < 5; i++) devices.push(await createPersonalContainerViaApi(http, dbOf(app), many));
      const sql = app.get(PgPool).sql;
      const query = jest.spyOn(sql, '$queryRaw');
      const planReads = () =>
        query.mock.calls.filter(([q]) =>
          (q instanceof Prisma.Sql ? q.text : q.join('?')).includes('"deviceRequestsPerMinute"'),
        ).length;
      const validateAll = async () => {
        for (const c of devices)
          await http()
            .post('/client/v1/validate')
            .set(c.device)
            .set('X-Forwarded-For', address())
            .send({ fingerprint: 'plan-fingerprint' })
            .expect(200);
      };
      const now = Date.now();
      try {
        await validateAll(); // (their activations already counted: plans and routes in memory)
        const before = planReads();
        // A minute later every device comes back: the plan is read again, once for all five.
        jest.spyOn(Date, 'now').mockReturnValue(now + 61_000);
        await validateAll();
        expect(planReads() - before).toBe(1);
      } finally {
        jest.restoreAllMocks();
      }
    });

    it('150 concurrent update streams on one container secret: at most the cap are open, the rest are refused; closing frees slots', async () => {
      // A plan with room for the requests themselves (150 > 120 a minute), and the default stream cap.
      const busy = await vendorOnPlan('Busy', { deviceRequestsPerMinute: 10_000 });
      const c = await createPersonalContainerViaApi(http, dbOf(app), busy);
      const cap = Number(DEFAULT('RATE_LIMIT_UPDATE_STREAMS_PER_CONTAINER'));
      const opened: { res: IncomingMessage; close: () => void }[] = [];
      const open = () =>
        new Promise<{ res: IncomingMessage; close: () => void }>((resolve, reject) => {
          const req = httpGet({
            host: '127.0.0.1',
            port,
            path: '/client/v1/updates/stream?knownRevision=0',
            headers: { Accept: 'text/event-stream', 'X-Forwarded-For': address(), ...c.device },
          });
          req.on('response', (res) => resolve({ res, close: () => req.destroy() }));
          req.on('error', reject);
        });
      try {
        opened.push(...(await Promise.all(Array.from({ length: 150 }, open))));
        const statuses = opened.map((o) => o.res.statusCode ?? 0);
        expect(tally(statuses)).toEqual({ 200: cap, 429: 150 - cap });
        const refused = opened.find((o) => o.res.statusCode === 429)!;
        const body = await new Promise<string>((resolve) => {
          let text = '';
          refused.res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          refused.res.on('end', () => resolve(text));
        });
        expect(JSON.parse(body)).toMatchObject({ error: { code: 'RATE_LIMITED', details: { limit: cap } } });
        // A waiting long-poll needs a slot too.
        const poll = await http()
          .get('/client/v1/updates?knownRevision=0&wait=5')
          .set(c.device)
          .set('X-Forwarded-For', address());
        expectError(poll, 429, 'RATE_LIMITED');

        // Hang up 10 streams: 10 slots come free (give the server a moment to notice).
        opened
          .filter((o) => o.res.statusCode === 200)
          .slice(0, 10)
          .forEach((o) => o.close());
        let again: { res: IncomingMessage; close: () => void } | undefined;
        for (let attempt = 0; attempt < 50; attempt++) {
          again = await open();
          opened.push(again);
          if (again.res.statusCode === 200) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        expect(again?.res.statusCode).toBe(200);
      } finally {
        opened.forEach((o) => o.close());
      }
    });

    it("a vendor plan's stream cap counts SSE streams and waiting long-polls together", async () => {
      const small = await vendorOnPlan('Few streams', { updateStreamsPerContainer: 2 });
      const c = await createPersonalContainerViaApi(http, dbOf(app), small);
      const first = http()
        .get('/client/v1/updates?knownRevision=0&wait=3')
        .set(c.device)
        .set('X-Forwarded-For', address())
        .then((r) => r);
      const second = http()
        .get('/client/v1/updates?knownRevision=0&wait=3')
        .set(c.device)
        .set('X-Forwarded-For', address())
        .then((r) => r);
      await new Promise((r) => setTimeout(r, 700));
      expectError(
        await http().get('/client/v1/updates?knownRevision=0&wait=3').set(c.device).set('X-Forwarded-For', address()),
        429,
        'RATE_LIMITED',
      );
      // wait=0 answers at once and holds no slot.
      await http()
        .get('/client/v1/updates?knownRevision=0&wait=0')
        .set(c.device)
        .set('X-Forwarded-For', address())
        .expect(200);
      expect((await first).status).toBe(200);
      expect((await second).status).toBe(200);
      // Both answered: their slots are free again.
      await http().get('/client/v1/updates?knownRevision=0&wait=0').set(c.device).expect(200);
      await http()
        .get('/client/v1/updates?knownRevision=0&wait=1')
        .set(c.device)
        .set('X-Forwarded-For', address())
        .expect(200);
    });
  });

  describe('vendor API', () => {
    it('per API key: the plan limit, then 429; another key of another vendor is not affected', async () => {
      const limited = await createVendor(app, 'Limited');
      await http()
        .patch(`/operator/v1/vendors/${limited.vendor.id}/limits`)
        .set(operator)
        .send({ apiRequestsPerMinute: 20 })
        .expect(200);
      const statuses: number[] = [];
      for (let i = 0; i < 25; i++)
        statuses.push((await http().get('/v1/products').set(limited.auth).set('X-Forwarded-For', address())).status);
      expect(tally(statuses)).toEqual({ 200: 20, 429: 5 });
      await http().get('/v1/products').set(acme.auth).set('X-Forwarded-For', address()).expect(200);
    });

    it('per client address: one address spraying keys (valid or not) is refused past the limit; other addresses go on', async () => {
      const ip = address();
      const answers = await Promise.all(
        Array.from({ length: VENDOR_API_PER_IP + 15 }, (_, i) =>
          http()
            .get('/v1/products')
            .set('X-Forwarded-For', ip)
            .set(i % 2 ? acme.auth : { Authorization: `Bearer lh_${'a'.repeat(12)}_${String(i).padStart(43, 'B')}` }),
        ),
      );
      const counts = tally(answers.map((a) => a.status));
      expect(counts[429]).toBe(15);
      expect((counts[200] ?? 0) + (counts[401] ?? 0)).toBe(VENDOR_API_PER_IP);
      await http().get('/v1/products').set(acme.auth).set('X-Forwarded-For', address()).expect(200);
    });
  });

  describe('operator: PATCH /operator/v1/vendors/{vendorId}/limits', () => {
    it('sets and resets the plan, validates it, and answers 404 for an unknown vendor', async () => {
      const v = await createVendor(app, 'Plan');
      const set = await http()
        .patch(`/operator/v1/vendors/${v.vendor.id}/limits`)
        .set(operator)
        .send({ apiRequestsPerMinute: 5000 })
        .expect(200);
      expect(set.body.limits).toEqual({
        apiRequestsPerMinute: 5000,
        deviceRequestsPerMinute: null,
        updateStreamsPerContainer: null,
      });
      const reset = await http()
        .patch(`/operator/v1/vendors/${v.vendor.id}/limits`)
        .set(operator)
        .send({ apiRequestsPerMinute: null, updateStreamsPerContainer: 4 })
        .expect(200);
      expect(reset.body.limits).toEqual({
        apiRequestsPerMinute: null,
        deviceRequestsPerMinute: null,
        updateStreamsPerContainer: 4,
      });
      for (const bad of [
        { apiRequestsPerMinute: 0 },
        { deviceRequestsPerMinute: 1.5 },
        { updateStreamsPerContainer: 'many' },
        { apiRequestsPerMinute: 10_000_000 },
      ]) {
        expectError(
          await http().patch(`/operator/v1/vendors/${v.vendor.id}/limits`).set(operator).send(bad),
          400,
          'VALIDATION_FAILED',
        );
      }
      expectError(
        await http()
          .patch('/operator/v1/vendors/018f0000-0000-7000-8000-000000000000/limits')
          .set(operator)
          .send({ apiRequestsPerMinute: 5 }),
        404,
        'NOT_FOUND',
      );
      // A vendor key is not the operator.
      expectError(
        await http().patch(`/operator/v1/vendors/${v.vendor.id}/limits`).set(v.auth).send({ apiRequestsPerMinute: 5 }),
        401,
        'OPERATOR_TOKEN_INVALID',
      );
    });
  });
});
