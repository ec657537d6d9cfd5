import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { databaseUrl, runId, withAdmin } from './test-env';

// Test support: migration tests need empty databases of their own,
// not the worker's database cloned from the migrated template. The names carry the run id, so
// the Jest global teardown drops any that a failed test left behind.

export interface ScratchDatabase {
  name: string;
  url: string;
  /** Runs `fn` with a connection to this database. */
  query<T>(fn: (client: Client) => Promise<T>): Promise<T>;
  drop(): Promise<void>;
}

export async function createScratchDatabase(label: string): Promise<ScratchDatabase> {
  const name = `leasehold_test_${runId()}_mig_${label}_${randomBytes(3).toString('hex')}`;
  if (name.length > 63) throw new Error(`database name ${name} is longer than Postgres allows; use a shorter label`);
  await withAdmin((admin) => admin.query(`CREATE DATABASE "${name}"`));
  const url = databaseUrl(name);
  return {
    name,
    url,
    query: (fn) => withAdmin(fn, url),
    drop: async () => {
      await withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}
