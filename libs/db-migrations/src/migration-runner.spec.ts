import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MigrationError, runMigrations } from './migration-runner';
import { createScratchDatabase, ScratchDatabase } from '../../../tools/jest/scratch-database';

const REAL_MIGRATIONS = path.join(__dirname, '../../../prisma/migrations');

interface HistoryRow {
  id: string;
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  applied_steps_count: number;
}

describe('migration runner', () => {
  let db: ScratchDatabase;
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'leasehold-migrations-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
    await db?.drop();
  });

  async function writeMigration(name: string, sql: string): Promise<string> {
    await mkdir(path.join(dir, name), { recursive: true });
    await writeFile(path.join(dir, name, 'migration.sql'), sql);
    return createHash('sha256').update(sql).digest('hex');
  }

  const history = () =>
    db.query(
      async (c) => (await c.query<HistoryRow>('SELECT * FROM "_prisma_migrations" ORDER BY migration_name')).rows,
    );

  const tableExists = (table: string) =>
    db.query(
      async (c) =>
        (await c.query('SELECT to_regclass($1) IS NOT NULL AS present', [`public.${table}`])).rows[0]
          .present as boolean,
    );

  it('applies every migration of a fresh database and records it with its SHA-256 checksum', async () => {
    db = await createScratchDatabase('fresh');
    const accountsSum = await writeMigration('20260101000000_accounts', 'CREATE TABLE accounts (id int PRIMARY KEY);');
    const ordersSum = await writeMigration(
      '20260102000000_orders',
      'CREATE TABLE orders (id int PRIMARY KEY, account int REFERENCES accounts);',
    );

    const result = await runMigrations({ connectionString: db.url, migrationsDir: dir });

    expect(result).toEqual({ applied: ['20260101000000_accounts', '20260102000000_orders'], alreadyApplied: [] });
    expect(await tableExists('accounts')).toBe(true);
    expect(await tableExists('orders')).toBe(true);
    const rows = await history();
    expect(rows).toEqual([
      expect.objectContaining({
        migration_name: '20260101000000_accounts',
        checksum: accountsSum,
        rolled_back_at: null,
        applied_steps_count: 1,
      }),
      expect.objectContaining({
        migration_name: '20260102000000_orders',
        checksum: ordersSum,
        rolled_back_at: null,
        applied_steps_count: 1,
      }),
    ]);
    for (const row of rows) expect(row.finished_at).toBeInstanceOf(Date);
  });

  it("applies the project's own migrations to an empty database", async () => {
    db = await createScratchDatabase('real');
    const names = (await readdir(REAL_MIGRATIONS, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();

    const result = await runMigrations({ connectionString: db.url, migrationsDir: REAL_MIGRATIONS });

    expect(result.applied).toEqual(names);
    expect((await history()).map((r) => r.migration_name)).toEqual(names);
    for (const table of ['vendors', 'api_keys', 'products', 'features', 'idempotency_records'])
      expect(await tableExists(table)).toBe(true);
  });

  it('does nothing when run again', async () => {
    db = await createScratchDatabase('rerun');
    await writeMigration('20260101000000_accounts', 'CREATE TABLE accounts (id int PRIMARY KEY);');
    await writeMigration('20260102000000_orders', 'CREATE TABLE orders (id int PRIMARY KEY);');
    await runMigrations({ connectionString: db.url, migrationsDir: dir });
    const before = await history();

    const again = await runMigrations({ connectionString: db.url, migrationsDir: dir });

    expect(again).toEqual({ applied: [], alreadyApplied: ['20260101000000_accounts', '20260102000000_orders'] });
    expect(await history()).toEqual(before);
  });

  it('applies only the new migration when one is added later', async () => {
    db = await createScratchDatabase('added');
    await writeMigration('20260101000000_accounts', 'CREATE TABLE accounts (id int PRIMARY KEY);');
    await runMigrations({ connectionString: db.url, migrationsDir: dir });
    await writeMigration('20260102000000_orders', 'CREATE TABLE orders (id int PRIMARY KEY);');

    const result = await runMigrations({ connectionString: db.url, migrationsDir: dir });

    expect(result).toEqual({ applied: ['20260102000000_orders'], alreadyApplied: ['20260101000000_accounts'] });
    expect(await history()).toHaveLength(2);
  });

  it('applies each migration exactly once when several runners start together', async () => {
    db = await createScratchDatabase('race');
    // The sleeps keep the first runner inside its migrations while the others arrive; without the
    // advisory lock a second runner would try CREATE TABLE again and fail.
    await writeMigration(
      '20260101000000_accounts',
      'SELECT pg_sleep(0.3); CREATE TABLE accounts (id int PRIMARY KEY);',
    );
    await writeMigration('20260102000000_orders', 'SELECT pg_sleep(0.3); CREATE TABLE orders (id int PRIMARY KEY);');
    await writeMigration('20260103000000_counters', 'CREATE TABLE counters (n int); INSERT INTO counters VALUES (1);');

    const results = await Promise.all(
      [1, 2, 3].map(() => runMigrations({ connectionString: db.url, migrationsDir: dir })),
    );

    const applied = results.flatMap((r) => r.applied).sort();
    expect(applied).toEqual(['20260101000000_accounts', '20260102000000_orders', '20260103000000_counters']);
    expect((await history()).map((r) => r.migration_name)).toEqual(applied);
    expect(await db.query(async (c) => (await c.query('SELECT count(*)::int AS n FROM counters')).rows[0].n)).toBe(1);
  });

  it("applies the project's migrations exactly once when two runners start together", async () => {
    db = await createScratchDatabase('racereal');

    const [first, second] = await Promise.all(
      [1, 2].map(() => runMigrations({ connectionString: db.url, migrationsDir: REAL_MIGRATIONS })),
    );

    const names = (await history()).map((r) => r.migration_name);
    expect([...first.applied, ...second.applied].sort()).toEqual(names);
    expect([...first.alreadyApplied, ...second.alreadyApplied].sort()).toEqual(names);
  });

  it('rolls a failing migration back completely, keeps the earlier ones, and names the failing one', async () => {
    db = await createScratchDatabase('fail');
    await writeMigration('20260101000000_accounts', 'CREATE TABLE accounts (id int PRIMARY KEY);');
    await writeMigration(
      '20260102000000_orders',
      'CREATE TABLE orders (id int PRIMARY KEY);\nCREATE TABLE broken (id no_such_type);',
    );
    await writeMigration('20260103000000_invoices', 'CREATE TABLE invoices (id int PRIMARY KEY);');

    const failure = await runMigrations({ connectionString: db.url, migrationsDir: dir }).catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(MigrationError);
    expect((failure as MigrationError).migration).toBe('20260102000000_orders');
    expect((failure as MigrationError).message).toContain('20260102000000_orders');
    expect((failure as MigrationError).message).toContain('no_such_type');
    expect(await tableExists('accounts')).toBe(true);
    expect(await tableExists('orders')).toBe(false); // the good statement before the bad one is undone too
    expect(await tableExists('invoices')).toBe(false); // nothing after the failure runs
    expect((await history()).map((r) => r.migration_name)).toEqual(['20260101000000_accounts']);

    // Once fixed, the next run picks up where the failure stopped (and the lock was released).
    await writeMigration('20260102000000_orders', 'CREATE TABLE orders (id int PRIMARY KEY);');
    const retry = await runMigrations({ connectionString: db.url, migrationsDir: dir });
    expect(retry.applied).toEqual(['20260102000000_orders', '20260103000000_invoices']);
  });

  it('refuses a migration whose file changed after it was applied, and applies nothing after it', async () => {
    db = await createScratchDatabase('changed');
    await writeMigration('20260101000000_accounts', 'CREATE TABLE accounts (id int PRIMARY KEY);');
    await runMigrations({ connectionString: db.url, migrationsDir: dir });
    await writeMigration('20260101000000_accounts', 'CREATE TABLE accounts (id bigint PRIMARY KEY);');
    await writeMigration('20260102000000_orders', 'CREATE TABLE orders (id int PRIMARY KEY);');

    const failure = await runMigrations({ connectionString: db.url, migrationsDir: dir }).catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(MigrationError);
    expect((failure as MigrationError).migration).toBe('20260101000000_accounts');
    expect((failure as MigrationError).message).toMatch(/20260101000000_accounts was changed after it was applied/);
    expect(await tableExists('orders')).toBe(false);
    expect((await history()).map((r) => r.migration_name)).toEqual(['20260101000000_accounts']);
  });
});
