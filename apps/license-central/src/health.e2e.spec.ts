import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { createTestApp, createTestAppWithEnv, DelayingProxy, expectError, expectNoInternals } from '@leasehold/testing';
import { LICENSE_CENTRAL_API } from './api-info';
import { AppModule } from './app.module';

// Probes for the orchestrator, and the HTTP basics every answer shares: unknown routes 404 in
// the error envelope, and the caller's X-Request-Id is echoed so a request can be traced.

describe('health and HTTP basics (license-central)', () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await createTestApp(AppModule, LICENSE_CENTRAL_API);
  });
  afterAll(() => app.close());

  const http = () => request(app.getHttpServer());

  it('answers /health/live with 200 and no credentials', async () => {
    const res = await http().get('/health/live').expect(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('answers /health/ready with 200 when Postgres and Redis are up', async () => {
    const res = await http().get('/health/ready').expect(200);
    expect(res.body).toMatchObject({ status: 'ok', info: { postgres: { status: 'up' }, redis: { status: 'up' } } });
  });

  it('answers an unknown route with 404 ROUTE_NOT_FOUND in the error envelope', async () => {
    const res = await http().get('/v1/no-such-thing');
    expectError(res, 404, 'ROUTE_NOT_FOUND');
    expect(res.body.error.message).toContain('/v1/no-such-thing');
    // A known path with a method it does not take is an unknown route as well.
    expectError(await http().put('/health/live'), 404, 'ROUTE_NOT_FOUND');
  });

  it('answers JSON without an ETag, so a repeated GET is answered in full, never 304', async () => {
    const first = await http().get('/health/live').expect(200);
    expect(first.headers['etag']).toBeUndefined();
    const again = await http().get('/health/live').set('If-None-Match', 'W/"11-abc"').expect(200);
    expect(again.body).toEqual({ status: 'ok' });
  });

  it('echoes an incoming X-Request-Id in the header and in error bodies', async () => {
    const live = await http().get('/health/live').set('X-Request-Id', 'probe-42').expect(200);
    expect(live.headers['x-request-id']).toBe('probe-42');

    const notFound = await http().get('/nowhere').set('X-Request-Id', 'trace-abc.123');
    expectError(notFound, 404, 'ROUTE_NOT_FOUND');
    expect(notFound.body.requestId).toBe('trace-abc.123');

    const unauthenticated = await http().get('/v1/products').set('X-Request-Id', 'trace-auth');
    expectError(unauthenticated, 401, 'UNAUTHENTICATED');
    expect(unauthenticated.body.requestId).toBe('trace-auth');

    // Refused before any route runs (by the body parser): still the caller's id.
    const malformed = await http()
      .post('/v1/products')
      .set('X-Request-Id', 'trace-json')
      .set('Content-Type', 'application/json')
      .send('{"code":');
    expectError(malformed, 400, 'MALFORMED_JSON');
    expect(malformed.body.requestId).toBe('trace-json');
  });

  it('makes its own request id when none or a malformed one is sent', async () => {
    const none = await http().get('/nowhere');
    expectError(none, 404, 'ROUTE_NOT_FOUND');
    expect(none.body.requestId).toMatch(/^[0-9a-f-]{36}$/);

    const other = await http().get('/nowhere');
    expect(other.body.requestId).not.toBe(none.body.requestId);

    const hostile = await http().get('/nowhere').set('X-Request-Id', 'bad id <script>');
    expectError(hostile, 404, 'ROUTE_NOT_FOUND');
    expect(hostile.body.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(hostile.headers['x-request-id']).toBe(hostile.body.requestId);
  });

  describe('with Redis unreachable', () => {
    let broken: INestApplication;

    beforeAll(async () => {
      // Port 1 is closed: connections are refused at once.
      broken = await createTestAppWithEnv(AppModule, LICENSE_CENTRAL_API, { REDIS_URL: 'redis://127.0.0.1:1' });
    });
    afterAll(() => broken?.close());

    it('answers /health/ready with 503 in the error envelope, naming redis, while /health/live stays 200', async () => {
      const res = await request(broken.getHttpServer()).get('/health/ready').set('X-Request-Id', 'ready-check');
      expectError(res, 503, 'SERVICE_UNAVAILABLE');
      expect(res.body.requestId).toBe('ready-check');
      expect(res.body.error.details).toMatchObject({
        status: 'error',
        info: { postgres: { status: 'up' } },
        error: { redis: { status: 'down', message: expect.any(String) } },
      });
      expect(res.body.error.details.error).not.toHaveProperty('postgres');
      expectNoInternals(res);

      await request(broken.getHttpServer()).get('/health/live').expect(200);
    });

    it('does not affect the healthy app beside it', async () => {
      await http().get('/health/ready').expect(200);
    });
  });

  // Readiness flapped to 503 whenever Redis took over 1 s to answer a ping,
  // which a busy machine does. Redis is reached here through a proxy that holds answers back.
  describe('with a slow Redis (a busy machine)', () => {
    let proxy: DelayingProxy;
    let slow: INestApplication;
    let stalled: INestApplication;

    beforeAll(async () => {
      const redis = new URL(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
      proxy = await DelayingProxy.start({ host: redis.hostname, port: Number(redis.port || 6379) });
      const viaProxy = `redis://127.0.0.1:${proxy.port}`;
      // No grace here: the probe itself must wait long enough.
      slow = await createTestAppWithEnv(AppModule, LICENSE_CENTRAL_API, {
        REDIS_URL: viaProxy,
        HEALTH_READY_GRACE_MS: '0',
      });
      stalled = await createTestAppWithEnv(AppModule, LICENSE_CENTRAL_API, {
        REDIS_URL: viaProxy,
        HEALTH_PROBE_TIMEOUT_MS: '300',
        HEALTH_READY_GRACE_MS: '2500',
      });
    });
    afterAll(async () => {
      proxy.delayMs = 0;
      await slow?.close();
      await stalled?.close();
      await proxy?.close();
    });

    it('stays ready (200) when Redis answers a ping in 1.5 s, also for concurrent probes', async () => {
      proxy.delayMs = 0;
      await request(slow.getHttpServer()).get('/health/ready').expect(200); // connected (lazily) before the machine gets busy
      proxy.delayMs = 1500;
      const answers = await Promise.all([1, 2, 3].map(() => request(slow.getHttpServer()).get('/health/ready')));
      for (const res of answers) {
        expect({ status: res.status, body: res.body }).toMatchObject({
          status: 200,
          body: { status: 'ok', info: { redis: { status: 'up' } } },
        });
        expect(res.body.info.redis).not.toHaveProperty('stale');
      }
      proxy.delayMs = 0;
    });

    it('stays ready through a stall shorter than the grace period (marked stale), then answers 503 naming redis', async () => {
      proxy.delayMs = 0;
      // A good probe to remember. The first ones also connect (lazily) within the 300 ms probe
      // timeout, which a busy machine may miss: the precondition is one 200 within a few seconds.
      const until = Date.now() + 5_000;
      let first = await request(stalled.getHttpServer()).get('/health/ready');
      while (first.status !== 200 && Date.now() < until)
        first = await request(stalled.getHttpServer()).get('/health/ready');
      expect(first.status).toBe(200);
      proxy.delayMs = 60_000;
      const during = await request(stalled.getHttpServer()).get('/health/ready');
      expect(during.status).toBe(200);
      expect(during.body.info.redis).toMatchObject({
        status: 'up',
        stale: true,
        lastOkAt: expect.any(String),
        message: expect.stringContaining('300 ms'),
      });

      await new Promise((resolve) => setTimeout(resolve, 2600));
      const after = await request(stalled.getHttpServer()).get('/health/ready');
      expectError(after, 503, 'SERVICE_UNAVAILABLE');
      expect(after.body.error.details.error.redis).toMatchObject({ status: 'down', lastOkAt: expect.any(String) });
      proxy.delayMs = 0;
    });
  });
});
