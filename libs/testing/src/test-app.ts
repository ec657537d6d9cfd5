import type { INestApplication, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AppConfig, ConfigService, loadConfig } from '@leasehold/config';
import { ApiInfo, configureHttpApp, LeaseholdExpressAdapter } from '@leasehold/http';

/**
 * Boots a real Nest application (real Postgres, real Redis, the same HTTP set-up as production)
 * for supertest. The Jest harness has already pointed DATABASE_URL and REDIS_PREFIX at this
 * worker's own database and key space. `rawBody` as in main.ts (signed ERP webhooks need the bytes).
 */
export async function createTestApp(appModule: Type<unknown>, info: ApiInfo): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({ imports: [appModule] }).compile();
  const app = moduleRef.createNestApplication(new LeaseholdExpressAdapter(), { bufferLogs: true, rawBody: true });
  configureHttpApp(app, info);
  await app.init();
  return app;
}

/**
 * Like createTestApp, with some environment variables changed. The environment is validated once,
 * when the config module is first loaded, so the changed values go through the same validation
 * (`loadConfig`) and replace the app's ConfigService.
 */
export async function createTestAppWithEnv(
  appModule: Type<unknown>,
  info: ApiInfo,
  env: Record<string, string>,
): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({ imports: [appModule] })
    .overrideProvider(ConfigService)
    .useValue(configWithEnv(env))
    .compile();
  const app = moduleRef.createNestApplication(new LeaseholdExpressAdapter(), { bufferLogs: true, rawBody: true });
  configureHttpApp(app, info);
  await app.init();
  return app;
}

/**
 * A ConfigService answering the test's environment with `env` laid over it, validated as at start-up
 * (`loadConfig`): override the app's ConfigService with it.
 */
export function configWithEnv(env: Record<string, string>): ConfigService {
  const values = loadConfig({ ...process.env, ...env });
  class ChangedConfigService extends ConfigService {
    override get<K extends keyof AppConfig>(key: K): AppConfig[K] {
      return values[key];
    }
  }
  return new ChangedConfigService(undefined as never);
}
