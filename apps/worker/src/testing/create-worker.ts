import type { INestApplication, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ConfigService } from '@leasehold/config';
import { AllExceptionsFilter, LeaseholdExpressAdapter } from '@leasehold/http';
import { configWithEnv } from '@leasehold/testing';
import { AppModule } from '../app.module';
import { SCHEDULE_CHECK_INTERVAL } from '../schedules/schedule-keeper';

/**
 * The worker as main.ts builds it, on the test's environment with some variables changed (a Redis
 * of the test's own, a Redis Cluster), validated by loadConfig, and the schedule keeper checking
 * every `checkEveryMs`.
 */
export async function createWorker(env: Record<string, string>, checkEveryMs: number): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({ imports: [AppModule as Type<unknown>] })
    .overrideProvider(ConfigService)
    .useValue(configWithEnv(env))
    .overrideProvider(SCHEDULE_CHECK_INTERVAL)
    .useValue(checkEveryMs)
    .compile();
  const app = moduleRef.createNestApplication(new LeaseholdExpressAdapter(), { bufferLogs: true });
  app.useGlobalFilters(new AllExceptionsFilter());
  await app.init();
  return app;
}
