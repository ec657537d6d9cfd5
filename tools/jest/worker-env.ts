// Runs before each test file: points the app configuration at this worker's database and Redis prefix.
import { databaseUrl, TEST_REDIS_URL, workerDatabase, workerRedisPrefix } from './test-env';

process.env['NODE_ENV'] = 'test';
process.env['LOG_LEVEL'] ??= 'silent';
process.env['DATABASE_URL'] = databaseUrl(workerDatabase());
// Through the run's PgBouncer in transaction mode (LEASEHOLD_TEST_POOLER=transaction, see global-setup).
const pgbouncerPort = process.env['LEASEHOLD_TEST_PGBOUNCER_PORT'];
if (pgbouncerPort) {
  process.env['DATABASE_URL'] = `postgresql://postgres@127.0.0.1:${pgbouncerPort}/${workerDatabase()}`;
  process.env['DATABASE_POOLER'] = 'transaction';
}
process.env['DATABASE_POOL_SIZE'] ??= '5';
// Cheap password hashes: the suite logs in hundreds of times (production keeps 64 MiB).
process.env['PASSWORD_HASH_MEMORY_KIB'] ??= '1024';
process.env['REDIS_URL'] = TEST_REDIS_URL;
process.env['REDIS_PREFIX'] = workerRedisPrefix();
// The suite makes bursts of requests from one address with one credential (races, seat contention):
// rate limits far above them. The abuse tests (apps/license-central/src/abuse) set real ones.
for (const name of [
  'RATE_LIMIT_VENDOR_API_PER_KEY',
  'RATE_LIMIT_VENDOR_API_PER_IP',
  'RATE_LIMIT_DEVICE_PER_CREDENTIAL',
  'RATE_LIMIT_DEVICE_PER_IP',
]) {
  process.env[name] ??= '1000000';
}
process.env['RATE_LIMIT_UPDATE_STREAMS_PER_CONTAINER'] ??= '100000';
