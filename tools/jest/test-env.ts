// Names shared by the Jest global setup, the workers and the per-file hooks.
import Redis from 'ioredis';
import { Client } from 'pg';

export const ADMIN_URL = process.env['TEST_ADMIN_DATABASE_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

export function databaseUrl(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export function runId(): string {
  const id = process.env['LEASEHOLD_TEST_RUN'];
  if (!id) throw new Error('LEASEHOLD_TEST_RUN is not set: run the tests through `npm test` or `npx jest`');
  return id;
}

export function workerDatabase(): string {
  return `leasehold_test_${runId()}_w${process.env['JEST_WORKER_ID'] ?? '1'}`;
}

export function workerRedisPrefix(): string {
  return `lhtest:${runId()}:w${process.env['JEST_WORKER_ID'] ?? '1'}`;
}

export async function withAdmin<T>(fn: (client: Client) => Promise<T>, url = ADMIN_URL): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function deleteRedisKeys(pattern: string): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
