// `npm run bench:ab`: two (or more) builds of license-central side by side, for a machine too
// busy for `npm run bench`'s one-after-the-other rows to mean anything. Every variant runs at the
// same time on the same database next to the limit anchor; the scenarios of every variant are
// measured in short bursts, interleaved in a new random order each round, so whatever load the
// rest of the machine puts on the cores falls on all of them alike. Reported per variant and
// scenario: the median over the rounds of the server's CPU per request (user + system from
// /proc/<pid>/stat ÷ requests), of Postgres's, and of req/s; ratios against the limit anchor of
// the same rounds.
//
//   BENCH_AB_VARIANTS   name=path/to/main.js[@KEY=value…],… (default base=dist/ab/base/main.js,new=dist/apps/license-central/main.js);
//                       e.g. unix=dist/apps/license-central/main.js@DATABASE_URL=postgresql://postgres@localhost/leasehold_bench?host=/var/run/postgresql
//   BENCH_AB_ROUNDS     rounds (default 5); BENCH_SECONDS seconds per burst (default 2)
//   BENCH_AB_CONNECTIONS connections per burst (default 16); BENCH_ONLY scenarios (limit a b c d)
import { cpus, loadavg } from 'node:os';
import { Client } from 'pg';
import {
  api,
  cpuMs,
  median,
  postgresCpu,
  postgresCpuSince,
  RssSampler,
  runBench,
  seed,
  startAnchor,
  startLicenseCentral,
  Started,
} from './common';
import { Load, LOAD_GENERATOR, runLoad } from './load';

const DATABASE_URL = process.env['BENCH_DATABASE_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/leasehold_bench';
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 2);
const ROUNDS = Number(process.env['BENCH_AB_ROUNDS'] ?? 5);
const CONNECTIONS = Number(process.env['BENCH_AB_CONNECTIONS'] ?? 16);
const VARIANTS = (process.env['BENCH_AB_VARIANTS'] ?? 'base=dist/ab/base/main.js,new=dist/apps/license-central/main.js')
  .split(',')
  .map((spec) => {
    // name=main.js, optionally followed by @KEY=value settings of that replica (e.g. another DATABASE_URL)
    // (split only before KEY=: a connection URL has an @ of its own)
    const [head, ...settings] = spec.split(/@(?=[A-Z][A-Z0-9_]*=)/);
    const [name, main] = head.split('=');
    return {
      name,
      main,
      env: Object.fromEntries(settings.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])),
    };
  });
const ONLY = (process.env['BENCH_ONLY'] ?? 'limit,a,b,c,d').split(',').map((x) => x.trim());

interface Sample {
  cpu: number;
  pg: number;
  rps: number;
  granted: number;
  /** Milliseconds; the p99 of a burst (meaningful at a few connections: BENCH_AB_CONNECTIONS=8). */
  p99: number;
}

async function main(): Promise<void> {
  const db = new Client({ connectionString: DATABASE_URL });
  await db.connect();
  const loadAtStart = loadavg();
  const servers: { name: string; started: Started }[] = [];
  for (const v of VARIANTS)
    servers.push({ name: v.name, started: await startLicenseCentral(DATABASE_URL, v.name, undefined, v.main, v.env) });
  const limit = await startAnchor('limit-server.ts', DATABASE_URL);
  const seeded = await seed(servers[0].started.url, 100);
  const leases: string[] = [];
  for (let i = 0; i < 64; i++) {
    const lease = await api(servers[0].started.url, 'POST', '/client/v1/seats/checkout', seeded.enterpriseSecret, {
      licenseId: seeded.heartbeatLicenseId,
      fingerprint: `ab-hb-${i.toString().padStart(4, '0')}`,
    });
    leases.push(lease.leaseId);
  }
  const json = { 'Content-Type': 'application/json' };
  const personal = { ...json, Authorization: `Bearer ${seeded.personalSecret}` };
  const validate: Load = {
    kind: 'static',
    method: 'POST',
    path: '/client/v1/validate',
    body: JSON.stringify({ fingerprint: seeded.personalFingerprint }),
    headers: personal,
  };
  const loads: Record<string, Load> = {
    limit: validate,
    a: { kind: 'static', method: 'GET', path: '/health/live', headers: {} },
    b: validate,
    c: {
      kind: 'rotate',
      method: 'POST',
      entries: leases.map((id) => ({ auth: '', path: `/client/v1/seats/${id}/heartbeat` })),
      body: '{}',
      headers: { ...json, Authorization: `Bearer ${seeded.enterpriseSecret}` },
    },
    d: {
      kind: 'checkout',
      licenseId: seeded.contendedLicenseId,
      devices: 1_000,
      headers: { ...json, Authorization: `Bearer ${seeded.enterpriseSecret}` },
    },
  };
  const targets: { name: string; scenario: string; url: string; pid: number }[] = [];
  for (const scenario of ONLY) {
    if (scenario === 'limit') targets.push({ name: 'limit', scenario, url: limit.url, pid: limit.child.pid ?? 0 });
    else
      for (const s of servers)
        targets.push({ name: s.name, scenario, url: s.started.url, pid: s.started.child.pid ?? 0 });
  }
  const rss = new RssSampler(() => servers.map((s) => s.started.child.pid ?? 0));
  rss.start();
  const samples = new Map<string, Sample[]>();
  for (let round = 0; round <= ROUNDS; round++) {
    const order = [...targets].sort(() => Math.random() - 0.5);
    for (const t of order) {
      const load = loads[t.scenario];
      if (round === 0) {
        await runLoad([t.url], CONNECTIONS, 1, load); // warm-up: JIT, prepared statements
        continue;
      }
      const cpuBefore = cpuMs(t.pid);
      const pgBefore = await postgresCpu(db);
      const result = await runLoad([t.url], CONNECTIONS, SECONDS, load);
      const key = `${t.scenario}|${t.name}`;
      const list = samples.get(key) ?? [];
      list.push({
        cpu: ((cpuMs(t.pid) - cpuBefore) * 1000) / result.requests,
        pg: ((await postgresCpuSince(pgBefore, db)) * 1000) / result.requests,
        rps: result.rps,
        granted: result.granted / result.seconds,
        p99: result.p99,
      });
      samples.set(key, list);
      if (result.errors > 0 || (t.scenario !== 'd' && result.non2xx > 0))
        console.log(`  ${key}: ${result.errors} errors, ${result.non2xx} non-2xx`);
    }
    // Statistics of the tables the warm-up filled (bench.ts's scenario() says why), for every variant alike.
    if (round === 0) await db.query('ANALYZE');
    console.log(`  round ${round} done`);
  }
  rss.stop();
  const limitCpu = median((samples.get('limit|limit') ?? []).map((s) => s.cpu));
  const limitRps = median((samples.get('limit|limit') ?? []).map((s) => s.rps));
  const end = loadavg();
  console.log('');
  console.log(
    `load generator ${LOAD_GENERATOR}; ${ROUNDS} rounds of ${SECONDS} s bursts at ${CONNECTIONS} connections, interleaved in random order; ` +
      `load average ${loadAtStart.map((x) => x.toFixed(1)).join(' ')} at the start, ${end.map((x) => x.toFixed(1)).join(' ')} at the end on ${cpus().length} CPUs`,
  );
  console.log('');
  console.log(
    '| scenario | variant | server CPU µs/req (median) | × limit (CPU) | Postgres CPU µs/req | req/s (median) | × limit (req/s) | granted/s | p99 ms |',
  );
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const t of targets) {
    const list = samples.get(`${t.scenario}|${t.name}`) ?? [];
    const cpu = median(list.map((s) => s.cpu));
    const rps = median(list.map((s) => s.rps));
    const granted = t.scenario === 'd' ? median(list.map((s) => s.granted)).toFixed(0) : '';
    console.log(
      `| ${t.scenario} | ${t.name} | ${cpu.toFixed(0)} | ${(limitCpu / cpu).toFixed(2)} | ${median(list.map((s) => s.pg)).toFixed(0)} | ${rps.toFixed(0)} | ${(rps / limitRps).toFixed(2)} | ${granted} | ${median(list.map((s) => s.p99)).toFixed(1)} |`,
    );
  }
  console.log('');
  console.log(
    `peak resident memory: ${servers.map((s) => `${s.name} ${rss.peak(s.started.child.pid ?? 0).toFixed(0)} MB`).join(', ')}`,
  );
  await db.end();
}

runBench(main);
