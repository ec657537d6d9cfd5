// `npm run bench:scale` (bench/run-scale.sh drops, re-creates and migrates its own database,
// leasehold_bench_scale, first). Seeds by SQL (generate_series, no API) 1,000,000 licenses and
// 100,000 live leases (plus expired and ended ones), then, against the production build of
// license-central on that database:
//   1. heartbeats spread over all 100,000 live leases for BENCH_SCALE_SECONDS (60 s), 64 connections;
//   2. the limit server, validate and checkout+release (as in `npm run bench`) at that size, with
//      their ratios to the limit;
//   3. the EXPLAIN (ANALYZE) plan of every statement of the hot path and of the two sweeps, as the
//      app's own repositories and services issue them (recorded at the pg driver while they run
//      against this database), flagging any sequential scan;
//   4. the duration of each lease-sweep batch (500 expired leases) and of the renewal sweep's
//      batch (up to 1,000 licenses found and their checks queued in BullMQ) at that size.
// BENCH_OUT=file also writes the report (markdown) there.
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { Test } from '@nestjs/testing';
import { getQueueToken } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { Client } from 'pg';
import {
  cpuMs,
  OPERATOR_TOKEN,
  postgresCpu,
  postgresCpuSince,
  RssSampler,
  seed,
  Seeded,
  startAnchor,
  startLicenseCentral,
  runBench,
} from './common';
import { Load, LOAD_GENERATOR, runLoad } from './load';

const DATABASE_URL =
  process.env['BENCH_SCALE_DATABASE_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/leasehold_bench_scale';
const REDIS_PREFIX = 'leasehold-bench-scale';
const HEARTBEAT_SECONDS = Number(process.env['BENCH_SCALE_SECONDS'] ?? 60);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 5);
const VENDORS = 4;
/** ENTERPRISE containers: 20 licenses each, the first with 20 seats (10 live leases, 1 expired), the others 1 seat. */
const ENTERPRISE = 10_000;
/** PERSONAL containers: 4 licenses of 1 seat each and one activated device. */
const PERSONAL = 200_000;
const LIVE_PER_ENTERPRISE = 10;
/** Ended leases (history) on the enterprise licenses. */
const HISTORY = Number(process.env['BENCH_SCALE_HISTORY'] ?? 200_000);

/** The container secret of bulk container i (same expression in every statement that needs it). */
const token = (i: string) =>
  `('lhc_' || lpad((${i})::text, 12, '0') || '_' || substr(md5('s' || (${i})) || md5('t' || (${i})), 1, 43))`;
const uuid = (tag: string, expr: string) => `md5('${tag}-' || ${expr})::uuid`;

const report: string[] = [];
function out(line = ''): void {
  report.push(line);
  console.log(line);
}

async function timed<T>(label: string, f: () => Promise<T>): Promise<T> {
  const t = Date.now();
  const result = await f();
  out(`- ${label}: ${((Date.now() - t) / 1000).toFixed(1)} s`);
  return result;
}

async function seedBulk(db: Client, seeded: Seeded[]): Promise<void> {
  const vendor = (i: string) =>
    `(ARRAY[${seeded.map((s) => `'${s.vendorId}'::uuid`).join(',')}])[(${i}) % ${VENDORS} + 1]`;
  const product = (i: string) =>
    `(ARRAY[${seeded.map((s) => `'${s.productId}'::uuid`).join(',')}])[(${i}) % ${VENDORS} + 1]`;
  // Consistent by construction; foreign-key triggers off for this session only (a bulk load).
  await db.query(`SET session_replication_role = replica`);
  const total = Date.now();
  await timed(`${ENTERPRISE + PERSONAL} containers`, () =>
    db.query(`
      INSERT INTO containers (id, "vendorId", kind, "deviceLimit", name, "credentialHash", "credentialPrefix", "updatedAt")
      SELECT ${uuid('c', 'i')}, ${vendor('i')}, CASE WHEN i <= ${ENTERPRISE} THEN 'ENTERPRISE' ELSE 'PERSONAL' END::"ContainerKind",
             CASE WHEN i <= ${ENTERPRISE} THEN NULL ELSE 3 END, -- PERSONAL_DEVICE_LIMIT; ENTERPRISE has none
             'bulk ' || i, encode(sha256(convert_to(${token('i')}, 'UTF8')), 'hex'), lpad(i::text, 12, '0'), now()
        FROM generate_series(1, ${ENTERPRISE + PERSONAL}) i`),
  );
  await timed(`${ENTERPRISE + PERSONAL} credential routes`, () =>
    db.query(`
      INSERT INTO credential_routes ("credentialHash", "vendorId", "containerId")
      SELECT "credentialHash", "vendorId", id FROM containers WHERE name LIKE 'bulk %'`),
  );
  await timed(`${PERSONAL} activated devices`, () =>
    db.query(`
      INSERT INTO devices (id, "vendorId", "containerId", fingerprint, "activeFingerprint", name)
      SELECT ${uuid('d', 'i')}, ${vendor('i')}, ${uuid('c', 'i')}, 'scale-dev-' || i, 'scale-dev-' || i, 'bulk device'
        FROM generate_series(${ENTERPRISE + 1}, ${ENTERPRISE + PERSONAL}) i`),
  );
  // License j (0-based) of container i: enterprise j = (i-1)*20 + k, personal after them, 4 each.
  const licenses = ENTERPRISE * 20 + PERSONAL * 4;
  await timed(`${licenses} licenses`, () =>
    db.query(`
      INSERT INTO licenses (id, "vendorId", "containerId", "productId", features, quantity, "validFrom", "expiresAt", "renewalPolicy",
                            "renewalTermDays", "externalId", "updatedAt")
      SELECT ${uuid('l', 'j')}, ${vendor('c')}, ${uuid('c', 'c')}, ${product('c')}, '{}', CASE WHEN j < ${ENTERPRISE * 20} AND j % 20 = 0 THEN 20 ELSE 1 END,
             now() - interval '30 days',
             CASE WHEN j % 5 = 0 THEN NULL ELSE date_trunc('minute', now()) + ((j::bigint * 7919) % 730) * interval '1 day' + interval '1 hour' END,
             CASE WHEN j % 2 = 0 AND j % 5 <> 0 THEN 'AUTO' ELSE 'NONE' END::"RenewalPolicy",
             CASE WHEN j % 2 = 0 AND j % 5 <> 0 THEN 365 END, 'bulk-' || j, now()
        FROM (SELECT j, CASE WHEN j < ${ENTERPRISE * 20} THEN j / 20 + 1 ELSE ${ENTERPRISE} + (j - ${ENTERPRISE * 20}) / 4 + 1 END AS c
                FROM generate_series(0, ${licenses - 1}) j) x`),
  );
  // The leased licenses (k = 0 of each enterprise container): slots 0..9 live, slot 10 expired.
  await timed(`seat slots of every license`, () =>
    db.query(`
      INSERT INTO seat_slots ("licenseId", slot, "vendorId", "leaseId", "expiresAt")
      SELECT l.id, g, l."vendorId",
             CASE WHEN l.quantity = 20 AND g <= ${LIVE_PER_ENTERPRISE} THEN ${uuid('lease', 'substr(l."externalId", 6) || \'-\' || g')} END,
             CASE WHEN l.quantity = 20 AND g < ${LIVE_PER_ENTERPRISE} THEN now() + interval '1 hour'
                  WHEN l.quantity = 20 AND g = ${LIVE_PER_ENTERPRISE} THEN now() - interval '1 minute' END
        FROM licenses l CROSS JOIN LATERAL generate_series(0, l.quantity - 1) g
       WHERE l."externalId" LIKE 'bulk-%'`),
  );
  await timed(`${ENTERPRISE * LIVE_PER_ENTERPRISE} live leases + ${ENTERPRISE} expired, not yet swept`, () =>
    db.query(`
      INSERT INTO seat_leases (id, "vendorId", "licenseId", "containerId", slot, fingerprint, "startedAt", "lastHeartbeatAt", "expiresAt")
      SELECT s."leaseId", s."vendorId", s."licenseId", l."containerId", s.slot, 'scale-fp-' || substr(l."externalId", 6) || '-' || s.slot,
             now() - interval '2 hours', now() - interval '1 minute', s."expiresAt"
        FROM seat_slots s JOIN licenses l ON l.id = s."licenseId"
       WHERE s."leaseId" IS NOT NULL AND l."externalId" LIKE 'bulk-%'`),
  );
  await timed(`${HISTORY} ended leases (history)`, () =>
    db.query(`
      INSERT INTO seat_leases (id, "vendorId", "licenseId", "containerId", slot, fingerprint, "startedAt", "lastHeartbeatAt", "expiresAt", "endedAt", "endReason")
      SELECT ${uuid('hist', 'h')}, ${vendor('c')}, ${uuid('l', '(c - 1) * 20')}, ${uuid('c', 'c')}, h % 20, 'scale-old-' || h,
             now() - (h % 1000) * interval '1 hour' - interval '2 hours', now() - (h % 1000) * interval '1 hour' - interval '1 hour',
             now() - (h % 1000) * interval '1 hour', now() - (h % 1000) * interval '1 hour', 'RELEASED'
        FROM (SELECT h, h % ${ENTERPRISE} + 1 AS c FROM generate_series(1, ${HISTORY}) h) x`),
  );
  // Past terms: every AUTO license renewed once a year ago (license_renewals), and as many
  // recorded expiries, so the renewal sweep's NOT EXISTS probes run against full tables.
  await timed('past renewals and expiries of the AUTO licenses', () =>
    db.query(`
      INSERT INTO license_renewals (id, "vendorId", "licenseId", "termEnd", policy, status, "newExpiresAt", "completedAt", "updatedAt")
      SELECT ${uuid('ren', 'l.id::text')}, l."vendorId", l.id, l."expiresAt" - interval '365 days', 'AUTO', 'SUCCEEDED', l."expiresAt",
             l."expiresAt" - interval '379 days', now()
        FROM licenses l WHERE l."renewalPolicy" = 'AUTO' AND l."externalId" LIKE 'bulk-%';
      INSERT INTO license_expiries ("licenseId", "expiresAt", "vendorId")
      SELECT l.id, l."expiresAt" - interval '365 days', l."vendorId"
        FROM licenses l WHERE l."renewalPolicy" = 'AUTO' AND l."externalId" LIKE 'bulk-%'`),
  );
  await db.query(`SET session_replication_role = DEFAULT`);
  // As after any bulk load (autovacuum may be off, as on this machine): visibility map, hint bits
  // and statistics in place before anything is measured.
  await timed('VACUUM (ANALYZE)', () => db.query('VACUUM (ANALYZE)'));
  out(`- seeded in ${((Date.now() - total) / 1000).toFixed(1)} s in all`);
}

/** The app's statements, recorded at the pg driver (text + values) while the real code runs. */
interface Recorded {
  label: string;
  text: string;
  values: unknown[];
  /** A named prepared statement (PgPool's): it runs its generic plan (plan_cache_mode = force_generic_plan). */
  named: boolean;
}

const recorder: { label: string | null; statements: Recorded[] } = { label: null, statements: [] };

function installRecorder(): void {
  // Every statement of the app (its PgPool and Prisma's pg driver adapter) goes through this.
  const pg = require('pg') as { Client: { prototype: { query: (...args: unknown[]) => unknown } } };
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: unknown, ...args: unknown[]) {
    const [config, values] = args as [string | { text: string; values?: unknown[] }, unknown[] | undefined];
    if (recorder.label) {
      const text = typeof config === 'string' ? config : config.text;
      const vals = typeof config === 'string' ? (Array.isArray(values) ? values : []) : (config.values ?? []);
      const named = typeof config === 'object' && Boolean((config as { name?: string }).name);
      if (!/^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|SET|SELECT 1\b)/i.test(text))
        recorder.statements.push({ label: recorder.label, text, values: vals, named });
    }
    return original.apply(this, args);
  };
}

async function record<T>(label: string, f: () => Promise<T>): Promise<T | undefined> {
  recorder.label = label;
  try {
    return await f();
  } catch (error) {
    // A refusal (409 NO_SEAT_AVAILABLE) is one of the recorded paths; anything else is reported.
    if ((error as { code?: string }).code !== 'NO_SEAT_AVAILABLE') console.error(`${label}:`, error);
    return undefined;
  } finally {
    recorder.label = null;
  }
}

function literal(db: Client, value: unknown): string {
  const { prepareValue } = require('pg/lib/utils') as { prepareValue: (v: unknown) => unknown };
  const prepared = prepareValue(value);
  if (prepared === null || prepared === undefined) return 'NULL';
  return db.escapeLiteral(Buffer.isBuffer(prepared) ? prepared.toString() : String(prepared));
}

const SCAN = /(Seq Scan|Index Scan|Index Only Scan|Bitmap Heap Scan|Bitmap Index Scan)(?: using (\S+))? on (\S+)/g;

function dedent(text: string): string {
  const lines = text
    .replace(/^\s*\n/, '')
    .replace(/\n\s*$/, '')
    .split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length));
  return lines.map((l) => l.slice(indent)).join('\n');
}

function scans(plan: string): string[] {
  return [...plan.matchAll(SCAN)].map((m) => `${m[1]}${m[2] ? ` using ${m[2]}` : ''} on ${m[3]}`);
}

/** Tables with at least this many rows: a sequential scan on one of them is a finding. */
const LARGE = 10_000;

/**
 * EXPLAIN of one recorded statement, in a transaction rolled back, with its values: ANALYZE of the
 * plan the application runs — for a named statement of PgPool its generic plan (every connection
 * sets plan_cache_mode = force_generic_plan), for an unnamed one (Prisma's) a plan made for the
 * values — and the other kind of plan too when its scans differ. Plan only when re-running it
 * fails (e.g. an insert whose row now exists). `seq` lists sequential scans of large tables (a
 * scan of a table of a few rows, e.g. vendors, is what the planner should do).
 */
async function explain(
  db: Client,
  s: Recorded,
  n: number,
  rows: Map<string, number>,
): Promise<{ plan: string; seq: string[] }> {
  const text = (r: { rows: Record<string, string>[] }) => r.rows.map((x) => x['QUERY PLAN']).join('\n');
  const args = s.values.length ? `(${s.values.map((v) => literal(db, v)).join(', ')})` : '';
  let attempt = 0;
  /** The plan of the statement prepared under `mode`, analysed if it can run again. */
  const planned = async (mode: 'force_generic_plan' | 'force_custom_plan', analyse: boolean): Promise<string> => {
    // PREPARE outlives the rollback: a name per attempt.
    const name = `bench_plan_${n}_${attempt++}`;
    await db.query('BEGIN');
    try {
      await db.query(`SET LOCAL plan_cache_mode = ${mode}`);
      await db.query(`PREPARE ${name} AS ${s.text}`);
      const options = analyse ? 'ANALYZE, BUFFERS, COSTS OFF, SUMMARY OFF' : 'COSTS OFF';
      return text(await db.query(`EXPLAIN (${options}) EXECUTE ${name}${args}`));
    } finally {
      await db.query('ROLLBACK');
    }
  };
  const runs = s.named ? 'force_generic_plan' : 'force_custom_plan';
  const other = s.named ? 'force_custom_plan' : 'force_generic_plan';
  let plan: string;
  try {
    plan = await planned(runs, true);
  } catch {
    plan = `-- plan only (re-running it fails now: its effect already happened)\n${await planned(runs, false)}`;
  }
  const otherPlan = await planned(other, false);
  const same = scans(plan).join('|') === scans(otherPlan).join('|');
  const label = s.named ? 'named statement: its generic plan runs' : 'unnamed statement: planned for its values';
  const full = same
    ? `-- ${label}\n${plan}`
    : `-- ${label}\n${plan}\n-- the ${s.named ? 'plan for these values' : 'generic plan'} would differ in its scans:\n${otherPlan}`;
  const seq = [...plan.matchAll(/Seq Scan on (\S+)/g)].map((m) => m[1]).filter((t) => (rows.get(t) ?? 0) >= LARGE);
  return { plan: full, seq: [...new Set(seq)] };
}

async function main(): Promise<void> {
  // @nestjs/config reads the environment when @leasehold/config is first imported (below).
  Object.assign(process.env, {
    DATABASE_URL,
    REDIS_PREFIX,
    REDIS_URL: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
    OPERATOR_TOKEN,
    JWT_SECRET: 'x'.repeat(40),
    PLATFORM_KEY: Buffer.alloc(32, 7).toString('base64'),
    LOG_LEVEL: 'warn',
  });
  installRecorder();
  const db = new Client({ connectionString: DATABASE_URL });
  await db.connect();
  out(
    `load generator: ${LOAD_GENERATOR}; database ${DATABASE_URL.replace(/^.*\//, '')}; load average at start ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
  out();
  const app = await startLicenseCentral(DATABASE_URL, 'license-central');
  const limit = await startAnchor('limit-server.ts', DATABASE_URL);
  const seeded: Seeded[] = [];
  for (let v = 0; v < VENDORS; v++) seeded.push(await seed(app.url, 100));
  out('### Seeding (SQL, generate_series)');
  out();
  await seedBulk(db, seeded);
  const counts = await db.query(
    `SELECT (SELECT count(*) FROM licenses)::int AS licenses, (SELECT count(*) FROM containers)::int AS containers,
            (SELECT count(*) FROM seat_slots)::int AS slots, (SELECT count(*) FROM seat_leases)::int AS leases,
            (SELECT count(*) FROM seat_slots WHERE "leaseId" IS NOT NULL AND "expiresAt" > now())::int AS live,
            pg_size_pretty(pg_database_size(current_database())) AS size`,
  );
  const c = counts.rows[0];
  out(
    `- in the database: ${c.licenses} licenses, ${c.containers} containers, ${c.slots} seat slots, ${c.leases} leases of which ${c.live} live; ${c.size}`,
  );
  out();

  // 1. Heartbeats over every live lease, each with its own container's secret.
  const live = await db.query<{ token: string; lease: string }>(`
    SELECT ${token('i')} AS token, ${uuid('lease', "(((i - 1) * 20)::text || '-' || s)")} AS lease
      FROM generate_series(1, ${ENTERPRISE}) i CROSS JOIN generate_series(0, ${LIVE_PER_ENTERPRISE - 1}) s
     ORDER BY md5(i || '-' || s)`);
  const rss = new RssSampler(() => [app.child.pid ?? 0]);
  rss.start();
  out(`### Heartbeats spread over all ${live.rows.length} live leases, ${HEARTBEAT_SECONDS} s, 64 connections`);
  out();
  const heartbeats = {
    kind: 'rotate' as const,
    method: 'POST' as const,
    entries: live.rows.map((r) => ({ auth: r.token, path: `/client/v1/seats/${r.lease}/heartbeat` })),
    headers: { Authorization: 'Bearer -' },
  };
  // Warm-up: one heartbeat of every container first, so each secret's vendor is in the process's
  // route cache (ContainerCredentialsRepository), as it is in steady state, where every device
  // heartbeats each minute; a cold cache costs one extra read per secret, once per process.
  const firstOfEach = [...new Map(heartbeats.entries.map((e) => [e.auth, e])).values()];
  const warmStart = process.hrtime.bigint();
  let warmed = 0;
  while (warmed < firstOfEach.length) {
    const rotated = firstOfEach.slice(warmed).concat(firstOfEach.slice(0, warmed));
    warmed += (await runLoad([app.url], 64, 5, { ...heartbeats, entries: rotated })).requests;
  }
  const warmSeconds = Number(process.hrtime.bigint() - warmStart) / 1e9;
  const appCpu0 = cpuMs(app.child.pid);
  const pg0 = await postgresCpu(db);
  const runStart = (await db.query<{ at: Date }>('SELECT now() AS at')).rows[0].at;
  const beats = await runLoad([app.url], 64, HEARTBEAT_SECONDS, heartbeats);
  const appCpuPerBeat = ((cpuMs(app.child.pid) - appCpu0) * 1000) / beats.requests;
  const pgCpuPerBeat = ((await postgresCpuSince(pg0, db)) * 1000) / beats.requests;
  const touched = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM seat_leases WHERE "lastHeartbeatAt" >= $1`,
    [runStart],
  );
  out(
    `- warm-up: one heartbeat of each of the ${firstOfEach.length} containers (their secrets' routes cached): ${warmed} heartbeats in ${warmSeconds.toFixed(0)} s`,
  );
  out(
    `- **${beats.rps.toFixed(0)} heartbeats/s** (target ≥ 1,700/s); ${beats.requests} in ${beats.seconds.toFixed(1)} s; p50 ${beats.p50.toFixed(1)} ms, p99 ${beats.p99.toFixed(1)} ms at 64 connections; errors ${beats.errors}, non-2xx ${beats.non2xx}; ${touched.rows[0].n} distinct leases heartbeated`,
  );
  out(
    `- CPU per heartbeat: license-central ${appCpuPerBeat.toFixed(0)} µs, Postgres ${pgCpuPerBeat.toFixed(0)} µs: at that cost two idle cores would serve about ${(2e6 / (appCpuPerBeat + pgCpuPerBeat)).toFixed(0)}/s (less wrk's share)`,
  );
  out();

  // 2. Ratios at this size (same order and method as `npm run bench`).
  const bulkPersonal = ENTERPRISE + 12_345;
  const personal = await db.query<{ token: string }>(`SELECT ${token(String(bulkPersonal))} AS token`);
  const validateLoad = {
    kind: 'static' as const,
    method: 'POST' as const,
    body: JSON.stringify({ fingerprint: `scale-dev-${bulkPersonal}` }),
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${personal.rows[0].token}` },
  };
  /** The warm-up, the 64-connection run and the 8-connection run; one load for all three, or one each. */
  const measure = async (
    url: string,
    pid: number | undefined,
    load: Load | ((run: 'warm-up' | 'throughput' | 'latency') => Load),
  ) => {
    const loadOf = typeof load === 'function' ? load : () => load;
    await runLoad([url], 64, 1, loadOf('warm-up'));
    const cpu0 = cpuMs(pid);
    const pg = await postgresCpu(db);
    const t = await runLoad([url], 64, SECONDS, loadOf('throughput'));
    const cpu = ((cpuMs(pid) - cpu0) * 1000) / t.requests;
    const pgCpu = ((await postgresCpuSince(pg, db)) * 1000) / t.requests;
    const l = await runLoad([url], 8, SECONDS, loadOf('latency'));
    return { t, l, cpu, pgCpu };
  };
  const lim = await measure(limit.url, limit.child.pid, { ...validateLoad, path: '/validate' });
  const val = await measure(app.url, app.child.pid, { ...validateLoad, path: '/client/v1/validate' });
  const co = await measure(app.url, app.child.pid, {
    kind: 'checkout',
    licenseId: seeded[0].contendedLicenseId,
    devices: 1000,
    headers: { Authorization: `Bearer ${seeded[0].enterpriseSecret}`, 'Content-Type': 'application/json' },
  });
  // Validations spread over 60,000 personal containers, every request a credential this process
  // has not seen before: its route read from credential_routes, and its own rate-limit claim (one
  // Redis round trip; the address, 127.0.0.1, stays hot), as devices that validate now and then
  // cost. Disjoint slices, so neither run repeats a credential of the warm-up or of the other.
  const coldRows = await db.query<{ token: string; fp: string }>(
    `SELECT ${token('i')} AS token, 'scale-dev-' || i AS fp
       FROM generate_series(${ENTERPRISE + 100_001}, ${ENTERPRISE + 160_000}) i`,
  );
  const coldEntries = coldRows.rows.map((r) => ({
    auth: r.token,
    path: '/client/v1/validate',
    body: JSON.stringify({ fingerprint: r.fp }),
  }));
  /** Each run its own slice of the credentials. */
  const coldSlices = { 'warm-up': [0, 5_000], throughput: [5_000, 35_000], latency: [35_000, 60_000] } as const;
  const cold = await measure(app.url, app.child.pid, (run) => ({
    kind: 'rotate',
    method: 'POST',
    entries: coldEntries.slice(...coldSlices[run]),
    headers: { 'Content-Type': 'application/json' },
  }));
  rss.stop();
  out(`### Ratios at this size (${SECONDS} s per measurement, throughput at 64 connections, latency at 8)`);
  out();
  out(
    '| scenario | req/s (64 conn) | × limit | server CPU µs/req | × limit (CPU) | Postgres CPU µs/req | p50 ms (8 conn) | p99 ms (8 conn) | errors | non-2xx |',
  );
  out('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  type M = Awaited<ReturnType<typeof measure>>;
  const row = (name: string, m: M) =>
    out(
      `| ${name} | ${m.t.rps.toFixed(0)} | ${(m.t.rps / lim.t.rps).toFixed(2)} | ${m.cpu.toFixed(0)} | ${(lim.cpu / m.cpu).toFixed(2)} | ${m.pgCpu.toFixed(0)} | ${m.l.p50.toFixed(2)} | ${m.l.p99.toFixed(1)} | ${m.t.errors + m.l.errors} | ${m.t.non2xx + m.l.non2xx - m.t.denied - m.l.denied} |`,
    );
  row('the limit (bulk PERSONAL container secret)', lim);
  row('Leasehold validate (bulk PERSONAL container)', val);
  row('Leasehold validate, every request another PERSONAL container (cold credential)', cold);
  row('Leasehold checkout+release (100 seats, 1,000 devices)', co);
  out();
  out(
    `- checkout+release: ${(co.t.granted / co.t.seconds).toFixed(0)} granted checkouts/s = ${(co.t.granted / co.t.seconds / lim.t.rps).toFixed(2)} × the limit's req/s (target ≥ 0.25); ${co.t.denied + co.l.denied} refused (409 NO_SEAT_AVAILABLE)`,
  );
  out(
    `- peak resident memory of license-central during the heartbeat and ratio runs: ${rss.peak(app.child.pid ?? 0).toFixed(0)} MB (target ≤ 250 MB)`,
  );
  out();

  // 3 + 4. The real services in this process, on the same database (no HTTP), statements recorded.
  const { ConfigModule } = await import('@leasehold/config');
  const { DbModule, TenantContext } = await import('@leasehold/db');
  const { QueuesModule, QUEUES } = await import('@leasehold/queues');
  const seats = await import('@leasehold/domain-seats');
  const renewals = await import('@leasehold/domain-renewals');
  const licensing = await import('@leasehold/domain-licensing');
  const { ValidationRepository } = await import('../libs/domain/licensing/src/validation/validation.repository');
  @Module({
    imports: [
      ConfigModule,
      DbModule,
      QueuesModule.register(QUEUES.renewals),
      seats.SeatsModule,
      renewals.RenewalsModule,
      licensing.LicensingModule,
    ],
  })
  class ScaleModule {}
  const ctx = await Test.createTestingModule({ imports: [ScaleModule] }).compile();
  await ctx.init();
  const tenant = ctx.get(TenantContext);
  const seatsService = ctx.get(seats.SeatsService);
  const checkouts = ctx.get(seats.SeatCheckoutService);
  const hash = (
    await db.query<{ h: string }>(
      `SELECT encode(sha256(convert_to(${token(String(bulkPersonal))}, 'UTF8')), 'hex') AS h`,
    )
  ).rows[0].h;
  const enterprise = 4321;
  const entHash = (
    await db.query<{ h: string }>(`SELECT encode(sha256(convert_to(${token(String(enterprise))}, 'UTF8')), 'hex') AS h`)
  ).rows[0].h;
  const ent = (
    await db.query<{ vendorId: string; id: string }>(
      `SELECT "vendorId", id FROM containers WHERE "credentialHash" = $1`,
      [entHash],
    )
  ).rows[0];
  const leaseId = (await db.query<{ id: string }>(`SELECT ${uuid('lease', `'${(enterprise - 1) * 20}-3'`)} AS id`))
    .rows[0].id;
  const leasedLicense = (await db.query<{ id: string }>(`SELECT ${uuid('l', String((enterprise - 1) * 20))} AS id`))
    .rows[0].id;
  const oneSeat = (await db.query<{ id: string }>(`SELECT ${uuid('l', String((enterprise - 1) * 20 + 1))} AS id`))
    .rows[0].id;

  await record('device authentication (credential hash)', () =>
    ctx.get(licensing.ContainerCredentialsService).authenticateHash(hash),
  );
  // The repository, not ValidationService: the vendor's signing key is sealed with the app's
  // PLATFORM_KEY, which this process does not have (the statement is the same).
  // Both as the device routes run them: the secret's vendor (credential_routes), then the statement.
  const credentials = ctx.get(licensing.ContainerCredentialsService);
  const vendorOf = async (credentialHash: string) =>
    (await credentials.issuedRoute({ kind: 'device-token', credentialHash })).vendorId;
  await record('validate', async () =>
    ctx.get(ValidationRepository).load(await vendorOf(hash), hash, `scale-dev-${bulkPersonal}`, null),
  );
  await record('heartbeat', async () => seatsService.heartbeatByCredential(await vendorOf(entHash), entHash, leaseId));
  const lease = await record('checkout (granted)', () =>
    tenant.run(ent.vendorId, () =>
      checkouts.checkout({
        containerId: ent.id,
        license: { licenseId: leasedLicense },
        fingerprint: 'scale-explain-1',
      }),
    ),
  );
  await record('release', () => tenant.run(ent.vendorId, () => seatsService.release(ent.id, lease?.leaseId ?? '')));
  await tenant.run(ent.vendorId, () =>
    checkouts.checkout({ containerId: ent.id, license: { licenseId: oneSeat }, fingerprint: 'scale-explain-2' }),
  );
  await record('checkout (refused: no seat)', () =>
    tenant.run(ent.vendorId, () =>
      checkouts.checkout({ containerId: ent.id, license: { licenseId: oneSeat }, fingerprint: 'scale-explain-3' }),
    ),
  );

  // The sweeps at this size: each batch timed (the lease sweep's batches are its default 500).
  out('### Sweeps at this size');
  out();
  const sweeper = ctx.get(seats.LeaseSweeperService);
  const batches: number[] = [];
  let ended = 0;
  for (let i = 0; i < 40; i++) {
    const t = process.hrtime.bigint();
    const n = (await record('lease sweep (one batch of 500)', () => sweeper.sweepExpired(500, 1))) ?? 0;
    batches.push(Number(process.hrtime.bigint() - t) / 1e6);
    ended += n;
    if (n < 500) break;
  }
  batches.sort((a, b) => a - b);
  out(
    `- lease sweep: ${ended} expired leases ended in ${batches.length} batches of ≤ 500; per batch median ${batches[Math.floor(batches.length / 2)].toFixed(0)} ms, slowest ${batches[batches.length - 1].toFixed(0)} ms (target < 1 s)`,
  );
  const scheduler = ctx.get(renewals.RenewalScheduler);
  const queue = ctx.get<Queue>(getQueueToken(QUEUES.renewals));
  const { RenewalsRepository } = await import('../libs/domain/renewals/src/renewals.repository');
  const renewalRepo = ctx.get(RenewalsRepository);
  const sqlTimes: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = process.hrtime.bigint();
    const now = new Date();
    await renewalRepo.sweepCandidates(now, new Date(now.getTime() + 25 * 3_600_000), 1_000);
    sqlTimes.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  // One batch as the scheduler runs it (one addBulk), and the same batch queued one job at a time
  // as it was before (one round trip each), alternately, the queue emptied before each.
  const oneByOne = async (): Promise<number> => {
    const now = new Date();
    const candidates = await renewalRepo.sweepCandidates(now, new Date(now.getTime() + 25 * 3_600_000), 1_000);
    const slot = `sweep${Math.floor(now.getTime() / 3_600_000)}`;
    for (const c of candidates) {
      const due = renewals.renewalDueAt(c.termEnd);
      if (due > now) await scheduler.schedule(c.vendorId, c.licenseId, c.termEnd, due, now);
      else
        await queue.add(
          'check',
          { vendorId: c.vendorId, licenseId: c.licenseId, termEnd: c.termEnd.toISOString() },
          { jobId: `renewal-${c.licenseId}-${c.termEnd.getTime()}-${slot}` },
        );
    }
    return candidates.length;
  };
  const renewalTimes: { ms: number; n: number }[] = [];
  const oneByOneTimes: { ms: number; n: number }[] = [];
  for (let i = 0; i < 3; i++) {
    await queue.obliterate({ force: true });
    let t = process.hrtime.bigint();
    const n = (await record('renewal sweep (one batch of ≤ 1,000)', () => scheduler.sweep())) ?? 0;
    renewalTimes.push({ ms: Number(process.hrtime.bigint() - t) / 1e6, n });
    await queue.obliterate({ force: true });
    t = process.hrtime.bigint();
    const m = await oneByOne();
    oneByOneTimes.push({ ms: Number(process.hrtime.bigint() - t) / 1e6, n: m });
  }
  const due = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM licenses WHERE status <> 'REVOKED' AND "renewalPolicy" <> 'NONE' AND "expiresAt" - interval '14 days' <= now() + interval '25 hours'`,
  );
  out(
    `- renewal sweep: one batch = find up to 1,000 due licenses among ${c.licenses} (${due.rows[0].n} due now) + queue their checks in BullMQ: ${renewalTimes.map((r) => `${r.ms.toFixed(0)} ms (${r.n})`).join(', ')} over three runs (target < 1 s); the finding statement alone: ${sqlTimes.map((x) => `${x.toFixed(0)} ms`).join(', ')}; the same batch queued one job at a time (before): ${oneByOneTimes.map((r) => `${r.ms.toFixed(0)} ms (${r.n})`).join(', ')}`,
  );
  await queue.obliterate({ force: true });
  await ctx.close();
  out();

  // 3. The plans.
  out('### Plans of the hot statements at this size');
  out();
  const sizes = await db.query<{ relname: string; n: number }>(
    `SELECT relname, reltuples::bigint::int AS n FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace`,
  );
  const rows = new Map(sizes.rows.map((r) => [r.relname, r.n]));
  const seen = new Set<string>();
  let n = 0;
  let seqScans = 0;
  for (const s of recorder.statements) {
    // One entry per statement shape: a multi-row VALUES list (the outbox) counts once whatever its length.
    const shape = s.text.replace(/\$\d+/g, '$').replace(/(\([^()]*\))(,\s*\([^()]*\))+/g, '$1');
    if (seen.has(shape) || /pg_advisory_xact_lock/.test(s.text)) continue;
    seen.add(shape);
    const { plan, seq } = await explain(db, s, n++, rows);
    if (seq.length) seqScans++;
    out(`#### ${s.label}${seq.length ? ` — SEQUENTIAL SCAN of ${seq.join(', ')}` : ''}`);
    out();
    out('```sql');
    out(dedent(s.text).replace(/(VALUES \([^()]*\))(,\s*\([^()]*\))+/g, '$1, … (one row per event)'));
    out('```');
    out('```');
    out(
      plan
        .split('\n')
        .filter((l) => !/^\s*(Buffers|Planning):|^Planning:/.test(l))
        .join('\n')
        .replace(/'\{([^']{120,})\}'/g, (_m, list: string) => `'{… ${list.split(',').length} values …}'`),
    );
    out('```');
    out();
  }
  out(
    `${seen.size} distinct statements; ${seqScans} with a sequential scan of a table of ≥ ${LARGE.toLocaleString('en')} rows (scans of small tables such as vendors and signing_keys are the planner's right choice).`,
  );
  out(
    `\nload average at the end ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
  if (process.env['BENCH_OUT']) writeFileSync(process.env['BENCH_OUT'], `${report.join('\n')}\n`);
  await db.end();
}

runBench(main);
