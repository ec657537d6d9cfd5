import path from 'node:path';
import { INestApplication, Module, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { type ApiInfo, LeaseholdExpressAdapter } from '@leasehold/http';
import { createTestApp, createTestAppWithEnv } from './test-app';

/** The apps another app's tests may boot beside themselves. */
export type AppName = 'license-central' | 'portal' | 'worker';

/** What `apps/<name>/src/testing/app-under-test.ts` exports as APP_UNDER_TEST: the app's root module and, for an HTTP API, its ApiInfo. */
export interface AppUnderTest {
  module: Type<unknown>;
  info: ApiInfo | null;
}

const ROOT = path.join(__dirname, '../../..');

/**
 * An app as ANOTHER app's tests boot it (the worker's end-to-end tests drive license-central's and
 * the portal's routes; the portal web app's test runs all three). It is loaded by path when the
 * test runs, from the file each app keeps for this, so no project imports another app (module
 * boundaries) and the apps themselves never depend on each other; only the tests meet them.
 */
export function appUnderTest(name: AppName): AppUnderTest {
  const file = path.join(ROOT, 'apps', name, 'src/testing/app-under-test');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { APP_UNDER_TEST } = require(file) as { APP_UNDER_TEST?: AppUnderTest };
  if (!APP_UNDER_TEST) throw new Error(`${file}.ts exports no APP_UNDER_TEST`);
  return APP_UNDER_TEST;
}

/** The app's module with more modules imported beside it (e.g. the vendor registry, to make test vendors). */
function withImports(module: Type<unknown>, imports: Type<unknown>[]): Type<unknown> {
  if (imports.length === 0) return module;
  @Module({ imports: [module, ...imports] })
  class AppWithTestImports {}
  return AppWithTestImports;
}

/** Boots another app's HTTP API as its own tests do (createTestApp / createTestAppWithEnv when `env` changes variables). */
export function startApiApp(
  name: Exclude<AppName, 'worker'>,
  options: { env?: Record<string, string>; imports?: Type<unknown>[] } = {},
): Promise<INestApplication> {
  const { module, info } = appUnderTest(name);
  if (!info) throw new Error(`${name} is not an HTTP API`);
  const root = withImports(module, options.imports ?? []);
  return options.env ? createTestAppWithEnv(root, info, options.env) : createTestApp(root, info);
}

/** Boots the worker (its outbox relay and queues running) for another app's tests. */
export async function startWorkerApp(): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({ imports: [appUnderTest('worker').module] }).compile();
  const worker = moduleRef.createNestApplication(new LeaseholdExpressAdapter(), { bufferLogs: true });
  await worker.init();
  return worker;
}
