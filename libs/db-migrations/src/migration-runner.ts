import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Client } from 'pg';

/**
 * Applies the SQL migrations in Prisma's layout (`prisma/migrations/<timestamp>_<name>/migration.sql`)
 * and records them in `_prisma_migrations`, the table `prisma migrate` itself uses (same columns,
 * SHA-256 checksum of the file). We run them ourselves because `prisma migrate deploy` does not
 * work through the WASM engine these machines must use.
 *
 * - One transaction per migration, which first takes a transaction-level advisory lock and then
 *   checks the history: two replicas starting together apply each migration once; the second
 *   waits, then finds it applied. No session state (no session lock), so it also runs through a
 *   transaction-mode pooler (docs/scaling.md).
 * - A failing migration leaves no trace (Postgres DDL is transactional), and the ones before it
 *   stay applied.
 * - A migration whose file changed after it was applied is an error, never re-applied.
 */

/** An arbitrary constant shared by every runner of this project. */
export const MIGRATION_LOCK_ID = 727_172_270_42;

export interface MigrationRunOptions {
  connectionString: string;
  migrationsDir: string;
  log?: (message: string) => void;
}

export interface MigrationRunResult {
  applied: string[];
  alreadyApplied: string[];
}

export class MigrationError extends Error {
  constructor(
    message: string,
    readonly migration: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'MigrationError';
  }
}

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

export async function readMigrations(migrationsDir: string): Promise<MigrationFile[]> {
  const entries = await readdir(migrationsDir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const files: MigrationFile[] = [];
  for (const name of names) {
    const sql = await readFile(path.join(migrationsDir, name, 'migration.sql'), 'utf8');
    files.push({ name, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  return files;
}

const CREATE_HISTORY_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id"                  VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum"            VARCHAR(64) NOT NULL,
  "finished_at"         TIMESTAMPTZ,
  "migration_name"      VARCHAR(255) NOT NULL,
  "logs"                TEXT,
  "rolled_back_at"      TIMESTAMPTZ,
  "started_at"          TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

export async function runMigrations(options: MigrationRunOptions): Promise<MigrationRunResult> {
  const log = options.log ?? (() => undefined);
  const migrations = await readMigrations(options.migrationsDir);
  const client = new Client({ connectionString: options.connectionString });
  // A connection lost mid-run fails the statement in flight; without a listener the 'error' event
  // would end the whole process.
  client.on('error', () => undefined);
  await client.connect();
  try {
    // Each step is one transaction that first takes the transaction-level lock, so the runner keeps
    // no session state and works through a transaction-mode pooler too (docs/scaling.md).
    await inLockedTransaction(client, () => client.query(CREATE_HISTORY_TABLE));
    const result: MigrationRunResult = { applied: [], alreadyApplied: [] };
    for (const migration of migrations) {
      const applied = await inLockedTransaction(client, async () => {
        // Read under the lock: a runner that waited finds what the previous holder committed.
        const { rows } = await client.query<{ checksum: string }>(
          'SELECT checksum FROM "_prisma_migrations" WHERE migration_name = $1 AND finished_at IS NOT NULL AND rolled_back_at IS NULL',
          [migration.name],
        );
        const checksum = rows[0]?.checksum;
        if (checksum !== undefined) {
          if (checksum !== migration.checksum) {
            throw new MigrationError(
              `Migration ${migration.name} was changed after it was applied (checksum differs). Write a new migration instead.`,
              migration.name,
            );
          }
          return false;
        }
        await applyOne(client, migration);
        return true;
      });
      if (applied) {
        log(`applied migration ${migration.name}`);
        result.applied.push(migration.name);
      } else {
        result.alreadyApplied.push(migration.name);
      }
    }
    return result;
  } finally {
    await client.end();
  }
}

/** Runs `fn` in one transaction holding the migration lock (released by COMMIT or ROLLBACK). */
async function inLockedTransaction<T>(client: Client, fn: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_ID]);
    const result = await fn();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}

async function applyOne(client: Client, migration: MigrationFile): Promise<void> {
  // Inside the caller's locked transaction, which rolls it back on failure.
  try {
    await client.query(migration.sql);
    await client.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, logs, started_at, applied_steps_count)
       VALUES ($1, $2, now(), $3, NULL, now(), 1)`,
      [randomUUID(), migration.checksum, migration.name],
    );
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new MigrationError(
      `Migration ${migration.name} failed and was rolled back: ${reason}`,
      migration.name,
      error,
    );
  }
}
