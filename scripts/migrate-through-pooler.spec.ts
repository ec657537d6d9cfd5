import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runMigrations } from '@leasehold/db-migrations';
import { TestPgBouncer } from '@leasehold/testing';
import { createScratchDatabase, ScratchDatabase } from '../tools/jest/scratch-database';

// `npm run db:migrate` keeps no session state, so it also works when DATABASE_URL
// points at a transaction-mode pooler (PgBouncer 1.18 here). A session-level advisory lock taken
// through it stays on whichever server connection ran it: the unlock may run on another one, and
// the lock is left held on a pooled server connection, so the next deploy's migrations wait forever.

describe('migrations through PgBouncer in transaction mode', () => {
  let db: ScratchDatabase;
  let bouncer: TestPgBouncer;
  let dir: string;

  beforeAll(async () => {
    db = await createScratchDatabase('pooler');
    bouncer = await TestPgBouncer.start({ database: db.name, poolMode: 'transaction', poolSize: 3 });
    dir = await mkdtemp(path.join(os.tmpdir(), 'leasehold-migrations-'));
  }, 30_000);
  afterAll(async () => {
    await bouncer?.stop();
    await rm(dir, { recursive: true, force: true });
    await db?.drop();
  }, 30_000);

  async function writeMigration(name: string, sql: string): Promise<string> {
    await mkdir(path.join(dir, name), { recursive: true });
    await writeFile(path.join(dir, name, 'migration.sql'), sql);
    return createHash('sha256').update(sql).digest('hex');
  }

  const advisoryLocksHeld = () =>
    db.query(
      async (c) =>
        (
          await c.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
          )
        ).rows[0].n,
    );

  it('three runners at once apply each migration exactly once, leave no advisory lock held, and a later run finds nothing to do', async () => {
    await writeMigration(
      '20260101000000_accounts',
      'SELECT pg_sleep(0.2); CREATE TABLE accounts (id int PRIMARY KEY);',
    );
    await writeMigration('20260102000000_orders', 'SELECT pg_sleep(0.2); CREATE TABLE orders (id int PRIMARY KEY);');
    await writeMigration('20260103000000_counters', 'CREATE TABLE counters (n int); INSERT INTO counters VALUES (1);');
    const run = () => runMigrations({ connectionString: bouncer.url, migrationsDir: dir });

    const results = await Promise.all([run(), run(), run()]);

    expect(results.flatMap((r) => r.applied).sort()).toEqual([
      '20260101000000_accounts',
      '20260102000000_orders',
      '20260103000000_counters',
    ]);
    expect(await db.query(async (c) => (await c.query('SELECT count(*)::int AS n FROM counters')).rows[0].n)).toBe(1);
    expect(await advisoryLocksHeld()).toBe(0);
    const again = await Promise.race([
      run(),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error('a later run waited for a lock nobody releases')), 10_000).unref(),
      ),
    ]);
    expect(again).toEqual({
      applied: [],
      alreadyApplied: ['20260101000000_accounts', '20260102000000_orders', '20260103000000_counters'],
    });
  }, 40_000);
});
