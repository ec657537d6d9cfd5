import { Client } from 'pg';

/**
 * A database's schema as sorted lines of text, read from the Postgres catalog, so that two
 * databases built different ways (our migrations vs. `prisma migrate diff --from-empty`) can be
 * compared and any difference shows up as a readable diff. Column order is ignored (a column added
 * by a later migration lands at the end of the table), and so is `_prisma_migrations`, which only
 * the migration runner creates.
 */
export interface SchemaFingerprint {
  /** `schema.table (kind)` — kind r = table, p = partitioned table, v = view, m = materialized view, S = sequence. */
  relations: string[];
  /** `schema.table.column type NOT NULL|NULL [DEFAULT expr]` */
  columns: string[];
  /** `pg_indexes.indexdef`, which names the table, the columns, uniqueness and any WHERE clause. */
  indexes: string[];
  /** `schema.table constraint_name [kind]: pg_get_constraintdef(...)` — kind p, u, f, c (check), x (exclusion). */
  constraints: string[];
  /** `schema.Type: LABEL, LABEL, …` with the labels in their declared order (the order is part of the type). */
  enums: string[];
}

const MIGRATION_HISTORY = '_prisma_migrations';

// Only the project's own schemas: not Postgres' catalogs, not TOAST.
const USER_SCHEMA = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'`;

export async function readSchemaFingerprint(connectionString: string): Promise<SchemaFingerprint> {
  const client = new Client({ connectionString });
  await client.connect();
  try {
    const lines = async (sql: string, params: unknown[] = [MIGRATION_HISTORY]) =>
      (await client.query<{ line: string }>(sql, params)).rows.map((r) => r.line).sort();

    return {
      relations: await lines(`
        SELECT format('%s.%s (%s)', n.nspname, c.relname, c.relkind) AS line
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE ${USER_SCHEMA} AND c.relkind IN ('r', 'p', 'v', 'm', 'S') AND c.relname <> $1`),
      columns: await lines(`
        SELECT format('%s.%s.%s %s %s%s', n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
                      CASE WHEN a.attnotnull THEN 'NOT NULL' ELSE 'NULL' END,
                      COALESCE(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '')) AS line
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE ${USER_SCHEMA} AND c.relkind IN ('r', 'p', 'v', 'm') AND c.relname <> $1
          AND a.attnum > 0 AND NOT a.attisdropped`),
      indexes: await lines(`
        SELECT i.indexdef AS line
        FROM pg_indexes i JOIN pg_namespace n ON n.nspname = i.schemaname
        WHERE ${USER_SCHEMA} AND i.tablename <> $1`),
      constraints: await lines(`
        SELECT format('%s.%s %s [%s]: %s', n.nspname, c.relname, k.conname, k.contype, pg_get_constraintdef(k.oid)) AS line
        FROM pg_constraint k
        JOIN pg_class c ON c.oid = k.conrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE ${USER_SCHEMA} AND c.relname <> $1`),
      enums: await lines(
        `SELECT format('%s.%s: %s', n.nspname, t.typname, string_agg(e.enumlabel, ', ' ORDER BY e.enumsortorder)) AS line
         FROM pg_type t
         JOIN pg_namespace n ON n.oid = t.typnamespace
         JOIN pg_enum e ON e.enumtypid = t.oid
         WHERE ${USER_SCHEMA}
         GROUP BY n.nspname, t.typname`,
        [],
      ),
    };
  } finally {
    await client.end();
  }
}
