import type { INestApplication } from '@nestjs/common';
import { gzipSync } from 'node:zlib';
import request from 'supertest';
import { createTestApp, createTestAppWithEnv, expectError } from '@leasehold/testing';
import { PORTAL_API } from './api-info';
import { AppModule } from './app.module';

// Probes for the orchestrator, and the HTTP basics every portal answer shares: unknown routes 404
// in the error envelope, and the caller's X-Request-Id is echoed so a request can be traced.

describe('health and HTTP basics (portal)', () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await createTestApp(AppModule, PORTAL_API);
  });
  afterAll(() => app.close());

  const http = () => request(app.getHttpServer());

  // On the portal too: the body parsers' errors keep their 4xx, deep JSON and
  // NUL bytes are refused before any route runs (the portal's public login route here).
  it('answers hostile bodies on login with 415, 400 MALFORMED_BODY and 400 VALIDATION_FAILED, never 500', async () => {
    const login = () => http().post('/v1/auth/login');
    expectError(
      await login().set('Content-Type', 'application/json; charset=bogus').send('{"vendor":"a"}'),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    expectError(
      await login().set('Content-Type', 'application/json').set('Content-Encoding', 'bogus').send('{"vendor":"a"}'),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    const corrupt = Buffer.concat([gzipSync('{"vendor":"a"}').subarray(0, 10), Buffer.from('garbage')]);
    expectError(
      await login()
        .set('Content-Type', 'application/json')
        .set('Content-Encoding', 'gzip')
        .serialize((b: unknown) => b as string)
        .send(corrupt),
      400,
      'MALFORMED_BODY',
    );
    expectError(
      await login()
        .set('Content-Type', 'application/json')
        .send('['.repeat(10_000) + ']'.repeat(10_000)),
      400,
      'MALFORMED_BODY',
    );
    expectError(
      await login().send({ vendor: 'acme\u0000', email: 'a@b.example', password: 'x' }),
      400,
      'VALIDATION_FAILED',
    );
    expectError(
      await login()
        .set('Content-Type', 'application/json')
        .send('{"vendor":"acme","email":"\\ud800@b.example","password":"x"}'),
      400,
      'VALIDATION_FAILED',
    );
  });

  it('answers /health/live with 200 and no credentials', async () => {
    const res = await http().get('/health/live').expect(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('answers /health/ready with 200 when Postgres and Redis are up', async () => {
    const res = await http().get('/health/ready').expect(200);
    expect(res.body).toMatchObject({ status: 'ok', info: { postgres: { status: 'up' }, redis: { status: 'up' } } });
  });

  it('answers an unknown route with 404 ROUTE_NOT_FOUND in the error envelope', async () => {
    // as an API client asks (Accept: JSON): a browser asking for HTML gets the web app's page where
    // one is built (portal-web.middleware.ts), whatever the path but the API's own
    const res = await http().get('/portal/v1/nothing-here').set('Accept', 'application/json');
    expectError(res, 404, 'ROUTE_NOT_FOUND');
    expect(res.body.error.message).toContain('/portal/v1/nothing-here');
    // The vendor API lives in license-central, not here.
    expectError(await http().get('/v1/products').set('Accept', 'text/html'), 404, 'ROUTE_NOT_FOUND');
  });

  it('echoes an incoming X-Request-Id in the header and in error bodies, and makes one otherwise', async () => {
    const live = await http().get('/health/live').set('X-Request-Id', 'portal-probe-1').expect(200);
    expect(live.headers['x-request-id']).toBe('portal-probe-1');

    const notFound = await http()
      .get('/nowhere')
      .set('X-Request-Id', 'portal-trace-2')
      .set('Accept', 'application/json');
    expectError(notFound, 404, 'ROUTE_NOT_FOUND');
    expect(notFound.body.requestId).toBe('portal-trace-2');

    const malformed = await http()
      .post('/nowhere')
      .set('X-Request-Id', 'portal-json')
      .set('Content-Type', 'application/json')
      .send('{');
    expectError(malformed, 400, 'MALFORMED_JSON');
    expect(malformed.body.requestId).toBe('portal-json');

    const generated = await http().get('/nowhere').set('Accept', 'application/json');
    expectError(generated, 404, 'ROUTE_NOT_FOUND');
    expect(generated.body.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  describe('with Redis unreachable', () => {
    let broken: INestApplication;

    beforeAll(async () => {
      // Port 1 is closed: connections are refused at once.
      broken = await createTestAppWithEnv(AppModule, PORTAL_API, { REDIS_URL: 'redis://127.0.0.1:1' });
    });
    afterAll(() => broken?.close());

    it('answers /health/ready with 503 in the error envelope, naming redis, while /health/live stays 200', async () => {
      const res = await request(broken.getHttpServer()).get('/health/ready').set('X-Request-Id', 'portal-ready');
      expectError(res, 503, 'SERVICE_UNAVAILABLE');
      expect(res.body.requestId).toBe('portal-ready');
      expect(res.body.error.details).toMatchObject({
        status: 'error',
        info: { postgres: { status: 'up' } },
        error: { redis: { status: 'down', message: expect.any(String) } },
      });
      await request(broken.getHttpServer()).get('/health/live').expect(200);
      // The healthy app beside it is not affected.
      await http().get('/health/ready').expect(200);
    });
  });
});
