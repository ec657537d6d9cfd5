import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { ADMIN_URL } from '../../../tools/jest/test-env';
import { runMigrations } from './migration-runner';
import { readSchemaFingerprint, SchemaFingerprint } from './schema-fingerprint';
import { createScratchDatabase, ScratchDatabase } from '../../../tools/jest/scratch-database';

const ROOT = path.join(__dirname, '../../..');
const SCHEMA = path.join(ROOT, 'prisma/schema.prisma');
const MIGRATIONS = path.join(ROOT, 'prisma/migrations');
const HOW_TO_FIX = 'schema.prisma and the migrations disagree: run npm run db:migration <name>';

/** The SQL that creates schema.prisma from nothing, as Prisma itself writes it. */
async function sqlOfSchema(): Promise<string> {
  const { stdout } = await promisify(execFile)(
    path.join(ROOT, 'node_modules/.bin/prisma'),
    ['migrate', 'diff', '--from-empty', '--to-schema-datamodel', SCHEMA, '--script'],
    {
      cwd: ROOT,
      maxBuffer: 16 * 1024 * 1024,
      env: {
        ...process.env,
        // As in scripts/env.sh: the CLI wants an engine file it never loads, and its driver adapter
        // connects to some database even for a diff from a datamodel.
        PRISMA_QUERY_ENGINE_LIBRARY: path.join(ROOT, 'tools/prisma/placeholder-query-engine.node'),
        PRISMA_HIDE_UPDATE_MESSAGE: '1',
        CHECKPOINT_DISABLE: '1',
        DATABASE_URL: ADMIN_URL,
      },
    },
  );
  return stdout
    .split('\n')
    .filter((line) => !line.startsWith('Loaded Prisma config'))
    .join('\n');
}

/**
 * What schema.prisma cannot express (Prisma 6 has no CHECK, EXCLUDE, constraint trigger or partial
 * index) may be written by hand into a migration — e.g. a CHECK that seats are never negative, or
 * the trigger that keeps seat reservations within the quantity — and is then no disagreement with
 * the schema.
 */
function withoutHandWrittenSql(fingerprint: SchemaFingerprint): SchemaFingerprint {
  return {
    ...fingerprint,
    constraints: fingerprint.constraints.filter((line) => !/ \[[cxt]\]: /.test(line)),
    indexes: fingerprint.indexes.filter((line) => !/ WHERE /.test(line)),
  };
}

describe('schema drift', () => {
  let fromMigrations: ScratchDatabase | undefined;
  let fromSchema: ScratchDatabase | undefined;
  afterAll(async () => {
    await fromMigrations?.drop();
    await fromSchema?.drop();
  });

  it('the migrations build exactly the database that schema.prisma describes', async () => {
    const [schemaSql, a, b] = await Promise.all([
      sqlOfSchema(),
      createScratchDatabase('drift_m'),
      createScratchDatabase('drift_s'),
    ]);
    fromMigrations = a;
    fromSchema = b;
    expect(schemaSql).toContain('CREATE TABLE');
    await runMigrations({ connectionString: fromMigrations.url, migrationsDir: MIGRATIONS });
    await fromSchema.query((client) => client.query(schemaSql));

    const migrated = withoutHandWrittenSql(await readSchemaFingerprint(fromMigrations.url));
    const described = withoutHandWrittenSql(await readSchemaFingerprint(fromSchema.url));

    expect(migrated.relations.length).toBeGreaterThan(0);
    for (const part of Object.keys(described) as (keyof SchemaFingerprint)[]) {
      const extra = migrated[part].filter((line) => !described[part].includes(line));
      const missing = described[part].filter((line) => !migrated[part].includes(line));
      if (extra.length || missing.length) {
        throw new Error(
          `${HOW_TO_FIX}\n${part} only in the migrations:\n  ${extra.join('\n  ') || '(none)'}\n` +
            `${part} only in schema.prisma:\n  ${missing.join('\n  ') || '(none)'}`,
        );
      }
    }
    expect(migrated).toEqual(described);
  }, 120_000);

  it('the snapshot that `npm run db:migration` diffs against is the current schema.prisma', async () => {
    const [schema, snapshot] = await Promise.all([
      readFile(SCHEMA, 'utf8'),
      readFile(path.join(MIGRATIONS, 'schema.snapshot.prisma'), 'utf8'),
    ]);
    if (schema !== snapshot) {
      throw new Error(`${HOW_TO_FIX} (prisma/migrations/schema.snapshot.prisma is not prisma/schema.prisma)`);
    }
  });
});
