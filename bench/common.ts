// What bench/bench.ts and bench/scale.ts share: the processes they start (license-central's
// production build, the anchors), free ports, the public API, resident-memory sampling.
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { transformFileSync } from '@swc/core';
import { connect, createServer } from 'node:net';

const children: ChildProcess[] = [];

/** A port nobody listens on right now (the OS picks it), so parallel benches never collide. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface Started {
  name: string;
  port: number;
  url: string;
  child: ChildProcess;
}

/**
 * Spawns a server (its stdout discarded, as a log shipper would take it; BENCH_APP_STDOUT=1 passes it
 * on, e.g. for `BENCH_APP_NODE_ARGS=--trace-gc`) and waits until its port accepts connections.
 */
async function start(name: string, args: string[], env: (port: number) => NodeJS.ProcessEnv): Promise<Started> {
  const port = await freePort();
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env(port) },
    stdio: ['ignore', process.env['BENCH_APP_STDOUT'] ? 'inherit' : 'ignore', 'inherit'],
  });
  children.push(child);
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    if (i > 300) throw new Error(`${name} did not start within 60 s`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return { name, port, url: `http://127.0.0.1:${port}`, child };
}

export const OPERATOR_TOKEN = randomBytes(24).toString('hex');
// One installation: every replica of a run shares its secrets (signing keys are sealed with the
// PLATFORM_KEY; a replica with another one could not sign).
const JWT_SECRET = randomBytes(32).toString('hex');
const PLATFORM_KEY = randomBytes(32).toString('base64');

/** The median of `xs` (NaN when empty). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
}

/**
 * The heap limit license-central is deployed with (Dockerfile, docker-compose*.yml; checked equal
 * by scripts/deployment.spec.ts): resident size ≤ 250 MB under load, the heaviest vendor routes
 * included (`BENCH_SCRIPT=heap-check npm run bench`), at no measurable CPU cost (docs/benchmarks.md,
 * fifth session).
 */
export const LICENSE_CENTRAL_HEAP = '--max-old-space-size=160';

/** The production build of license-central (bench/run.sh builds it) as deployed, LOG_LEVEL=warn. */
export async function startLicenseCentral(
  databaseUrl: string,
  name = 'license-central',
  logLevel = process.env['BENCH_LOG_LEVEL'] ?? 'warn',
  main = 'dist/apps/license-central/main.js',
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<Started> {
  // BENCH_APP_NODE_ARGS: extra node flags for the app processes, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
  // (a --max-old-space-size there replaces the deployed one).
  const nodeArgs = (process.env['BENCH_APP_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
  const heap = nodeArgs.some((arg) => arg.startsWith('--max-old-space-size')) ? [] : [LICENSE_CENTRAL_HEAP];
  return start(name, [...heap, ...nodeArgs, main], (port) => ({
    NODE_ENV: 'production',
    LOG_LEVEL: logLevel,
    HOST: '127.0.0.1',
    LICENSE_CENTRAL_PORT: String(port),
    DATABASE_URL: databaseUrl,
    REDIS_URL: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
    REDIS_PREFIX: 'leasehold-bench',
    OPERATOR_TOKEN,
    JWT_SECRET,
    PLATFORM_KEY,
    // One credential and one address make every request here: limits far above the load, so the
    // limiter's cost is measured but it never refuses. Both keys are hot (as an enterprise
    // container's credential and its office's address are): their points are claimed 64 at a time
    // (libs/auth/src/claimed-window.ts); a key seen once a window costs one Redis round trip.
    RATE_LIMIT_VENDOR_API_PER_KEY: '100000000',
    RATE_LIMIT_VENDOR_API_PER_IP: '100000000',
    RATE_LIMIT_DEVICE_PER_CREDENTIAL: '100000000',
    RATE_LIMIT_DEVICE_PER_IP: '100000000',
    ...extraEnv,
  }));
}

/**
 * One of the anchors in bench/anchors, compiled ahead (swc, into dist/bench/anchors, so its
 * imports resolve from the repository's node_modules) and run by plain node like the app's
 * production build: no TypeScript loader in the measured process or its memory.
 */
export function startAnchor(file: string, databaseUrl: string): Promise<Started> {
  const outDir = path.join('dist', 'bench', 'anchors');
  mkdirSync(outDir, { recursive: true });
  const { code } = transformFileSync(path.join('bench', 'anchors', file), {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  });
  const js = path.join(outDir, file.replace(/\.ts$/, '.js'));
  writeFileSync(js, code);
  return start(file, [js], (port) => ({ NODE_ENV: 'production', DATABASE_URL: databaseUrl, BENCH_PORT: String(port) }));
}

export function stopAll(): void {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the seeding reads many response shapes
export async function api(base: string, method: string, path: string, auth: string, body?: unknown): Promise<any> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { Authorization: `Bearer ${auth}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

export interface Seeded {
  vendorId: string;
  vendorKey: string;
  productId: string;
  groupId: string;
  personalSecret: string;
  personalFingerprint: string;
  enterpriseId: string;
  enterpriseSecret: string;
  heartbeatLicenseId: string;
  contendedLicenseId: string;
}

/** A vendor (with its signing key), a product, a PERSONAL container with an activated device, an ENTERPRISE one with two licenses: all through the public API. */
export async function seed(base: string, seats: number): Promise<Seeded> {
  const tag = randomBytes(4).toString('hex');
  const created = await api(base, 'POST', '/operator/v1/vendors', OPERATOR_TOKEN, {
    slug: `bench-${tag}`,
    name: 'Bench vendor',
  });
  const vendorKey: string = created.apiKey.secret;
  const product = await api(base, 'POST', '/v1/products', vendorKey, { code: `bench-${tag}`, name: 'Bench product' });
  const group = await api(base, 'POST', '/v1/groups', vendorKey, { name: 'Bench customer' });
  const user = await api(base, 'POST', '/v1/users', vendorKey, {
    email: `bench-${tag}@example.com`,
    name: 'Bench user',
  });
  const personal = await api(base, 'POST', '/v1/containers', vendorKey, {
    kind: 'PERSONAL',
    name: 'Bench laptop',
    userId: user.user.id,
  });
  await api(base, 'POST', `/v1/containers/${personal.id}/licenses`, vendorKey, { productId: product.id, quantity: 1 });
  const personalFingerprint = `bench-device-${tag}`;
  await api(base, 'POST', '/client/v1/activations', personal.secret, {
    fingerprint: personalFingerprint,
    name: 'Bench laptop',
  });
  const enterprise = await api(base, 'POST', '/v1/containers', vendorKey, {
    kind: 'ENTERPRISE',
    name: 'Bench server',
    groupId: group.id,
  });
  const heartbeat = await api(base, 'POST', `/v1/containers/${enterprise.id}/licenses`, vendorKey, {
    productId: product.id,
    quantity: 200,
  });
  const contended = await api(base, 'POST', `/v1/containers/${enterprise.id}/licenses`, vendorKey, {
    productId: product.id,
    quantity: seats,
  });
  return {
    vendorId: created.vendor?.id ?? created.id,
    vendorKey,
    productId: product.id,
    groupId: group.id,
    personalSecret: personal.secret,
    personalFingerprint,
    enterpriseId: enterprise.id,
    enterpriseSecret: enterprise.secret,
    heartbeatLicenseId: heartbeat.id,
    contendedLicenseId: contended.id,
  };
}

/** Samples the resident set size (VmRSS) of processes every 250 ms; `peak()` is each one's highest, in MB. */
export class RssSampler {
  private readonly peaks = new Map<number, number>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly pids: () => number[]) {}

  start(): void {
    this.timer = setInterval(() => this.sample(), 250);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  sample(): void {
    for (const pid of this.pids()) {
      try {
        const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
        this.peaks.set(pid, Math.max(this.peaks.get(pid) ?? 0, kb / 1024));
      } catch {
        // exited
      }
    }
  }

  peak(pid: number): number {
    return this.peaks.get(pid) ?? NaN;
  }
}

/**
 * CPU time (user + system, ms) a process has used so far, from /proc/<pid>/stat. Per request it is
 * the figure that survives a loaded machine: other processes slow a server down (fewer req/s),
 * but barely change how much CPU it spends on each request.
 */
export function cpuMs(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

/** CPU time so far of every Postgres backend on the client's database but its own (pid → ms). */
type PgQuery = { query: (text: string) => Promise<{ rows: { pid: number }[] }> };

const BACKENDS = `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`;

/** The CPU time (ms) of every backend of the bench database now, by pid. */
export async function postgresCpu(db: PgQuery): Promise<Map<number, number>> {
  const { rows } = await db.query(BACKENDS);
  return new Map(rows.map((r) => [r.pid, cpuMs(r.pid)]));
}

/**
 * CPU the database's backends used since `before` (ms): those of `before` still there, and all of
 * those that started meanwhile. A pool closes a connection idle for 10 s and opens a new one on
 * demand, so a server whose turn comes after a pause does its work on backends born during the
 * measurement; without them its Postgres CPU would read low, or 0 (`bench:ab` read 0 for the limit
 * anchor whenever the other variants' bursts between two of its own took more than 10 s).
 */
export async function postgresCpuSince(before: Map<number, number>, db: PgQuery): Promise<number> {
  let total = 0;
  // A backend that ended meanwhile (its pool closed an idle connection) lost its count: skipped.
  for (const [pid, ms] of before) {
    const now = cpuMs(pid);
    if (Number.isFinite(now) && Number.isFinite(ms)) total += now - ms;
  }
  const { rows } = await db.query(BACKENDS);
  for (const { pid } of rows) {
    if (before.has(pid)) continue;
    const ms = cpuMs(pid);
    if (Number.isFinite(ms)) total += ms;
  }
  return total;
}

/** USER_HZ: 100 on Linux everywhere that matters (getconf CLK_TCK). */
const CLOCK_TICKS = 100;

export function installSignalHandlers(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      stopAll();
      process.exit(1);
    });
  }
}

/**
 * Runs a bench's `main`: the processes it started are stopped on Ctrl-C and when it ends, however
 * it ends; a failure is printed and makes the exit status 1.
 */
export function runBench(main: () => Promise<void>): void {
  installSignalHandlers();
  main()
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    })
    .finally(() => {
      stopAll();
      // Keep-alive sockets of fetch would hold the process open for a while.
      setTimeout(() => process.exit(process.exitCode ?? 0), 500).unref();
    });
}
