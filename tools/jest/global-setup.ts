import { createHash } from 'node:crypto';
import path from 'node:path';
import Redis from 'ioredis';
import { readMigrations, runMigrations } from '../../libs/db-migrations/src/migration-runner';
import { TestPgBouncer } from '../../libs/testing/src/pgbouncer';
import { ADMIN_URL, databaseUrl, TEST_REDIS_URL, withAdmin } from './test-env';

const MIGRATIONS = path.join(__dirname, '../../prisma/migrations');

/**
 * Once per run: check Postgres and Redis, and make sure a migrated template database exists for
 * the current migrations (named by their checksum, so it is rebuilt only when they change).
 * Workers clone it (CREATE DATABASE … TEMPLATE), which takes milliseconds.
 */
export default async function globalSetup(): Promise<void> {
  process.env['LEASEHOLD_TEST_RUN'] ??= `${Date.now().toString(36)}${process.pid.toString(36)}`;
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
  } catch {
    throw new Error(
      `Redis is not reachable at ${TEST_REDIS_URL}. Start it: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no`,
    );
  } finally {
    redis.disconnect();
  }
  const migrations = await readMigrations(MIGRATIONS);
  const hash = createHash('sha256')
    .update(migrations.map((m) => `${m.name}:${m.checksum}`).join('\n'))
    .digest('hex')
    .slice(0, 16);
  const template = `leasehold_test_template_${hash}`;
  process.env['LEASEHOLD_TEST_TEMPLATE'] = template;
  try {
    await withAdmin(async (admin) => {
      await admin.query('SELECT pg_advisory_lock(727172271)');
      try {
        const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [template]);
        if (rowCount) return;
        const building = `${template}_building`;
        await admin.query(`DROP DATABASE IF EXISTS "${building}" WITH (FORCE)`);
        await admin.query(`CREATE DATABASE "${building}"`);
        await runMigrations({ connectionString: databaseUrl(building), migrationsDir: MIGRATIONS });
        await admin.query(`ALTER DATABASE "${building}" RENAME TO "${template}"`);
      } finally {
        await admin.query('SELECT pg_advisory_unlock(727172271)');
      }
    });
  } catch (error) {
    if ((error as { code?: string }).code === 'ECONNREFUSED') {
      throw new Error(
        `Postgres is not reachable at ${ADMIN_URL}. Start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`,
      );
    }
    throw error;
  }
  // LEASEHOLD_TEST_POOLER=transaction (npm run test:pooler-suites): the apps of every test file
  // reach Postgres through one PgBouncer in transaction mode (any database), with
  // DATABASE_POOLER=transaction (tools/jest/worker-env.ts). Fixtures and per-file cleanup stay direct.
  if (process.env['LEASEHOLD_TEST_POOLER'] === 'transaction') {
    const bouncer = await TestPgBouncer.start({
      database: '*',
      poolMode: 'transaction',
      poolSize: 8,
      maxClientConn: 400,
    });
    (globalThis as { leaseholdTestPgBouncer?: TestPgBouncer }).leaseholdTestPgBouncer = bouncer;
    process.env['LEASEHOLD_TEST_PGBOUNCER_PORT'] = String(bouncer.port);
  }
}
