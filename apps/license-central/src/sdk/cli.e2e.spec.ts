import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildClientPackage, run, RunningServer, sdkWorld, SdkWorld, startLicenseCentral } from '../testing/sdk-world';

// The `leasehold` command line tool, built as it is published (packages/client/scripts/build.mjs)
// and run as a separate process against a real license-central.

describe('leasehold CLI (the built binary)', () => {
  let server: RunningServer;
  let work: string;
  let cli: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'leasehold-cli-'));
    const [started] = await Promise.all([startLicenseCentral(), buildClientPackage(join(work, 'package'))]);
    server = started;
    cli = join(work, 'package', 'dist', 'cli.js');
  }, 120_000);
  afterAll(async () => {
    rmSync(work, { recursive: true, force: true });
    await server.close();
  }, 60_000);

  let counter = 0;
  function env(w: SdkWorld, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    counter += 1;
    return {
      PATH: process.env['PATH'],
      LEASEHOLD_URL: server.url,
      LEASEHOLD_SECRET: w.secret,
      LEASEHOLD_PRODUCT: w.productCode,
      LEASEHOLD_KEYS: join(work, `keys-${w.vendorId}.json`),
      LEASEHOLD_STATE_DIR: join(work, `state-${counter}`),
      LEASEHOLD_FINGERPRINT: `sha256:cli-device-${counter}-0000`,
      ...extra,
    };
  }
  const leasehold = (args: string[], environment: NodeJS.ProcessEnv) =>
    run(process.execPath, [cli, ...args], { env: environment, cwd: work, check: false });
  async function pinKeys(w: SdkWorld, environment: NodeJS.ProcessEnv): Promise<void> {
    const fetched = await leasehold(['keys', 'fetch', '--vendor', w.vendorId], environment);
    expect([fetched.code, fetched.stderr]).toEqual([0, '']);
  }

  it('keys fetch, activate, validate, checkout, license-file, verify-file, release, deactivate (human and --json)', async () => {
    const w = await sdkWorld(server.app, { kind: 'PERSONAL', quantity: 1 });
    const e = env(w);
    await pinKeys(w, e);
    const pinned = JSON.parse(readFileSync(e['LEASEHOLD_KEYS']!, 'utf8'));
    expect(Object.keys(pinned)).toHaveLength(1);
    // The same keys with the vendor's API key instead of its id.
    const byKey = await leasehold(
      ['keys', 'fetch', '--api-key', w.vendor.apiKey.secret, '--out', join(work, 'by-key.json')],
      e,
    );
    expect(byKey.code).toBe(0);
    expect(JSON.parse(readFileSync(join(work, 'by-key.json'), 'utf8'))).toEqual(pinned);

    const activated = await leasehold(['activate', '--name', 'QA bench', '--json'], e);
    expect(activated.code).toBe(0);
    expect(JSON.parse(activated.stdout)).toMatchObject({
      created: true,
      name: 'QA bench',
      fingerprint: e['LEASEHOLD_FINGERPRINT'],
    });

    const validated = await leasehold(['validate'], e);
    expect([validated.code, validated.stdout]).toEqual([
      0,
      expect.stringMatching(new RegExp(`^VALID: ${w.productCode} \\(license ${w.licenseId}`)),
    ]);
    const notLicensed = await leasehold(['validate', '--feature', 'nope', '--json'], e);
    expect([notLicensed.code, JSON.parse(notLicensed.stdout).code]).toEqual([3, 'FEATURE_NOT_LICENSED']);

    const checkout = await leasehold(['checkout', '--json'], e);
    expect(checkout.code).toBe(0);
    const lease = JSON.parse(checkout.stdout) as { leaseId: string };

    const file = join(work, 'license.json');
    const downloaded = await leasehold(['license-file', '--out', file], e);
    expect([downloaded.code, downloaded.stdout]).toEqual([0, expect.stringContaining(`VALID: ${w.productCode}`)]);
    const verified = await leasehold(['verify-file', file, '--json'], e);
    expect([verified.code, JSON.parse(verified.stdout).status]).toEqual([0, 'VALID']);
    // A tampered file: exit 3 with the reason.
    const envelope = JSON.parse(readFileSync(file, 'utf8'));
    const payload = JSON.parse(Buffer.from(envelope.payload, 'base64url').toString());
    writeFileSync(
      file,
      JSON.stringify({
        ...envelope,
        payload: Buffer.from(JSON.stringify({ ...payload, quantity: 99 })).toString('base64url'),
      }),
    );
    const tampered = await leasehold(['verify-file', file], e);
    expect([tampered.code, tampered.stdout.trim()]).toEqual([3, 'BAD_SIGNATURE']);

    const released = await leasehold(['release', lease.leaseId], e);
    expect([released.code, released.stdout.trim()]).toEqual([0, `lease ${lease.leaseId} ended: RELEASED`]);
    const deactivated = await leasehold(['deactivate'], e);
    expect(deactivated.code).toBe(0);
    expect((await leasehold(['validate', '--json'], e)).code).toBe(3);
  }, 120_000);

  it('checkout --hold keeps the seat with heartbeats and a status line until Ctrl-C, then releases it', async () => {
    const w = await sdkWorld(server.app, { quantity: 1, heartbeatIntervalSeconds: 1 });
    const e = env(w);
    await pinKeys(w, e);
    const child = spawn(process.execPath, [cli, 'checkout', '--hold', '--json'], {
      env: e,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const events: { event: string; [key: string]: unknown }[] = [];
    let buffered = '';
    const waitFor = (event: string, count = 1) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${event}: ${JSON.stringify(events)}`)), 20_000);
        const check = () => {
          if (events.filter((x) => x.event === event).length >= count) {
            clearTimeout(timer);
            child.stdout.off('data', check);
            resolve();
          }
        };
        child.stdout.on('data', check);
        check();
      });
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) events.push(JSON.parse(line));
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));

    await waitFor('heartbeat', 2);
    const sessions = (await w.vendorApi().get(`/v1/licenses/${w.licenseId}/sessions`).set(w.vendor.auth).expect(200))
      .body.data;
    expect(sessions).toHaveLength(1);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(events.at(-1)).toMatchObject({ event: 'released', endReason: 'RELEASED', leaseId: sessions[0].id });
    expect(
      (await w.vendorApi().get(`/v1/licenses/${w.licenseId}/sessions`).set(w.vendor.auth).expect(200)).body.data,
    ).toEqual([]);

    // Human output on a pipe: a status line per heartbeat; a stopped session ends with exit 4.
    const human = spawn(process.execPath, [cli, 'checkout', '--hold'], { env: e, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    human.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const humanExit = new Promise<number | null>((resolve) => human.on('close', resolve));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(text)), 20_000);
      human.stdout.on('data', () => /heartbeat\(s\)/.test(text) && (clearTimeout(timer), resolve()));
    });
    expect(text).toMatch(/^holding lease \S+ \(license /);
    const live = (await w.vendorApi().get(`/v1/licenses/${w.licenseId}/sessions`).set(w.vendor.auth).expect(200)).body
      .data;
    await w.vendorApi().post(`/v1/sessions/${live[0].id}/stop`).set(w.vendor.auth).expect(200);
    expect(await humanExit).toBe(4);
    expect(text).toContain('stopped: SESSION_STOPPED');
  }, 120_000);

  it('a lease checked out with releaseOnExit is released when the program gets SIGTERM', async () => {
    const w = await sdkWorld(server.app, { quantity: 1 });
    const e = env(w);
    await pinKeys(w, e);
    const program = join(work, 'release-on-exit.js');
    writeFileSync(
      program,
      `const { LeaseholdClient, loadPublicKeys } = require(${JSON.stringify(join(work, 'package'))});
      const client = new LeaseholdClient({ baseUrl: process.env.LEASEHOLD_URL, secret: process.env.LEASEHOLD_SECRET, publicKeys: loadPublicKeys(process.env.LEASEHOLD_KEYS), product: process.env.LEASEHOLD_PRODUCT, fingerprint: process.env.LEASEHOLD_FINGERPRINT });
      client.checkout({ releaseOnExit: true }).then((lease) => { console.log(lease.id); setInterval(() => {}, 1000); });`,
    );
    const child = spawn(process.execPath, [program], { env: e, stdio: ['ignore', 'pipe', 'pipe'] });
    const leaseId = await new Promise<string>((resolve) =>
      child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim())),
    );
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const sessions = () => w.vendorApi().get(`/v1/licenses/${w.licenseId}/sessions`).set(w.vendor.auth).expect(200);
    expect((await sessions()).body.data.map((s: { id: string }) => s.id)).toEqual([leaseId]);
    child.kill('SIGTERM');
    expect(await exited).toBe(143);
    expect((await sessions()).body.data).toEqual([]);
  }, 60_000);

  it('reports server errors with their code, retry-after and request id; usage errors exit 2', async () => {
    const w = await sdkWorld(server.app, { quantity: 1 });
    const e = env(w);
    await pinKeys(w, e);
    expect((await leasehold(['checkout'], e)).code).toBe(0);
    const full = await leasehold(['checkout', '--json'], {
      ...e,
      LEASEHOLD_FINGERPRINT: 'sha256:cli-other-device-0000',
    });
    expect(full.code).toBe(1);
    expect(full.stderr).toMatch(/^error NO_SEAT_AVAILABLE \(HTTP \d{3}\): .* \(retry after \d+ s\) \[request \S+\]\n$/);
    expect(JSON.parse(full.stdout).error).toMatchObject({ code: 'NO_SEAT_AVAILABLE', retryAfter: expect.any(Number) });

    const noSecret = await leasehold(['validate'], { ...e, LEASEHOLD_SECRET: '' });
    expect([noSecret.code, noSecret.stderr]).toEqual([2, 'leasehold: --secret (or LEASEHOLD_SECRET) is required\n']);
    expect((await leasehold(['frobnicate'], e)).code).toBe(2);
    const help = await leasehold(['help'], e);
    expect([help.code, help.stdout]).toEqual([
      0,
      expect.stringContaining('checkout [--license <id>] [--client-name <n>] [--hold]'),
    ]);
  }, 60_000);

  it('request-code and apply-response: offline activation of a never-online machine', async () => {
    const w = await sdkWorld(server.app, { kind: 'PERSONAL', quantity: 1 });
    const e = env(w);
    await pinKeys(w, e);
    const requested = await leasehold(['request-code', '--container', w.containerId, '--json'], e);
    expect(requested.code).toBe(0);
    const { code } = JSON.parse(requested.stdout) as { code: string };
    const answer = await w
      .vendorApi()
      .post(`/v1/containers/${w.containerId}/offline-activations`)
      .set(w.vendor.auth)
      .send({ code, deviceName: 'Test bench 4' })
      .expect(201);
    const applied = await leasehold(['apply-response', answer.body.responseCode], e);
    expect([applied.code, applied.stdout]).toEqual([0, expect.stringContaining(`installed: license ${w.licenseId}`)]);
    // A response for another machine's request is refused.
    const otherEnv = {
      ...e,
      LEASEHOLD_STATE_DIR: join(work, 'state-other'),
      LEASEHOLD_FINGERPRINT: 'sha256:someone-else-0000',
    };
    expect((await leasehold(['request-code', '--container', w.containerId], otherEnv)).code).toBe(0);
    const other = await leasehold(['apply-response', answer.body.responseCode], otherEnv);
    expect([other.code, other.stderr]).toEqual([1, expect.stringMatching(/^error OFFLINE_CODE_INVALID: /)]);
    // A renewal reuses the stored return key: the server accepts it for the same offline device.
    const renewal = JSON.parse(
      (await leasehold(['request-code', '--container', w.containerId, '--json'], e)).stdout,
    ) as { code: string };
    await w
      .vendorApi()
      .post(`/v1/containers/${w.containerId}/offline-activations`)
      .set(w.vendor.auth)
      .send({ code: renewal.code })
      .expect(201);
    // release-code reveals the key: submitted, it frees the offline device's slot; then no key is left.
    const released = await leasehold(['release-code', '--container', w.containerId, '--json'], e);
    expect(released.code).toBe(0);
    const freed = await w
      .vendorApi()
      .post(`/v1/containers/${w.containerId}/offline-activations`)
      .set(w.vendor.auth)
      .send({ code: (JSON.parse(released.stdout) as { code: string }).code })
      .expect(201);
    expect([freed.body.kind, freed.body.device.active]).toEqual(['deactivate', false]);
    const again = await leasehold(['release-code', '--container', w.containerId], e);
    expect([again.code, again.stderr]).toEqual([1, expect.stringMatching(/^error RETURN_KEY_MISSING: /)]);
  }, 60_000);
});
