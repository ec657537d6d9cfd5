// The load generator of the bench: `wrk` (Debian's package; bench/run.sh installs it where
// missing), driven by the Lua scripts in bench/lua; autocannon (an npm dev dependency) only when
// wrk is not available or BENCH_LOAD_GENERATOR=autocannon. wrk is C and event-driven, so it takes
// far less of the two cores it shares with what it measures than autocannon (JavaScript) does.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';

export type Load =
  /** One fixed request. */
  | { kind: 'static'; method: 'GET' | 'POST'; path: string; body?: string; headers: Record<string, string> }
  /** Requests over a list (each with its own bearer secret, or '' for the headers', and its own body, or the load's), in order. */
  | {
      kind: 'rotate';
      method: 'POST';
      entries: { auth: string; path: string; body?: string }[];
      body?: string;
      headers: Record<string, string>;
    }
  /** Checkout with a random one of `devices` fingerprints; every granted lease released next. */
  | { kind: 'checkout'; licenseId: string; devices: number; headers: Record<string, string> };

export interface LoadResult {
  requests: number;
  seconds: number;
  rps: number;
  /** Milliseconds (the slowest of the processes when several URLs are loaded at once). */
  p50: number;
  p99: number;
  /** Socket errors and timeouts. */
  errors: number;
  /** Answers with a status ≥ 400 (wrk counts those; 409 NO_SEAT_AVAILABLE refusals of a checkout included). */
  non2xx: number;
  granted: number;
  denied: number;
}

function wrkAvailable(): boolean {
  if (process.env['BENCH_LOAD_GENERATOR'] === 'autocannon') return false;
  const probe = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  return probe.error === undefined && /wrk/.test(`${probe.stdout}${probe.stderr}`);
}

export const LOAD_GENERATOR: 'wrk' | 'autocannon' = wrkAvailable() ? 'wrk' : 'autocannon';
/** wrk threads in all (split over the processes when several URLs are loaded at once). */
const WRK_THREADS = Number(process.env['BENCH_WRK_THREADS'] ?? 2);
const LUA = path.join(__dirname, 'lua');
let scratch: string | undefined;

function lua(value: string | number): string {
  return typeof value === 'number' ? String(value) : JSON.stringify(value);
}

function scriptFor(load: Load, threads: number): string {
  const dir = (scratch ??= mkdtempSync(path.join(tmpdir(), 'leasehold-bench-')));
  const constants: string[] = [`THREADS = ${threads}`];
  let body: string;
  if (load.kind === 'static') {
    constants.push(
      `METHOD = ${lua(load.method)}`,
      `PATH = ${lua(load.path)}`,
      `BODY = ${load.body === undefined ? 'nil' : lua(load.body)}`,
    );
    body = 'static.lua';
  } else if (load.kind === 'rotate') {
    const file = path.join(dir, `entries-${load.entries.length}-${Date.now()}.tsv`);
    writeFileSync(file, load.entries.map((e) => `${e.auth}\t${e.path}\t${e.body ?? ''}`).join('\n') + '\n');
    constants.push(
      `METHOD = ${lua(load.method)}`,
      `ENTRIES_FILE = ${lua(file)}`,
      `BODY = ${load.body === undefined ? 'nil' : lua(load.body)}`,
    );
    body = 'rotate.lua';
  } else {
    constants.push(`LICENSE_ID = ${lua(load.licenseId)}`, `DEVICES = ${lua(load.devices)}`);
    body = 'checkout-release.lua';
  }
  const text = [
    constants.join('\n'),
    readFileSync(path.join(LUA, 'common.lua'), 'utf8'),
    readFileSync(path.join(LUA, body), 'utf8'),
  ].join('\n');
  const file = path.join(dir, `${load.kind}-${process.hrtime.bigint()}.lua`);
  writeFileSync(file, text);
  return file;
}

function runWrk(url: string, connections: number, threads: number, seconds: number, load: Load): Promise<LoadResult> {
  const script = scriptFor(load, threads);
  const headers = Object.entries(load.headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
  const args = [
    '-t',
    String(threads),
    '-c',
    String(connections),
    '-d',
    `${seconds}s`,
    '--timeout',
    '10s',
    '-s',
    script,
    ...headers,
    url,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('BENCHJSON '));
      if (!line) return reject(new Error(`wrk exited with ${code} and no result:\n${out}`));
      const r = JSON.parse(line.slice('BENCHJSON '.length)) as Record<string, number>;
      const secs = r['duration_us'] / 1e6;
      resolve({
        requests: r['requests'],
        seconds: secs,
        rps: r['requests'] / secs,
        p50: r['p50_us'] / 1000,
        p99: r['p99_us'] / 1000,
        errors: r['connect'] + r['read'] + r['write'] + r['timeout'],
        non2xx: r['status'],
        granted: r['granted'],
        denied: r['denied'],
      });
    });
  });
}

type LeaseContext = { leaseId?: string | null };

async function runAutocannon(url: string, connections: number, seconds: number, load: Load): Promise<LoadResult> {
  const counters = { granted: 0, denied: 0 };
  let requests: autocannon.Request[];
  if (load.kind === 'static') requests = [{ method: load.method, path: load.path, body: load.body }];
  else if (load.kind === 'rotate') {
    let n = 0;
    const { entries } = load;
    requests = [
      {
        method: load.method,
        body: load.body,
        setupRequest: (req) => {
          const e = entries[n++ % entries.length];
          return {
            ...req,
            path: e.path,
            ...(e.body === undefined ? {} : { body: e.body }),
            headers: e.auth ? { ...req.headers, authorization: `Bearer ${e.auth}` } : req.headers,
          };
        },
      },
    ];
  } else {
    const { licenseId, devices } = load;
    requests = [
      {
        method: 'POST',
        path: '/client/v1/seats/checkout',
        setupRequest: (req, context: LeaseContext) => {
          context.leaseId = null;
          const fingerprint = `bench-fp-${Math.floor(Math.random() * devices)
            .toString()
            .padStart(4, '0')}`;
          return { ...req, body: JSON.stringify({ licenseId, fingerprint }) };
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
        setupRequest: (req, context: LeaseContext) =>
          context.leaseId
            ? { ...req, path: `/client/v1/seats/${context.leaseId}/release`, body: undefined }
            : (null as never),
      },
    ];
  }
  const r = await autocannon({ url, connections, duration: seconds, headers: load.headers, requests });
  return {
    requests: r.requests.total,
    seconds: r.duration,
    rps: r.requests.total / r.duration,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
    ...counters,
  };
}

/** Loads every URL at once (connections and wrk threads split evenly) and merges the results. */
export async function runLoad(urls: string[], connections: number, seconds: number, load: Load): Promise<LoadResult> {
  const perUrl = Math.max(1, Math.floor(connections / urls.length));
  const threads = Math.max(1, Math.min(perUrl, Math.floor(WRK_THREADS / urls.length)));
  const results = await Promise.all(
    urls.map((url) =>
      LOAD_GENERATOR === 'wrk'
        ? runWrk(url, perUrl, threads, seconds, load)
        : runAutocannon(url, perUrl, seconds, load),
    ),
  );
  const sum = (f: (r: LoadResult) => number) => results.reduce((s, r) => s + f(r), 0);
  return {
    requests: sum((r) => r.requests),
    seconds: Math.max(...results.map((r) => r.seconds)),
    rps: sum((r) => r.rps),
    p50: Math.max(...results.map((r) => r.p50)),
    p99: Math.max(...results.map((r) => r.p99)),
    errors: sum((r) => r.errors),
    non2xx: sum((r) => r.non2xx),
    granted: sum((r) => r.granted),
    denied: sum((r) => r.denied),
  };
}
