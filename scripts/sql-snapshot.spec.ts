import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { Client } from 'pg';
import { renderSnapshot, SNAPSHOTS, SQL_DIR, statementsOf } from './sql-snapshot';

describe('sql/*.sql (the hot statements, rendered from the repositories)', () => {
  it.each(Object.keys(SNAPSHOTS))(
    'sql/%s.sql is current (run `npm run sql:snapshot` when this fails, and review the diff)',
    async (file) => {
      expect(await readFile(path.join(SQL_DIR, `${file}.sql`), 'utf8').catch(() => '')).toBe(
        await renderSnapshot(file),
      );
    },
  );

  it('holds no file of a repository the snapshot no longer renders (run `npm run sql:snapshot`)', async () => {
    expect((await readdir(SQL_DIR)).filter((f) => f.endsWith('.sql')).sort()).toEqual(
      Object.keys(SNAPSHOTS)
        .map((f) => `${f}.sql`)
        .sort(),
    );
  });

  it('every statement is valid SQL on the migrated schema (PREPARE: parsed, typed, planned)', async () => {
    const client = new Client({ connectionString: process.env['DATABASE_URL'] });
    await client.connect();
    try {
      let n = 0;
      for (const file of Object.keys(SNAPSHOTS)) {
        for (const [name, text] of await statementsOf(file)) {
          const statement = `snapshot_${n++}`;
          await client.query(`PREPARE ${statement} AS ${text}`).catch((error: Error) => {
            throw new Error(`${file} ${name}: ${error.message}`);
          });
          await client.query(`DEALLOCATE ${statement}`);
        }
      }
      expect(n).toBeGreaterThan(30);
    } finally {
      await client.end();
    }
  });
});
