// The benchmark behind `npm run bench` (bench/run.sh builds and migrates first). It starts the
// production build of license-central (one process, then a second replica on another port), seeds
// through the public API, and runs autocannon against:
//   (a) GET /health/live: a bare, public NestJS route of the same app and process (same
//       middleware, guard, filters), no I/O: the framework's own cost on this machine;
//   (b) POST /client/v1/validate; (c) POST /client/v1/seats/{id}/heartbeat;
//   (d) checkout + release on 100 seats contended by 1,000 simulated devices; (e) (d) spread
//       over two replicas.
// Throughput at 64 connections, p50/p99 at 8. For (d)/(e) the most seats ever in use at once is
// computed from the database (the lease intervals), next to the limit.
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { Client } from 'pg';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 5);
const DATABASE_URL = process.env['BENCH_DATABASE_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/leasehold_bench';
const PORTS = [3900, 3901];
const OPERATOR_TOKEN = randomBytes(24).toString('hex');
const SEATS = 100;
// BENCH_ONLY=a,b: run only these scenarios (for profiling one route); ratios need (a).
const ONLY = (process.env['BENCH_ONLY'] ?? 'a,b,c,d,e').split(',').map((x) => x.trim());
const want = (letter: string) => ONLY.includes(letter);
const DEVICES = 1_000;

const children: ChildProcess[] = [];

function startApp(port: number): ChildProcess {
  // BENCH_APP_NODE_ARGS: extra node flags for the app processes, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const nodeArgs = (process.env['BENCH_APP_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, 'dist/apps/license-central/main.js'], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      LICENSE_CENTRAL_PORT: String(port),
      DATABASE_URL,
      REDIS_URL: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
      REDIS_PREFIX: 'leasehold-bench',
      OPERATOR_TOKEN,
      JWT_SECRET: randomBytes(32).toString('hex'),
      PLATFORM_KEY: randomBytes(32).toString('base64'),
      // One credential and one address make every request here: limits far above the load, so the
      // limiter's cost is measured (one Redis round trip per request) but it never refuses.
      RATE_LIMIT_VENDOR_API_PER_KEY: '100000000',
      RATE_LIMIT_VENDOR_API_PER_IP: '100000000',
      RATE_LIMIT_DEVICE_PER_CREDENTIAL: '100000000',
      RATE_LIMIT_DEVICE_PER_IP: '100000000',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  return child;
}

async function waitUntilLive(port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 150; i++) {
    if (child.exitCode !== null) throw new Error(`license-central on port ${port} exited with ${child.exitCode}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health/live`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`license-central on port ${port} did not start`);
}

async function api(port: number, method: string, path: string, auth: string, body?: unknown): Promise<any> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: { Authorization: `Bearer ${auth}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

interface Seeded {
  vendorKey: string;
  personalSecret: string;
  personalFingerprint: string;
  enterpriseSecret: string;
  heartbeatLicenseId: string;
  contendedLicenseId: string;
}

async function seed(port: number): Promise<Seeded> {
  const tag = randomBytes(4).toString('hex');
  const created = await api(port, 'POST', '/operator/v1/vendors', OPERATOR_TOKEN, { slug: `bench-${tag}`, name: 'Bench vendor' });
  const vendorKey: string = created.apiKey.secret;
  const product = await api(port, 'POST', '/v1/products', vendorKey, { code: `bench-${tag}`, name: 'Bench product' });
  const group = await api(port, 'POST', '/v1/groups', vendorKey, { name: 'Bench customer' });
  const user = await api(port, 'POST', '/v1/users', vendorKey, { email: `bench-${tag}@example.com`, name: 'Bench user' });
  const personal = await api(port, 'POST', '/v1/containers', vendorKey, { kind: 'PERSONAL', name: 'Bench laptop', userId: user.user.id });
  await api(port, 'POST', `/v1/containers/${personal.id}/licenses`, vendorKey, { productId: product.id, quantity: 1 });
  const personalFingerprint = `bench-device-${tag}`;
  await api(port, 'POST', '/client/v1/activations', personal.secret, { fingerprint: personalFingerprint, name: 'Bench laptop' });
  const enterprise = await api(port, 'POST', '/v1/containers', vendorKey, { kind: 'ENTERPRISE', name: 'Bench server', groupId: group.id });
  const heartbeat = await api(port, 'POST', `/v1/containers/${enterprise.id}/licenses`, vendorKey, { productId: product.id, quantity: 200 });
  const contended = await api(port, 'POST', `/v1/containers/${enterprise.id}/licenses`, vendorKey, { productId: product.id, quantity: SEATS });
  return { vendorKey, personalSecret: personal.secret, personalFingerprint, enterpriseSecret: enterprise.secret, heartbeatLicenseId: heartbeat.id, contendedLicenseId: contended.id };
}

interface Measured {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  extra?: string;
}

type Requests = autocannon.Request[] | undefined;

function cannon(urls: string[], connections: number, requests: Requests, headers: Record<string, string>, title: string, duration = SECONDS) {
  // One autocannon per URL (replica), connections split evenly, run at the same time.
  return Promise.all(
    urls.map((url) => autocannon({ url, connections: Math.max(1, Math.floor(connections / urls.length)), duration, headers, requests, title })),
  );
}

/**
 * An unmeasured second of the same load first, so each route is measured with its code optimised
 * by the JIT and its statements prepared on the pool's connections (as in a long-running server),
 * whichever scenario happens to run first.
 */
const WARM_UP_SECONDS = 1;

function merge(results: autocannon.Result[]) {
  return {
    rps: results.reduce((s, r) => s + r.requests.average, 0),
    p50: Math.max(...results.map((r) => r.latency.p50)),
    p99: Math.max(...results.map((r) => r.latency.p99)),
    errors: results.reduce((s, r) => s + r.errors + r.timeouts, 0),
    non2xx: results.reduce((s, r) => s + r.non2xx, 0),
    statuses: results.map((r) => JSON.stringify(Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).map(([k, v]) => [k, v.count])))).join(' + '),
  };
}

async function scenario(name: string, urls: string[], makeRequests: () => Requests, headers: Record<string, string>): Promise<Measured> {
  await cannon(urls, 64, makeRequests(), headers, name, WARM_UP_SECONDS);
  const throughput = merge(await cannon(urls, 64, makeRequests(), headers, name));
  const latency = merge(await cannon(urls, 8, makeRequests(), headers, name));
  return {
    name,
    rps: throughput.rps,
    p50: latency.p50,
    p99: latency.p99,
    errors: throughput.errors + latency.errors,
    non2xx: throughput.non2xx + latency.non2xx,
    extra: `status codes at 64 conn ${throughput.statuses}, at 8 conn ${latency.statuses}`,
  };
}

/** The most leases of the license that overlapped at any instant (start/end sweep over the history). */
async function maxConcurrent(db: Client, licenseId: string): Promise<number> {
  const { rows } = await db.query<{ peak: number }>(
    `WITH ev AS (
       SELECT "startedAt" AS t, 1 AS d FROM seat_leases WHERE "licenseId" = $1
       UNION ALL
       SELECT LEAST(COALESCE("endedAt", "expiresAt"), now()), -1 FROM seat_leases WHERE "licenseId" = $1)
     SELECT COALESCE(max(level), 0)::int AS peak
       FROM (SELECT sum(d) OVER (ORDER BY t, d ROWS UNBOUNDED PRECEDING) AS level FROM ev) x`,
    [licenseId],
  );
  return rows[0].peak;
}

type LeaseContext = { leaseId?: string | null };

function checkoutRelease(licenseId: string, counters: { granted: number; denied: number }): Requests {
  return [
    {
      method: 'POST',
      path: '/client/v1/seats/checkout',
      setupRequest: (req, context: LeaseContext) => {
        context.leaseId = null;
        return { ...req, body: JSON.stringify({ licenseId, fingerprint: `bench-fp-${Math.floor(Math.random() * DEVICES).toString().padStart(4, '0')}` }) };
      },
      onResponse: (status, body, context: LeaseContext) => {
        if (status === 201) {
          counters.granted++;
          context.leaseId = JSON.parse(body).leaseId as string;
        } else if (status === 409) counters.denied++; // NO_SEAT_AVAILABLE
      },
    },
    {
      method: 'POST',
      // No seat, no release: returning nothing makes autocannon start the sequence again.
      setupRequest: (req, context: LeaseContext) => (context.leaseId ? { ...req, path: `/client/v1/seats/${context.leaseId}/release`, body: undefined } : (null as never)),
    },
  ];
}

async function contended(name: string, urls: string[], seeded: Seeded, db: Client): Promise<Measured> {
  const counters = { granted: 0, denied: 0 };
  const headers = { Authorization: `Bearer ${seeded.enterpriseSecret}`, 'Content-Type': 'application/json' };
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
  await cannon(urls, 64, checkoutRelease(seeded.contendedLicenseId, { granted: 0, denied: 0 }), headers, name, WARM_UP_SECONDS);
  const started = Date.now();
  const throughput = merge(await cannon(urls, 64, checkoutRelease(seeded.contendedLicenseId, counters), headers, name));
  const elapsed = (Date.now() - started) / 1000;
  const grantedAt64 = counters.granted;
  const latency = merge(await cannon(urls, 8, checkoutRelease(seeded.contendedLicenseId, counters), headers, name));
  polling = false;
  await poller;
  const peak = await maxConcurrent(db, seeded.contendedLicenseId);
  return {
    name,
    rps: throughput.rps,
    p50: latency.p50,
    p99: latency.p99,
    errors: throughput.errors + latency.errors,
    non2xx: throughput.non2xx + latency.non2xx - counters.denied,
    extra: `statuses ${throughput.statuses}; ${(grantedAt64 / elapsed).toFixed(0)} checkouts/s granted at 64 conn; ${counters.denied} refused (409 NO_SEAT_AVAILABLE); max seats in use: ${peak} from lease history, ${polledMax} polled; limit ${SEATS}; oversubscription ${Math.max(0, peak - SEATS)}`,
  };
}

async function main(): Promise<void> {
  const db = new Client({ connectionString: DATABASE_URL });
  await db.connect();
  console.log('starting license-central…');
  await waitUntilLive(PORTS[0], startApp(PORTS[0]));
  const [one] = PORTS.map((p) => `http://127.0.0.1:${p}`);
  console.log('seeding…');
  const seeded = await seed(PORTS[0]);

  // Leases for the heartbeat scenario: 64 devices each holding a seat.
  const leaseIds: string[] = [];
  for (let i = 0; i < 64; i++) {
    const lease = await api(PORTS[0], 'POST', '/client/v1/seats/checkout', seeded.enterpriseSecret, { licenseId: seeded.heartbeatLicenseId, fingerprint: `bench-hb-${i.toString().padStart(4, '0')}` });
    leaseIds.push(lease.leaseId);
  }
  const json = { 'Content-Type': 'application/json' };
  const results: Measured[] = [];
  if (want('a')) results.push(await scenario('(a) bare: GET /health/live', [one], () => [{ method: 'GET', path: '/health/live' }], {}));
  if (want('b')) {
    results.push(
      await scenario('(b) validate', [one], () => [{ method: 'POST', path: '/client/v1/validate', body: JSON.stringify({ fingerprint: seeded.personalFingerprint }) }], {
        ...json,
        Authorization: `Bearer ${seeded.personalSecret}`,
      }),
    );
  }
  let n = 0;
  if (want('c')) {
    results.push(
      await scenario('(c) heartbeat', [one], () => [{ method: 'POST', setupRequest: (req) => ({ ...req, path: `/client/v1/seats/${leaseIds[n++ % leaseIds.length]}/heartbeat` }) }], {
        Authorization: `Bearer ${seeded.enterpriseSecret}`,
      }),
    );
  }
  if (want('d')) results.push(await contended(`(d) checkout+release, ${SEATS} seats, ${DEVICES} devices, 1 replica`, [one], seeded, db));
  if (want('e')) {
    await waitUntilLive(PORTS[1], startApp(PORTS[1]));
    results.push(await contended(`(e) the same, 2 replicas`, PORTS.map((p) => `http://127.0.0.1:${p}`), seeded, db));
  }

  const rpsOf = (prefix: string) => results.find((r) => r.name.startsWith(prefix))?.rps;
  const bare = rpsOf('(a)') ?? NaN;
  console.log(`\nlicense-central production build, LOG_LEVEL=warn, ${SECONDS} s per run; throughput at 64 connections, latency at 8\n`);
  console.log('| scenario | req/s (64 conn) | ratio to (a) | p50 ms (8 conn) | p99 ms (8 conn) | errors | unexpected non-2xx |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of results) {
    console.log(`| ${r.name} | ${r.rps.toFixed(0)} | ${(r.rps / bare).toFixed(2)} | ${r.p50} | ${r.p99} | ${r.errors} | ${r.non2xx} |`);
  }
  console.log('');
  for (const r of results.filter((x) => x.extra)) console.log(`${r.name}: ${r.extra}`);
  console.log(`\nratios: b/a = ${((rpsOf('(b)') ?? NaN) / bare).toFixed(2)}, c/a = ${((rpsOf('(c)') ?? NaN) / bare).toFixed(2)}`);
  await db.end();
}

function stopAll(): void {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => {
    stopAll();
    // Keep-alive sockets of fetch/autocannon would hold the process open for a while.
    setTimeout(() => process.exit(process.exitCode ?? 0), 500).unref();
  });
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    stopAll();
    process.exit(1);
  });
}
