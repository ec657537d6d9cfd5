// `BENCH_SCRIPT=heap-check npm run bench` (docs/benchmarks.md, "Memory"): one license-central
// replica with the node flags of BENCH_APP_NODE_ARGS (e.g. --max-old-space-size=160) under device
// load (validate and checkout+release at 64 connections) while the heaviest vendor-API work runs
// on the same process: a license with 500 features, a license of 100,000 seats (its seat pool written in one transaction), the lease
// history (JSON pages and the whole CSV) after thousands of leases. Every answer must be 2xx (the
// checkout's 409 refusals excepted) and the process must live; its peak RSS is reported.
import { loadavg } from 'node:os';
import { api, RssSampler, runBench, seed, startLicenseCentral } from './common';
import { LOAD_GENERATOR, runLoad } from './load';

const DATABASE_URL = process.env['BENCH_DATABASE_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/leasehold_bench';
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 20);

async function main(): Promise<void> {
  const flags = process.env['BENCH_APP_NODE_ARGS'] ?? '';
  console.log(
    `load average at the start ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}; node flags: ${flags || '(none)'}`,
  );
  const lc = await startLicenseCentral(DATABASE_URL, 'heap-check');
  const rss = new RssSampler(() => [lc.child.pid ?? 0]);
  rss.start();
  const s = await seed(lc.url, 100);
  const json = { 'Content-Type': 'application/json' };
  const enterprise = { ...json, Authorization: `Bearer ${s.enterpriseSecret}` };

  // History first: checkouts and releases, so the lease-history routes have thousands of rows.
  await runLoad([lc.url], 64, 10, {
    kind: 'checkout',
    licenseId: s.contendedLicenseId,
    devices: 1_000,
    headers: enterprise,
  });

  const heavy = async (): Promise<string[]> => {
    const done: string[] = [];
    const timed = async (what: string, fn: () => Promise<unknown>) => {
      const t0 = Date.now();
      await fn();
      done.push(`${what}: ${Date.now() - t0} ms`);
    };
    const fetchText = async (path: string) => {
      const res = await fetch(`${lc.url}${path}`, { headers: { Authorization: `Bearer ${s.vendorKey}` } });
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return res.text();
    };
    await timed('500 features on the product', async () => {
      for (let i = 0; i < 500; i++)
        await api(lc.url, 'POST', `/v1/products/${s.productId}/features`, s.vendorKey, {
          code: `f-${i}`,
          name: `F ${i}`,
        });
    });
    await timed('a license with 500 features', () =>
      api(lc.url, 'POST', `/v1/containers/${s.enterpriseId}/licenses`, s.vendorKey, {
        productId: s.productId,
        quantity: 10,
        features: Array.from({ length: 500 }, (_, i) => `f-${i}`),
      }),
    );
    await timed('a license of 100,000 seats', () =>
      api(lc.url, 'POST', `/v1/containers/${s.enterpriseId}/licenses`, s.vendorKey, {
        productId: s.productId,
        quantity: 100_000,
      }),
    );
    await timed('the lease history as CSV', async () => {
      const csv = await fetchText('/v1/lease-history/csv');
      done.push(`  (${csv.split('\n').length - 2} leases in the CSV)`);
    });
    await timed('20 pages of the lease history (JSON)', async () => {
      let cursor = '';
      for (let i = 0; i < 20; i++) {
        const page = JSON.parse(await fetchText(`/v1/lease-history?limit=100${cursor ? `&cursor=${cursor}` : ''}`));
        if (!page.nextCursor) break;
        cursor = page.nextCursor;
      }
    });
    return done;
  };

  // The heavy work while devices validate and check out at 64 connections.
  const [device, checkout, done] = await Promise.all([
    runLoad([lc.url], 32, SECONDS, {
      kind: 'static',
      method: 'POST',
      path: '/client/v1/validate',
      body: JSON.stringify({ fingerprint: s.personalFingerprint }),
      headers: { ...json, Authorization: `Bearer ${s.personalSecret}` },
    }),
    runLoad([lc.url], 32, SECONDS, {
      kind: 'checkout',
      licenseId: s.contendedLicenseId,
      devices: 1_000,
      headers: enterprise,
    }),
    heavy(),
  ]);
  rss.stop();
  const alive = lc.child.exitCode === null;
  console.log(`load generator ${LOAD_GENERATOR}; ${SECONDS} s of device load during the heavy work`);
  for (const line of done) console.log(`- ${line}`);
  console.log(
    `- validate: ${device.rps.toFixed(0)} req/s, errors ${device.errors}, non-2xx ${device.non2xx}; checkout+release: ${checkout.rps.toFixed(0)} req/s, errors ${checkout.errors}, ${checkout.granted} granted`,
  );
  console.log(
    `- peak RSS ${rss.peak(lc.child.pid ?? 0).toFixed(0)} MB; process ${alive ? 'alive' : `exited (${lc.child.exitCode})`}`,
  );
  console.log(
    `load average at the end ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
  if (!alive || device.errors || device.non2xx || checkout.errors) process.exitCode = 2;
}

runBench(main);
