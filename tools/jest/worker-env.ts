// Runs before each test file: points the app configuration at this worker's database and Redis prefix.
import { databaseUrl, TEST_REDIS_URL, workerDatabase, workerRedisPrefix } from './test-env';

process.env['NODE_ENV'] = 'test';
process.env['LOG_LEVEL'] ??= 'silent';
process.env['DATABASE_URL'] = databaseUrl(workerDatabase());
process.env['DATABASE_POOL_SIZE'] ??= '5';
// Cheap password hashes: the suite logs in hundreds of times (production keeps 64 MiB).
process.env['PASSWORD_HASH_MEMORY_KIB'] ??= '1024';
process.env['REDIS_URL'] = TEST_REDIS_URL;
process.env['REDIS_PREFIX'] = workerRedisPrefix();
