// The benchmark behind `npm run bench` (bench/run.sh builds and migrates first). In one run, on
// the same machine, database and load generator (wrk; see bench/load.ts), it measures three
// anchors and Leasehold's routes:
//   plain   a `node:http` route with no I/O (bench/anchors/plain-http.ts): HTTP's own ceiling;
//   limit   `node:http` + JSON body + one prepared Postgres point read by the container secret's
//           hash + an Ed25519 signature (bench/anchors/limit-server.ts): what a validation must do;
//   limitw  the same server's write limit: the statement also inserts a row and commits it (one
//           durable write): what a checkout, and again its release, must do at least;
//   nest    a bare NestJS 11 (express) app, one route, no middleware (bench/anchors/bare-nest.ts);
// and the production build of license-central (one process, then a second replica):
//   (a) GET /health/live (the app's own no-I/O route, whole middleware stack);
//   (b) POST /client/v1/validate; (c) POST /client/v1/seats/{id}/heartbeat over 64 live leases;
//   (d) checkout + release on 100 seats contended by 1,000 simulated devices; (e) (d) over two
//       replicas; (b2) and (c2): (b) and (c) over two replicas, what this host serves (the
//       anchors stay one process each).
// Throughput at 64 connections, p50/p99 at 8; every ratio against the limit server and bare
// NestJS. BENCH_ROUNDS (3) rounds of every row in the same order, each row with a target ratio
// paired with its anchor measured again just before it: the table reports medians, each ratio the
// median of the rounds' own ratios (the speed of a shared VM drifts within a minute). For (d)/(e)
// the most seats ever in use at once is computed from the database (lease intervals) next to the
// limit: oversubscription must be exactly 0. The resident memory of each
// license-central replica is sampled while it is under load.
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { Client } from 'pg';
import {
  api,
  cpuMs,
  postgresCpu,
  postgresCpuSince,
  median,
  RssSampler,
  seed,
  Seeded,
  startAnchor,
  startLicenseCentral,
  Started,
  runBench,
} from './common';
import { Load, LOAD_GENERATOR, LoadResult, runLoad } from './load';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 3);
/** Every row this many times, in the same order; the table reports medians (see main). */
const ROUNDS = Math.max(1, Number(process.env['BENCH_ROUNDS'] ?? 3));
const DATABASE_URL = process.env['BENCH_DATABASE_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/leasehold_bench';
const SEATS = 100;
const DEVICES = 1_000;
// BENCH_ONLY=limit,b: run only these scenarios (for profiling one route).
const ALL = ['plain', 'limit', 'limitw', 'nest', 'a', 'b', 'c', 'd', 'e', 'b2', 'c2'];
const ONLY = (process.env['BENCH_ONLY'] ?? ALL.join(',')).split(',').map((x) => x.trim());
const want = (key: string) => ONLY.includes(key);

/**
 * An unmeasured second of the same load first, so each route is measured with its code optimised
 * by the JIT and its statements prepared on the pool's connections (as in a long-running server),
 * whichever scenario happens to run first.
 */
const WARM_UP_SECONDS = 1;

interface Measured {
  key: string;
  name: string;
  rps: number;
  /** Server CPU (user + system) per request at 64 connections, µs; the server process(es) only. */
  cpuPerRequest: number;
  /** Postgres backends' CPU per request (every backend on the bench database), µs. */
  pgCpuPerRequest: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  /**
   * The row's anchor (the limit, or bare NestJS for (a)) measured again just before it, at 64
   * connections: the row's ratio to its anchor compares two measurements seconds apart.
   */
  pairedAnchor?: { key: string; rps: number; cpuPerRequest: number };
  /** (d)/(e): granted checkouts per second at 64 connections. */
  grantedPerSecond?: number;
  extra?: string;
}

/** The server processes behind each URL (for their CPU time). */
const pidsOf = new Map<string, number | undefined>();
const cpuOf = (urls: string[]) => urls.reduce((sum, url) => sum + cpuMs(pidsOf.get(url)), 0);
let benchDb: Client;

async function scenario(
  key: string,
  name: string,
  urls: string[],
  load: Load,
  expectedNon2xx = false,
): Promise<Measured> {
  // What autovacuum does in any deployment (it is off on this VM, see docs/benchmarks.md): dead row
  // versions of the previous scenarios' updates cleared and statistics fresh before each scenario.
  await benchDb.query('VACUUM (ANALYZE)');
  await runLoad(urls, 64, WARM_UP_SECONDS, load);
  // Again after the warm-up: on a fresh bench database the seat tables are empty until the warm-up
  // fills them, and statements planned on empty tables scan them whole until new statistics
  // invalidate their plans (autovacuum's analyze does that within a minute of traffic in a
  // deployment; a measurement of seconds would read that first minute instead).
  await benchDb.query('ANALYZE');
  const pgBefore = await postgresCpu(benchDb);
  const { throughput, cpuPerRequest } = await measuredRun(urls, load);
  const pgCpuPerRequest = ((await postgresCpuSince(pgBefore, benchDb)) * 1000) / throughput.requests;
  const latency = await runLoad(urls, 8, SECONDS, load);
  const denied = throughput.denied + latency.denied;
  let probe = '';
  if (load.kind === 'static' && throughput.non2xx + latency.non2xx > 0) {
    // wrk counts answers ≥ 400 without saying which: ask the same request a few times to show them.
    const seen: string[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${urls[0]}${load.path}`, {
        method: load.method,
        headers: load.headers,
        body: load.body,
      });
      const text = await res.text();
      if (res.status >= 400) seen.push(`${res.status} ${text.slice(0, 160)}`);
    }
    probe = `answers ≥ 400 under load; 20 probes afterwards: ${seen.length ? seen.join(' | ') : 'all 2xx'}`;
  }
  return {
    ...(probe ? { extra: probe } : {}),
    key,
    name,
    rps: throughput.rps,
    cpuPerRequest,
    pgCpuPerRequest,
    p50: latency.p50,
    p99: latency.p99,
    errors: throughput.errors + latency.errors,
    non2xx: throughput.non2xx + latency.non2xx - (expectedNon2xx ? denied : 0),
    ...(load.kind === 'checkout'
      ? { grantedPerSecond: throughput.granted / throughput.seconds, extra: contendedExtra(throughput, latency) }
      : {}),
  };
}

/** The measured run at 64 connections: its throughput, and the server processes' CPU per request in it. */
async function measuredRun(urls: string[], load: Load): Promise<{ throughput: LoadResult; cpuPerRequest: number }> {
  const cpuBefore = cpuOf(urls);
  const throughput = await runLoad(urls, 64, SECONDS, load);
  return { throughput, cpuPerRequest: ((cpuOf(urls) - cpuBefore) * 1000) / throughput.requests };
}

/** An anchor's throughput and CPU per request at 64 connections (after the same warm-up), nothing else. */
async function anchorThroughput(key: string, urls: string[], load: Load): Promise<Measured['pairedAnchor']> {
  await runLoad(urls, 64, WARM_UP_SECONDS, load);
  const { throughput, cpuPerRequest } = await measuredRun(urls, load);
  return { key, rps: throughput.rps, cpuPerRequest };
}

function contendedExtra(at64: LoadResult, at8: LoadResult): string {
  return `${(at64.granted / at64.seconds).toFixed(0)} checkouts/s granted at 64 conn; ${at64.denied + at8.denied} refused (409 NO_SEAT_AVAILABLE)`;
}

/**
 * The most seats of the license in use at any instant, from the lease history, two ways:
 * `raw`: a start/end sweep over every lease's [startedAt, endedAt); `bySlot`: the same after merging,
 * per seat slot, the intervals of leases that held that slot (a slot row holds one lease id at a
 * time, so two leases of one slot never held it together). They differ because startedAt is the
 * checkout transaction's now(), its start: a checkout that waited for a slot (claim with wait, e.g.
 * behind a concurrent release) records a start before the moment it took the slot, so on a loaded
 * machine its interval overlaps the previous holder's end in the history (seen: up to 0.5 s).
 * `bySlot` counts the distinct slots occupied at each instant: the seat count the rule limits.
 */
async function maxConcurrent(db: Client, licenseId: string): Promise<{ raw: number; bySlot: number }> {
  const { rows } = await db.query<{ raw: number; bySlot: number }>(
    `WITH iv AS (
       SELECT slot, "startedAt" AS s, LEAST(COALESCE("endedAt", "expiresAt"), now()) AS e FROM seat_leases WHERE "licenseId" = $1),
     flagged AS (
       SELECT slot, s, e,
              CASE WHEN s <= max(e) OVER (PARTITION BY slot ORDER BY s, e ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) THEN 0 ELSE 1 END AS fresh
         FROM iv),
     islands AS (SELECT slot, s, e, sum(fresh) OVER (PARTITION BY slot ORDER BY s, e) AS island FROM flagged),
     merged AS (SELECT min(s) AS s, max(e) AS e FROM islands GROUP BY slot, island),
     raw_ev AS (SELECT s AS t, 1 AS d FROM iv UNION ALL SELECT e, -1 FROM iv),
     slot_ev AS (SELECT s AS t, 1 AS d FROM merged UNION ALL SELECT e, -1 FROM merged)
     SELECT (SELECT COALESCE(max(level), 0) FROM (SELECT sum(d) OVER (ORDER BY t, d ROWS UNBOUNDED PRECEDING) AS level FROM raw_ev) x)::int AS raw,
            (SELECT COALESCE(max(level), 0) FROM (SELECT sum(d) OVER (ORDER BY t, d ROWS UNBOUNDED PRECEDING) AS level FROM slot_ev) y)::int AS "bySlot"`,
    [licenseId],
  );
  return rows[0];
}

async function contended(key: string, name: string, urls: string[], seeded: Seeded, db: Client): Promise<Measured> {
  // Poll the live count while the load runs, too (the interval sweep afterwards is the stronger check).
  let polledMax = 0;
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM seat_slots WHERE "licenseId" = $1 AND "leaseId" IS NOT NULL AND "expiresAt" > now()`,
        [seeded.contendedLicenseId],
      );
      polledMax = Math.max(polledMax, rows[0].n);
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  const load: Load = {
    kind: 'checkout',
    licenseId: seeded.contendedLicenseId,
    devices: DEVICES,
    headers: { Authorization: `Bearer ${seeded.enterpriseSecret}`, 'Content-Type': 'application/json' },
  };
  const measured = await scenario(key, name, urls, load, true);
  polling = false;
  await poller;
  const peak = await maxConcurrent(db, seeded.contendedLicenseId);
  const oversubscription = Math.max(0, peak.bySlot - SEATS, polledMax - SEATS);
  measured.extra +=
    `; max seats in use: ${peak.bySlot} from lease history by slot (${peak.raw} by lease timestamps alone), ${polledMax} polled every 10 ms;` +
    ` limit ${SEATS}; oversubscription ${oversubscription}`;
  if (oversubscription !== 0) process.exitCode = 2;
  // The load leaves each connection's last granted lease live (its release would have been that
  // connection's next request). End them as a release would, so that the next row and the next
  // round start from a free license as the first did (leftovers would pile up over the rounds).
  await db.query(
    `WITH ended AS (
       UPDATE seat_leases SET "endedAt" = now(), "endReason" = 'RELEASED'
        WHERE "licenseId" = $1 AND "endedAt" IS NULL RETURNING id)
     UPDATE seat_slots SET "leaseId" = NULL, "expiresAt" = NULL
      WHERE "licenseId" = $1 AND "leaseId" IN (SELECT id FROM ended)`,
    [seeded.contendedLicenseId],
  );
  return measured;
}

const fmt = (x: number, digits = 0) => (Number.isFinite(x) ? x.toFixed(digits) : '–');
const ms = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(1));

async function main(): Promise<void> {
  const db = new Client({ connectionString: DATABASE_URL });
  await db.connect();
  benchDb = db;
  const why =
    process.env['BENCH_LOAD_GENERATOR'] === 'autocannon' ? 'BENCH_LOAD_GENERATOR=autocannon' : 'wrk not found';
  console.log(
    `load generator: ${LOAD_GENERATOR}${LOAD_GENERATOR === 'wrk' ? '' : ` (${why}: autocannon, which takes more of the cores it measures, used instead)`}`,
  );
  const loadAtStart = loadavg();
  console.log('starting license-central and the anchors…');
  const replicas: Started[] = [await startLicenseCentral(DATABASE_URL, 'license-central #1')];
  const [plain, limit, nest] = await Promise.all([
    startAnchor('plain-http.ts', DATABASE_URL),
    startAnchor('limit-server.ts', DATABASE_URL),
    startAnchor('bare-nest.ts', DATABASE_URL),
  ]);
  const one = replicas[0].url;
  for (const s of [replicas[0], plain, limit, nest]) pidsOf.set(s.url, s.child.pid);
  console.log('seeding through the API…');
  const seeded = await seed(one, SEATS);

  // Leases for the heartbeat scenario: 64 devices each holding a seat.
  const leaseIds: string[] = [];
  for (let i = 0; i < 64; i++) {
    const lease = await api(one, 'POST', '/client/v1/seats/checkout', seeded.enterpriseSecret, {
      licenseId: seeded.heartbeatLicenseId,
      fingerprint: `bench-hb-${i.toString().padStart(4, '0')}`,
    });
    leaseIds.push(lease.leaseId);
  }
  const rss = new RssSampler(() =>
    replicas.map((r) => r.child.pid ?? 0).concat([limit.child.pid ?? 0, nest.child.pid ?? 0]),
  );
  rss.start();
  const json = { 'Content-Type': 'application/json' };
  const validateBody = JSON.stringify({ fingerprint: seeded.personalFingerprint });
  const personal = { ...json, Authorization: `Bearer ${seeded.personalSecret}` };
  // (b) and (c), on one replica and over two ((b2), (c2)).
  const validateLoad: Load = {
    kind: 'static',
    method: 'POST',
    path: '/client/v1/validate',
    body: validateBody,
    headers: personal,
  };
  const heartbeatLoad: Load = {
    kind: 'rotate',
    method: 'POST',
    entries: leaseIds.map((id) => ({ auth: '', path: `/client/v1/seats/${id}/heartbeat` })),
    headers: { Authorization: `Bearer ${seeded.enterpriseSecret}` },
  };
  const limitLoad: Load = { kind: 'static', method: 'POST', path: '/validate', body: validateBody, headers: personal };
  const nestLoad: Load = { kind: 'static', method: 'GET', path: '/live', headers: {} };
  // BENCH_ROUNDS rounds of every row, one after the other in the same order, and each row with a
  // target ratio paired with its anchor measured just before it (pairedAnchor): the table reports
  // medians, and each ratio compares measurements seconds apart.
  const rounds: Measured[][] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const results: Measured[] = [];
    rounds.push(results);
    /** Measures row `key`; with `anchor` ('limit' or 'nest'), that anchor's throughput again just before it. */
    const run = async (key: string, f: () => Promise<Measured>, anchor?: 'limit' | 'nest') => {
      if (!want(key)) return;
      console.log(`  ${key}${ROUNDS > 1 ? ` (round ${round} of ${ROUNDS})` : ''}…`);
      const paired =
        anchor &&
        want(anchor) &&
        (await (anchor === 'limit'
          ? anchorThroughput('limit', [limit.url], limitLoad)
          : anchorThroughput('nest', [nest.url], nestLoad)));
      const measured = await f();
      if (paired) measured.pairedAnchor = paired;
      results.push(measured);
    };
    await run('plain', () =>
      scenario('plain', 'plain `node:http`, no I/O', [plain.url], {
        kind: 'static',
        method: 'GET',
        path: '/',
        headers: {},
      }),
    );
    await run('limit', () =>
      scenario('limit', 'the limit: `node:http` + JSON + 1 prepared read + Ed25519', [limit.url], limitLoad),
    );
    await run(
      'limitw',
      () =>
        scenario('limitw', 'the write limit: the same + 1 row written and committed', [limit.url], {
          ...limitLoad,
          path: '/write',
        }),
      'limit',
    );
    await run('nest', () => scenario('nest', 'bare NestJS 11 (express), 1 route', [nest.url], nestLoad));
    await run(
      'a',
      () =>
        scenario('a', '(a) Leasehold GET /health/live', [one], {
          kind: 'static',
          method: 'GET',
          path: '/health/live',
          headers: {},
        }),
      'nest',
    );
    await run('b', () => scenario('b', '(b) Leasehold validate', [one], validateLoad), 'limit');
    if (process.env['BENCH_LOG_COMPARE'] === '1') {
      // The same route on a replica logging at `info` (the default LOG_LEVEL): one JSON line per
      // request written to stdout (discarded here, as a log shipper would read it).
      const info = await startLicenseCentral(DATABASE_URL, 'license-central (LOG_LEVEL=info)', 'info');
      pidsOf.set(info.url, info.child.pid);
      results.push(await scenario('b-info', '(b) validate, replica at LOG_LEVEL=info', [info.url], validateLoad));
      info.child.kill('SIGTERM');
    }
    await run('c', () => scenario('c', '(c) Leasehold heartbeat', [one], heartbeatLoad), 'limit');
    await run(
      'd',
      () => contended('d', `(d) checkout+release, ${SEATS} seats, ${DEVICES} devices, 1 replica`, [one], seeded, db),
      'limit',
    );
    // The second replica, for (e), (b2) and (c2): started once, before the first of them.
    if (['e', 'b2', 'c2'].some(want) && replicas.length < 2) {
      replicas.push(await startLicenseCentral(DATABASE_URL, 'license-central #2'));
      pidsOf.set(replicas[1].url, replicas[1].child.pid);
    }
    await run(
      'e',
      () =>
        contended(
          'e',
          '(e) the same, 2 replicas',
          replicas.map((r) => r.url),
          seeded,
          db,
        ),
      'limit',
    );
    // Per host: validate and heartbeat over two replicas on this machine (the connections split
    // between them), against the same single-process anchors.
    await run(
      'b2',
      () =>
        scenario(
          'b2',
          '(b2) validate, 2 replicas on this host',
          replicas.map((r) => r.url),
          validateLoad,
        ),
      'limit',
    );
    await run(
      'c2',
      () =>
        scenario(
          'c2',
          '(c2) heartbeat, 2 replicas on this host',
          replicas.map((r) => r.url),
          heartbeatLoad,
        ),
      'limit',
    );
  }
  rss.stop();

  // Medians over the rounds; a ratio is the median of each round's own ratio (both rows of one round).
  const measuredIn = (round: Measured[], key: string) => round.find((r) => r.key === key);
  const perRound = (key: string, value: (m: Measured, round: Measured[]) => number) =>
    rounds.flatMap((round) => {
      const m = measuredIn(round, key);
      const v = m ? value(m, round) : NaN;
      return Number.isFinite(v) ? [v] : [];
    });
  const rpsIn = (round: Measured[], key: string) => measuredIn(round, key)?.rps ?? NaN;
  /** The anchor `to` as row `key` saw it: measured just before the row when paired, else the round's row. */
  const anchorOf = (m: Measured, round: Measured[], to: string) =>
    m.pairedAnchor?.key === to
      ? m.pairedAnchor
      : { rps: rpsIn(round, to), cpuPerRequest: measuredIn(round, to)?.cpuPerRequest ?? NaN };
  const ratio = (key: string, to: string) => perRound(key, (m, round) => m.rps / anchorOf(m, round, to).rps);
  /** A target ratio: its median, and each round's when there are several. */
  const target = (values: number[]) =>
    `${fmt(median(values), 2)}${values.length > 1 ? ` (rounds ${values.map((v) => fmt(v, 2)).join(' / ')})` : ''}`;
  const lines: string[] = [];
  const out = (line = '') => lines.push(line);
  out(
    `load average (1, 5, 15 min) at the start ${loadAtStart.map((x) => x.toFixed(1)).join(' ')}, at the end ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')} on ${cpus().length} CPUs`,
  );
  out(
    `load generator ${LOAD_GENERATOR}; license-central production build, LOG_LEVEL=warn; ${SECONDS} s per measurement after ${WARM_UP_SECONDS} s warm-up; ${ROUNDS} round(s) of every row, medians;`,
  );
  out(
    'throughput at 64 connections, latency at 8 connections (separate runs of the same load); server CPU per request is the',
  );
  out(
    'server process\'s own user+system time during the 64-connection run ÷ its requests; "× limit (CPU)" = limit µs/req ÷ this µs/req; Postgres CPU: all backends on the bench database, same run;',
  );
  out("each ratio is the median of the rounds' own ratios (rows of the same round)");
  out();
  out(
    '| scenario | req/s (64 conn) | × limit | × bare NestJS | server CPU µs/req | × limit (CPU) | Postgres CPU µs/req | p50 ms (8 conn) | p99 ms (8 conn) | errors | unexpected non-2xx |',
  );
  out('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  const keys = [...new Set(rounds.flat().map((r) => r.key))];
  const med = (key: string, value: (m: Measured) => number) => median(perRound(key, value));
  const sum = (key: string, value: (m: Measured) => number) => perRound(key, value).reduce((a, b) => a + b, 0);
  for (const key of keys) {
    const name = rounds.flat().find((r) => r.key === key)?.name ?? key;
    const cpuRatio = median(perRound(key, (m, round) => anchorOf(m, round, 'limit').cpuPerRequest / m.cpuPerRequest));
    out(
      `| ${name} | ${fmt(med(key, (m) => m.rps))} | ${fmt(median(ratio(key, 'limit')), 2)} | ${fmt(median(ratio(key, 'nest')), 2)} | ${fmt(med(key, (m) => m.cpuPerRequest))} | ${fmt(cpuRatio, 2)} | ${fmt(med(key, (m) => m.pgCpuPerRequest))} | ${ms(med(key, (m) => m.p50))} | ${ms(med(key, (m) => m.p99))} | ${sum(key, (m) => m.errors)} | ${sum(key, (m) => m.non2xx)} |`,
    );
  }
  out();
  rounds.forEach((round, i) => {
    for (const r of round.filter((x) => x.extra)) out(`- ${r.name}${ROUNDS > 1 ? `, round ${i + 1}` : ''}: ${r.extra}`);
  });
  // A granted checkout that is released costs two durable writes: half the write limit's req/s is
  // the most pairs per second this machine could serve, whatever the code.
  const pairLimitIn = (round: Measured[]) => rpsIn(round, 'limitw') / 2;
  if (want('limitw')) {
    out(
      `- write limit ÷ 2 (most checkout+release pairs/s with two durable writes each) = ${fmt(median(rounds.map(pairLimitIn).filter(Number.isFinite)))}/s = ${target(perRound('limitw', (m, round) => m.rps / 2 / anchorOf(m, round, 'limit').rps))} × the limit's req/s`,
    );
  }
  for (const key of keys.filter((k) => rounds.flat().some((r) => r.key === k && r.grantedPerSecond !== undefined))) {
    const granted = (m: Measured) => m.grantedPerSecond ?? NaN;
    out(
      `- ${key}: ${fmt(med(key, granted))} granted checkouts/s; ÷ limit req/s = ${target(perRound(key, (m, round) => granted(m) / anchorOf(m, round, 'limit').rps))} (target ≥ 0.25); ÷ (write limit ÷ 2) = ${target(perRound(key, (m, round) => granted(m) / pairLimitIn(round)))}`,
    );
  }
  out(
    `- validate ÷ limit = ${target(ratio('b', 'limit'))}, heartbeat ÷ limit = ${target(ratio('c', 'limit'))} (target ≥ 0.5); /health/live ÷ bare NestJS = ${target(ratio('a', 'nest'))} (target ≥ 0.8)`,
  );
  // The p99 target is each round's, not only the median's: a round above 10 ms shows here.
  const p99s = (key: string) =>
    perRound(key, (m) => m.p99)
      .map((v) => fmt(v, 1))
      .join(' / ');
  out(
    `- p99 at 8 connections, each round (ms): validate ${p99s('b')}, heartbeat ${p99s('c')} (target ≤ 10 on an idle machine); the limit ${p99s('limit')}, the write limit ${p99s('limitw')}`,
  );
  if (want('b2') || want('c2')) {
    out(
      `- per host (2 replicas, the limit server one process): validate ÷ limit = ${target(ratio('b2', 'limit'))}, heartbeat ÷ limit = ${target(ratio('c2', 'limit'))}`,
    );
  }
  out(
    `- peak resident memory (RSS) under load: ${replicas.map((r) => `${r.name} ${fmt(rss.peak(r.child.pid ?? 0))} MB`).join(', ')} (target ≤ 250 MB); limit server ${fmt(rss.peak(limit.child.pid ?? 0))} MB, bare NestJS ${fmt(rss.peak(nest.child.pid ?? 0))} MB`,
  );
  console.log(`\n${lines.join('\n')}`);
  if (process.env['BENCH_OUT']) writeFileSync(process.env['BENCH_OUT'], `${lines.join('\n')}\n`);
  await db.end();
}

runBench(main);
