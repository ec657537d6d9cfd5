import type { TestPgBouncer } from '../../libs/testing/src/pgbouncer';
import { deleteRedisKeys, runId, withAdmin } from './test-env';

/** Drops this run's worker databases and Redis keys. */
export default async function globalTeardown(): Promise<void> {
  await (globalThis as { leaseholdTestPgBouncer?: TestPgBouncer }).leaseholdTestPgBouncer?.stop();
  const run = runId();
  await withAdmin(async (admin) => {
    const { rows } = await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [
      `leasehold_test_${run}_%`,
    ]);
    for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  });
  await deleteRedisKeys(`lhtest:${run}:*`);
}
