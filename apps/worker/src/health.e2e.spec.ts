import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { gzipSync } from 'node:zlib';
import request from 'supertest';
import { configureProbeApp } from '@leasehold/http';
import { expectError } from '@leasehold/testing';
import { AppModule } from './app.module';
import { SCHEDULES } from './schedules/schedules';

// The worker serves only probes over HTTP; they must answer while its BullMQ processors run.

describe('health (worker)', () => {
  let app: INestApplication;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication({ bufferLogs: true });
    configureProbeApp(app); // as main.ts
    await app.init(); // starts the BullMQ worker and registers the job schedulers
  });
  afterAll(() => app?.close());

  it('answers /health/live with 200 and no credentials', async () => {
    const res = await request(app.getHttpServer()).get('/health/live').expect(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('answers /health/ready with 200 when Postgres and Redis are up and every job scheduler is registered', async () => {
    const res = await request(app.getHttpServer()).get('/health/ready').expect(200);
    expect(res.body).toMatchObject({
      status: 'ok',
      info: {
        postgres: { status: 'up' },
        redis: { status: 'up' },
        schedules: { status: 'up', schedulers: Object.values(SCHEDULES).flat().length },
      },
    });
    expect(Object.values(SCHEDULES).flat().length).toBe(10);
  });

  // On the worker's probe server too, a body sent to it is read by our parsers.
  it('answers hostile bodies with 415 or 400 in the error envelope, never 500', async () => {
    const post = () => request(app.getHttpServer()).post('/health/live');
    expectError(
      await post().set('Content-Type', 'application/json; charset=bogus').send('{}'),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    expectError(
      await post().set('Content-Type', 'application/json').set('Content-Encoding', 'bogus').send('{}'),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    const corrupt = Buffer.concat([gzipSync('{}').subarray(0, 10), Buffer.from('garbage')]);
    expectError(
      await post()
        .set('Content-Type', 'application/json')
        .set('Content-Encoding', 'gzip')
        .serialize((b: unknown) => b as string)
        .send(corrupt),
      400,
      'MALFORMED_BODY',
    );
    expectError(
      await post()
        .set('Content-Type', 'application/json')
        .send('{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000)),
      400,
      'MALFORMED_BODY',
    );
    expectError(await post().send({ ok: true }), 404, 'ROUTE_NOT_FOUND');
  });
});
