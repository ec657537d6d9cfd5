import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetchPublicKeys, Lease, LeaseholdClient, LeaseholdClientOptions, PinnedKeys } from '@leasehold/client';
import { CuttableTcpProxy } from '@leasehold/testing';
import { RunningServer, SdkWorld, startLicenseCentral } from '../testing/sdk-world';

// @leasehold/client against a real license-central (Postgres, Redis) listening on a port
// (client.*.e2e.spec.ts, which between them call every SDK method). Network loss is a TCP proxy
// between the SDK and the server. A lease left running would keep heartbeating into the next
// test, so the ones a test tracks are stopped after it.

const fp = () => `sha256:${randomUUID().replaceAll('-', '')}`;

export class SdkServer {
  running!: RunningServer;
  private readonly proxies: CuttableTcpProxy[] = [];
  private readonly leases: Lease[] = [];
  private readonly dirs: string[] = [];

  get app(): RunningServer['app'] {
    return this.running.app;
  }

  readonly keysOf = (w: SdkWorld): Promise<PinnedKeys> => fetchPublicKeys(this.running.url, w.vendorId);

  /** A client of `w`'s container on a new fingerprint, with a heartbeat quick enough for a test. */
  readonly clientFor = async (w: SdkWorld, options: Partial<LeaseholdClientOptions> = {}): Promise<LeaseholdClient> =>
    new LeaseholdClient({
      baseUrl: this.running.url,
      secret: w.secret,
      publicKeys: await this.keysOf(w),
      product: w.productCode,
      fingerprint: fp(),
      heartbeat: { jitter: 0, backoffMs: 200 },
      // A request the proxy swallows counts as a network error well within a test's time.
      timeoutMs: 8000,
      ...options,
    });

  /** The server behind a proxy the test can cut (the network gone) and restore; `url` is the base URL through it. */
  readonly proxy = async (): Promise<CuttableTcpProxy & { url: string }> => {
    const target = new URL(this.running.url);
    const p = await new CuttableTcpProxy(target.hostname, Number(target.port)).start();
    this.proxies.push(p);
    return Object.assign(p, { url: `http://127.0.0.1:${p.port}` });
  };

  /** `lease`, stopped after the test. */
  readonly track = (lease: Lease): Lease => (this.leases.push(lease), lease);

  readonly sessionsOf = async (w: SdkWorld) =>
    (await w.vendorApi().get(`/v1/licenses/${w.licenseId}/sessions`).set(w.vendor.auth).expect(200)).body.data as {
      id: string;
    }[];

  /** A new directory for a FileStorage, removed after the describe block. */
  readonly tempDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'leasehold-sdk-'));
    this.dirs.push(dir);
    return dir;
  };

  stopLeases(): void {
    for (const lease of this.leases.splice(0)) lease.stop();
  }

  async close(): Promise<void> {
    for (const proxy of this.proxies) await proxy.close();
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
    await this.running.close();
  }
}

/** license-central listening before the describe block's tests and closed after them, with its proxies and directories. */
export function useSdkServer(): SdkServer {
  const server = new SdkServer();
  beforeAll(async () => {
    server.running = await startLicenseCentral();
  });
  afterEach(() => server.stopLeases());
  afterAll(() => server.close(), 60_000);
  return server;
}
