import type { INestApplication, Type } from '@nestjs/common';
import type { ApiInfo } from '@leasehold/http';
import { CuttableTcpProxy } from './faults';
import { createTestAppWithEnv } from './test-app';

/**
 * An app whose database connection goes through a `CuttableTcpProxy` to the test's database, so a
 * test can cut Postgres away from it (`proxy.cut()`) and bring it back. `close()` closes both.
 */
export async function appBehindCuttableDatabase(
  appModule: Type<unknown>,
  info: ApiInfo,
): Promise<{ app: INestApplication; proxy: CuttableTcpProxy; close: () => Promise<void> }> {
  const target = new URL(process.env['DATABASE_URL'] as string);
  const proxy = await new CuttableTcpProxy(target.hostname, Number(target.port || 5432)).start();
  const app = await createTestAppWithEnv(appModule, info, { DATABASE_URL: proxy.proxied(target.toString()) });
  return {
    app,
    proxy,
    close: async () => {
      await app.close();
      await proxy.close();
    },
  };
}
