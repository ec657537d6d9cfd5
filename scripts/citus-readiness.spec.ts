// Can every tenant table be distributed by vendor on Citus (`create_distributed_table(…, 'vendorId')`,
// all co-located) and the rest be reference or coordinator-local tables? Citus enforces a primary
// key, a unique constraint or index, or an exclusion constraint only if it contains the
// distribution column, and a foreign key between distributed tables only if it includes the
// distribution column on both sides (so the two rows live on the same shard); a reference table
// may not point at a distributed one. This test reads the migrated database's catalog and fails on
// any table that breaks those rules, and on any hot statement (sql/*.sql, rendered from the
// repositories) that a Citus coordinator could not route to one shard. docs/scaling.md, "Citus".
import { Client } from 'pg';
import { SNAPSHOTS, statementsOf } from './sql-snapshot';

/** Small, global tables, copied to every Citus node (`create_reference_table`). */
export const REFERENCE_TABLES = ['vendors', 'api_keys', 'integrations', 'credential_routes'] as const;

/** Platform bookkeeping that no tenant statement joins: stays on the coordinator (a plain local table). */
export const COORDINATOR_TABLES = ['_prisma_migrations', 'idempotency_records', 'usage_aggregation_state'] as const;

/**
 * Hot statements that work across all vendors on purpose (sweeps): on Citus they run on every
 * shard at once, so each tenant table in them must still be joined to the others on "vendorId"
 * (co-located), but no single vendor is named.
 */
export const MULTI_SHARD_STATEMENTS = [
  'lease-sweep.repository: sweep, statement 1 of 3',
  'seat-queue.repository: lapseDue (sweep), statement 1 of 3',
  'seat-queue.repository: licensesToServe (sweep)',
  'renewals.repository: sweepCandidates (sweep)',
  'usage-aggregates.repository: writeHours (sweep)',
  'outbox.repository: purgeDeliveredBefore (sweep)',
] as const;

interface Catalog {
  tables: string[];
  withVendorId: Set<string>;
  uniques: { table: string; name: string; primary: boolean; columns: string[] }[];
  foreignKeys: {
    table: string;
    name: string;
    target: string;
    columns: string[];
    targetColumns: string[];
    onUpdate: string;
    onDelete: string;
  }[];
}

async function readCatalog(client: Client): Promise<Catalog> {
  const tables = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1`,
  );
  const vendorColumns = await client.query<{ table: string }>(
    `SELECT table_name AS table FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'vendorId'`,
  );
  // Primary keys, unique constraints and unique indexes (partial ones too) are all unique indexes;
  // exclusion constraints are listed with them (Citus needs the distribution column in those as well).
  const uniques = await client.query<{ table: string; name: string; primary: boolean; columns: string[] }>(
    `SELECT t.relname AS table, ic.relname AS name, i.indisprimary AS primary,
            array(SELECT a.attname::text FROM unnest(i.indkey) WITH ORDINALITY k(attnum, n)
                    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.n) AS columns
       FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = 'public' AND (i.indisunique OR i.indisexclusion)`,
  );
  const foreignKeys = await client.query<Catalog['foreignKeys'][number]>(
    `SELECT t.relname AS table, c.conname AS name, r.relname AS target,
            array(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(attnum, n)
                    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.n) AS columns,
            array(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(attnum, n)
                    JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.n) AS "targetColumns",
            c.confupdtype AS "onUpdate", c.confdeltype AS "onDelete"
       FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class r ON r.oid = c.confrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = 'public' AND c.contype = 'f'`,
  );
  return {
    tables: tables.rows.map((r) => r.name),
    withVendorId: new Set(vendorColumns.rows.map((r) => r.table)),
    uniques: uniques.rows,
    foreignKeys: foreignKeys.rows,
  };
}

const reference = new Set<string>(REFERENCE_TABLES);
const coordinator = new Set<string>(COORDINATOR_TABLES);

/** A tenant table: it has a "vendorId" column and is not named a reference table. */
function tenantTablesOf(catalog: Catalog): string[] {
  return catalog.tables.filter((t) => catalog.withVendorId.has(t) && !reference.has(t));
}

/** Where a foreign key pairs "vendorId" with "vendorId": the two rows are on the same shard. */
function pairsVendorId(fk: Catalog['foreignKeys'][number]): boolean {
  const i = fk.columns.indexOf('vendorId');
  return i >= 0 && fk.targetColumns[i] === 'vendorId';
}

/**
 * Each use of a tenant table in a statement (`FROM t x`, `JOIN t x`, `UPDATE t x`, `INSERT INTO t`)
 * must be tied to a vendor: by its alias's "vendorId" (one mention per use, so a reused alias
 * cannot hide an unfiltered use), or for an INSERT by a "vendorId" column.
 */
export function unscopedUses(text: string, tenantTables: Set<string>): string[] {
  const problems: string[] = [];
  const uses = new Map<string, { table: string; count: number }>();
  const pattern = /\b(FROM|JOIN|UPDATE|INTO)\s+([a-z_]+)(?:\s+(?:AS\s+)?([a-z_]+))?/gi;
  const keywords = /^(where|on|set|join|left|inner|cross|lateral|using|order|group|limit|for|values|returning)$/i;
  for (const match of text.matchAll(pattern)) {
    const [, verb, table, maybeAlias] = match;
    if (!tenantTables.has(table)) continue;
    if (verb.toUpperCase() === 'INTO') {
      const columns = text.slice((match.index ?? 0) + match[0].length).match(/^\s*\(([^)]*)\)/);
      if (!columns?.[1].includes('"vendorId"')) problems.push(`INSERT INTO ${table} without "vendorId"`);
      continue;
    }
    const alias = maybeAlias && !keywords.test(maybeAlias) ? maybeAlias : table;
    const use = uses.get(alias) ?? { table, count: 0 };
    use.count += 1;
    uses.set(alias, use);
  }
  for (const [alias, { table, count }] of uses) {
    const mentions = [...text.matchAll(new RegExp(`(?<![\\w".])${alias}\\."vendorId"`, 'g'))].length;
    const bare = alias === table ? [...text.matchAll(/(?<![\w".])"vendorId"/g)].length : 0;
    if (mentions + bare < count)
      problems.push(`${table} ${alias}: used ${count}×, its "vendorId" named ${mentions + bare}×`);
  }
  return problems;
}

/**
 * The statement names one vendor (a parameter: `"vendorId" = $n`, or the "vendorId" value of an
 * INSERT … VALUES), so a Citus coordinator routes it to that vendor's shard.
 */
export function namesOneVendor(text: string): boolean {
  return /"vendorId"\s*=\s*\$\d+/.test(text) || /^\s*INSERT INTO \w+\s*\([^)]*"vendorId"[^)]*\)\s*VALUES/i.test(text);
}

/** The statement reads or writes a tenant table (a statement on no table, e.g. an advisory lock, runs on the coordinator). */
function usesTenantTable(text: string, tenantTables: Set<string>): boolean {
  return [...text.matchAll(/\b(?:FROM|JOIN|UPDATE|INTO)\s+([a-z_]+)/gi)].some((m) => tenantTables.has(m[1]));
}

describe('Citus readiness: every tenant table can be distributed by "vendorId" and co-located', () => {
  const client = new Client({ connectionString: process.env['DATABASE_URL'] });
  let catalog: Catalog;
  beforeAll(async () => {
    await client.connect();
    catalog = await readCatalog(client);
  });
  afterAll(() => client.end());

  it('every table is a tenant table (it has "vendorId"), a named reference table or a named coordinator table', () => {
    const unplaced = catalog.tables.filter(
      (t) => !catalog.withVendorId.has(t) && !reference.has(t) && !coordinator.has(t),
    );
    expect(unplaced).toEqual([]);
    expect([...reference, ...coordinator].filter((t) => !catalog.tables.includes(t))).toEqual([]);
    expect([...coordinator].filter((t) => catalog.withVendorId.has(t))).toEqual([]);
    expect(tenantTablesOf(catalog).length).toBeGreaterThan(25);
  });

  it('no index repeats the leading columns of another index of its table (every write pays for it; the longer one serves the same reads)', async () => {
    const { rows } = await client.query<{ duplicate: string; of: string }>(
      `WITH idx AS (
         SELECT i.indexrelid, i.indrelid, ic.relname AS name, i.indisunique AS "unique", string_to_array(i.indkey::text, ' ') AS cols
           FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
           JOIN pg_namespace n ON n.oid = t.relnamespace
          WHERE n.nspname = 'public' AND i.indpred IS NULL AND i.indexprs IS NULL)
       SELECT a.name AS duplicate, b.name AS of FROM idx a JOIN idx b ON b.indrelid = a.indrelid AND b.indexrelid <> a.indexrelid
        WHERE NOT a."unique" AND cardinality(a.cols) <= cardinality(b.cols) AND a.cols = b.cols[1:cardinality(a.cols)]
        ORDER BY 1, 2`,
    );
    expect(rows).toEqual([]);
  });

  it('every tenant table has a primary key, and it includes "vendorId"', () => {
    const bad = tenantTablesOf(catalog).filter(
      (t) => !catalog.uniques.some((u) => u.table === t && u.primary && u.columns.includes('vendorId')),
    );
    expect(bad).toEqual([]);
  });

  it('every unique constraint, unique index and exclusion constraint of a tenant table includes "vendorId"', () => {
    const tenant = new Set(tenantTablesOf(catalog));
    const bad = catalog.uniques
      .filter((u) => tenant.has(u.table) && !u.columns.includes('vendorId'))
      .map((u) => `${u.table}.${u.name} (${u.columns.join(', ')})`);
    expect(bad).toEqual([]);
  });

  it('no foreign key of a tenant table changes its "vendorId" by a referential action (Citus refuses ON UPDATE CASCADE / SET NULL / SET DEFAULT and ON DELETE SET NULL / SET DEFAULT on the distribution column)', () => {
    const tenant = new Set(tenantTablesOf(catalog));
    // confupdtype / confdeltype: a = no action, r = restrict, c = cascade, n = set null, d = set default.
    const bad = catalog.foreignKeys
      .filter((fk) => tenant.has(fk.table) && fk.columns.includes('vendorId'))
      .filter((fk) => !['a', 'r'].includes(fk.onUpdate) || ['n', 'd'].includes(fk.onDelete))
      .map((fk) => `${fk.table}.${fk.name}: ON UPDATE ${fk.onUpdate}, ON DELETE ${fk.onDelete}`);
    expect(bad).toEqual([]);
  });

  it('every foreign key between tenant tables pairs "vendorId" with "vendorId"; no reference table points at a tenant table', () => {
    const tenant = new Set(tenantTablesOf(catalog));
    const bad = catalog.foreignKeys
      .filter(
        (fk) =>
          (tenant.has(fk.table) && tenant.has(fk.target) && !pairsVendorId(fk)) ||
          (!tenant.has(fk.table) && tenant.has(fk.target)),
      )
      .map((fk) => `${fk.table}.${fk.name} (${fk.columns.join(', ')}) → ${fk.target} (${fk.targetColumns.join(', ')})`);
    expect(bad).toEqual([]);
  });

  it('every hot statement ties each tenant table it uses to the vendor, and names one vendor unless it is a sweep', async () => {
    const tenant = new Set(tenantTablesOf(catalog));
    const problems: string[] = [];
    let statements = 0;
    for (const file of Object.keys(SNAPSHOTS)) {
      for (const [name, text] of await statementsOf(file)) {
        statements += 1;
        const label = `${file}: ${name}`;
        for (const problem of unscopedUses(text, tenant)) problems.push(`${label}: ${problem}`);
        const sweep = MULTI_SHARD_STATEMENTS.some((s) => label === s || label.startsWith(`${s}, statement`));
        if (!sweep && usesTenantTable(text, tenant) && !namesOneVendor(text))
          problems.push(`${label}: names no vendor ("vendorId" = $n)`);
      }
    }
    expect(problems).toEqual([]);
    expect(statements).toBeGreaterThan(30);
  });

  it('the statement check can fail: a join on the id alone, or no vendor named, is reported', () => {
    const tenant = new Set(['licenses', 'seat_slots']);
    const joinedOnIdOnly = `SELECT 1 FROM licenses l JOIN seat_slots s ON s."licenseId" = l.id WHERE l."vendorId" = $1`;
    expect(unscopedUses(joinedOnIdOnly, tenant)).toEqual(['seat_slots s: used 1×, its "vendorId" named 0×']);
    const reusedAlias = `SELECT (SELECT 1 FROM seat_slots s WHERE s."vendorId" = l."vendorId"), (SELECT 1 FROM seat_slots s WHERE s.slot = 1) FROM licenses l WHERE l."vendorId" = $1`;
    expect(unscopedUses(reusedAlias, tenant)).toEqual(['seat_slots s: used 2×, its "vendorId" named 1×']);
    expect(unscopedUses(`INSERT INTO seat_slots ("licenseId", slot) VALUES ($1, $2)`, tenant)).toHaveLength(1);
    expect(namesOneVendor(`SELECT 1 FROM licenses l WHERE l.id = $1`)).toBe(false);
  });
});
