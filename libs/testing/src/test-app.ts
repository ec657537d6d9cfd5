import type { INestApplication, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ApiInfo, configureHttpApp } from '@leasehold/http';

/**
 * Boots a real Nest application (real Postgres, real Redis, the same HTTP set-up as production)
 * for supertest. The Jest harness has already pointed DATABASE_URL and REDIS_PREFIX at this
 * worker's own database and key space. `rawBody` as in main.ts (signed ERP webhooks need the bytes).
 */
export async function createTestApp(appModule: Type<unknown>, info: ApiInfo): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({ imports: [appModule] }).compile();
  const app = moduleRef.createNestApplication({ bufferLogs: true, rawBody: true });
  configureHttpApp(app, info);
  await app.init();
  return app;
}
