import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AppModule } from './app.module';

// The worker serves only probes over HTTP; they must answer while its BullMQ processors run.

describe('health (worker)', () => {
  let app: INestApplication;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication({ bufferLogs: true });
    await app.init(); // starts the BullMQ worker and registers the job schedulers
  });
  afterAll(() => app?.close());

  it('answers /health/live with 200 and no credentials', async () => {
    const res = await request(app.getHttpServer()).get('/health/live').expect(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('answers /health/ready with 200 when Postgres and Redis are up and every job scheduler is registered', async () => {
    const res = await request(app.getHttpServer()).get('/health/ready').expect(200);
    expect(res.body).toMatchObject({ status: 'ok', info: { postgres: { status: 'up' }, redis: { status: 'up' }, schedules: { status: 'up', schedulers: 7 } } });
  });
});
