import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  fetchPublicKeys,
  FileStorage,
  isLeaseholdError,
  Lease,
  LeaseholdClient,
  LeaseholdClientOptions,
  LeaseholdError,
  MemoryStorage,
  PinnedKeys,
} from '@leasehold/client';
import { CuttableTcpProxy } from '@leasehold/testing';
import { once, RunningServer, sdkWorld, SdkWorld, startLicenseCentral } from '../testing/sdk-world';

// @leasehold/client against a real license-central (Postgres, Redis) listening on a port: every
// SDK method, the heartbeat loop (stopped, expired, network loss and recovery, updated), the clock
// guard, the update stream. Network loss is a TCP proxy between the SDK and the server.

describe('@leasehold/client against license-central', () => {
  let server: RunningServer;
  const proxies: CuttableTcpProxy[] = [];
  const leases: Lease[] = [];
  const dirs: string[] = [];

  beforeAll(async () => {
    server = await startLicenseCentral();
  });
  afterEach(() => {
    for (const lease of leases.splice(0)) lease.stop();
  });
  afterAll(async () => {
    for (const proxy of proxies) await proxy.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    await server.close();
  }, 60_000);

  const fp = () => `sha256:${randomUUID().replaceAll('-', '')}`;
  async function keysOf(w: SdkWorld): Promise<PinnedKeys> {
    return fetchPublicKeys(server.url, w.vendorId);
  }
  async function clientFor(w: SdkWorld, options: Partial<LeaseholdClientOptions> = {}): Promise<LeaseholdClient> {
    return new LeaseholdClient({
      baseUrl: server.url,
      secret: w.secret,
      publicKeys: await keysOf(w),
      product: w.productCode,
      fingerprint: fp(),
      heartbeat: { jitter: 0, backoffMs: 200 },
      // A request the proxy swallows counts as a network error well within a test's time.
      timeoutMs: 8000,
      ...options,
    });
  }
  /** The server behind a proxy the test can cut (the network gone) and restore; `url` is the base URL through it. */
  async function proxy(): Promise<CuttableTcpProxy & { url: string }> {
    const target = new URL(server.url);
    const p = await new CuttableTcpProxy(target.hostname, Number(target.port)).start();
    proxies.push(p);
    return Object.assign(p, { url: `http://127.0.0.1:${p.port}` });
  }
  const track = (lease: Lease) => (leases.push(lease), lease);
  const sessionsOf = async (w: SdkWorld) =>
    (await w.vendorApi().get(`/v1/licenses/${w.licenseId}/sessions`).set(w.vendor.auth).expect(200)).body.data as {
      id: string;
    }[];

  it('fetches the public keys once; activate, validate (signed, verified) and deactivate on a PERSONAL container', async () => {
    const w = await sdkWorld(server.app, { kind: 'PERSONAL', quantity: 1 });
    const keys = await keysOf(w);
    expect(Object.keys(keys)).toHaveLength(1);
    const client = await clientFor(w);

    const before = await client.validate();
    expect(before).toMatchObject({
      code: 'DEVICE_NOT_ACTIVATED',
      valid: false,
      fromCache: false,
      fingerprint: client.fingerprint,
    });

    const first = await client.activate({ name: 'QA laptop', platform: 'linux-x64' });
    expect(first).toMatchObject({
      created: true,
      device: { name: 'QA laptop', fingerprint: client.fingerprint, active: true },
    });
    const again = await client.activate({ name: 'QA laptop' });
    expect(again).toMatchObject({ created: false, device: { id: first.device.id } });

    const valid = await client.validate({ feature: 'export-pdf' });
    expect(valid).toMatchObject({
      code: 'VALID',
      valid: true,
      containerId: w.containerId,
      feature: 'export-pdf',
      license: { id: w.licenseId, product: w.productCode },
    });
    expect(client.clock.trustedTime?.toISOString()).toBe(valid.issuedAt);
    expect((await client.validate({ feature: 'not-sold' })).code).toBe('FEATURE_NOT_LICENSED');

    const device = await client.deactivate();
    expect(device).toMatchObject({ id: first.device.id, active: false });
    expect((await client.validate()).code).toBe('DEVICE_NOT_ACTIVATED');
    await expect(client.deactivate()).rejects.toMatchObject({ code: 'NOT_FOUND', status: 404 });
  });

  it('offline codes: the return key is kept in storage, a renewal reuses it, the release code reveals it and frees the slot', async () => {
    const w = await sdkWorld(server.app, { kind: 'PERSONAL', quantity: 1 });
    const storage = new MemoryStorage();
    const client = await clientFor(w, { storage });
    const submit = async (code: string) =>
      (
        await w
          .vendorApi()
          .post(`/v1/containers/${w.containerId}/offline-activations`)
          .set(w.vendor.auth)
          .send({ code })
          .expect(201)
      ).body;
    expect(() => client.createReleaseCode({ containerId: w.containerId })).toThrow(
      expect.objectContaining({ code: 'RETURN_KEY_MISSING' }),
    );

    const request = client.createRequestCode({ containerId: w.containerId });
    expect(request).not.toHaveProperty('returnKey');
    const returnKey = storage.get(`offline-return-key.${w.containerId}`);
    expect(returnKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(client.applyResponseCode((await submit(request.code)).responseCode)).toMatchObject({
      licenseId: w.licenseId,
    });
    // The renewal commits to the same key (the server refuses another one: RETURN_PROOF_INVALID).
    const renewal = client.createRequestCode({ containerId: w.containerId });
    expect(storage.get(`offline-return-key.${w.containerId}`)).toBe(returnKey);
    client.applyResponseCode((await submit(renewal.code)).responseCode);
    expect(client.offlineActivation().licenseId).toBe(w.licenseId);

    // The release code: the activation leaves this machine, the key is revealed once, the slot is free.
    const release = client.createReleaseCode({ containerId: w.containerId });
    expect(() => client.offlineActivation()).toThrow(expect.objectContaining({ code: 'LICENSE_FILE_INVALID' }));
    expect(storage.get(`offline-return-key.${w.containerId}`)).toBeUndefined();
    const freed = await submit(release.code);
    expect([freed.kind, freed.device.active]).toEqual(['deactivate', false]);
    // The slot is free: another machine activates offline on the 1-device container.
    const other = await clientFor(w);
    await submit(other.createRequestCode({ containerId: w.containerId }).code);
  }, 60_000);

  it('refuses a validation answer that is replayed, for another device, or signed by another key', async () => {
    const w = await sdkWorld(server.app, { kind: 'PERSONAL', quantity: 1 });
    const client = await clientFor(w);
    await client.activate();
    // A man in the middle answers every request with the first answer it saw.
    let recorded: string | undefined;
    const replaying = await clientFor(w, {
      fingerprint: client.fingerprint,
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        const text = await response.text();
        recorded ??= text;
        return new Response(recorded, { status: response.status, headers: response.headers });
      },
    });
    expect((await replaying.validate()).code).toBe('VALID');
    await expect(replaying.validate()).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' });

    // Keys of another vendor pinned: nothing verifies.
    const other = await sdkWorld(server.app);
    const wrongKeys = await clientFor(w, { fingerprint: client.fingerprint, publicKeys: await keysOf(other) });
    await expect(wrongKeys.validate()).rejects.toMatchObject({
      code: 'SIGNATURE_INVALID',
      details: { reason: 'UNKNOWN_KEY' },
    });
  });

  it('keeps the last good answer for the grace period when the server is unreachable, never beyond it', async () => {
    const w = await sdkWorld(server.app, { kind: 'PERSONAL', quantity: 1 });
    const p = await proxy();
    let now = Date.now();
    const storage = new MemoryStorage();
    const client = await clientFor(w, {
      baseUrl: p.url,
      storage,
      offlineGraceSeconds: 3600,
      clock: { now: () => now },
    });
    await client.activate();
    const online = await client.validate();
    expect(online.fromCache).toBe(false);

    p.cut();
    const cached = await client.validate();
    expect(cached).toMatchObject({ code: 'VALID', fromCache: true, issuedAt: online.issuedAt });
    now += 3601_000; // past the grace period
    await expect(client.validate()).rejects.toMatchObject({ code: 'NETWORK_ERROR', retryable: true });

    // Without a grace period the network error comes through at once.
    const strict = await clientFor(w, { baseUrl: p.url, fingerprint: client.fingerprint });
    await expect(strict.validate()).rejects.toMatchObject({ code: 'NETWORK_ERROR' });
    p.restore();
  });

  it('checkout returns a lease that heartbeats by itself and releases; the session is gone', async () => {
    const w = await sdkWorld(server.app, { quantity: 2, heartbeatIntervalSeconds: 1 });
    const client = await clientFor(w);
    const lease = track(await client.checkout({ clientName: 'sdk test' }));
    expect(lease).toMatchObject({ state: 'active', licenseId: w.licenseId, heartbeatIntervalSeconds: 1 });
    expect((await sessionsOf(w)).map((s) => s.id)).toEqual([lease.id]);
    const expiry = lease.expiresAt.getTime();

    const [first] = await once<[{ leaseId: string; expiresAt: string }]>(lease, 'heartbeat');
    const [second] = await once<[{ leaseId: string; expiresAt: string }]>(lease, 'heartbeat');
    expect(first.leaseId).toBe(lease.id);
    expect(Date.parse(second.expiresAt)).toBeGreaterThan(expiry);
    expect(lease.expiresAt.toISOString()).toBe(second.expiresAt);

    const released = once<[{ endReason: string }]>(lease, 'released');
    const ended = await lease.release();
    expect(ended).toMatchObject({ leaseId: lease.id, endReason: 'RELEASED' });
    expect((await released)[0].endReason).toBe('RELEASED');
    expect(lease.state).toBe('released');
    expect(await lease.release()).toBe(ended); // idempotent
    expect(await sessionsOf(w)).toEqual([]);
  });

  it("emits 'stopped' when an admin stops the session (SESSION_STOPPED) and heartbeats no more", async () => {
    const w = await sdkWorld(server.app, { heartbeatIntervalSeconds: 1 });
    const lease = track(await (await clientFor(w)).checkout());
    await w.vendorApi().post(`/v1/sessions/${lease.id}/stop`).set(w.vendor.auth).expect(200);
    const [error] = await once<[LeaseholdError]>(lease, 'stopped');
    expect(error).toMatchObject({ code: 'SESSION_STOPPED', status: 409 });
    expect(lease.state).toBe('stopped');
    expect(lease.live).toBe(false);
  });

  it("emits 'updated' with the new revision when the vendor changes the license", async () => {
    const w = await sdkWorld(server.app, { heartbeatIntervalSeconds: 1 });
    const lease = track(await (await clientFor(w)).checkout());
    await once(lease, 'heartbeat');
    const revision = lease.knownRevision!;
    await w.vendorApi().patch(`/v1/licenses/${w.licenseId}`).set(w.vendor.auth).send({ quantity: 3 }).expect(200);
    const [update] = await once<[{ revision: number; previous: number }]>(lease, 'updated');
    expect(update).toEqual({ revision: revision + 1, previous: revision });
  });

  it('rides out a network loss with backoff and recovers; a loss longer than the lease ends it as expired', async () => {
    const w = await sdkWorld(server.app, { quantity: 2, heartbeatIntervalSeconds: 1, leaseTtlSeconds: 20 });
    const p = await proxy();
    const client = await clientFor(w, { baseUrl: p.url });
    const lease = track(await client.checkout());
    await once(lease, 'heartbeat');

    p.cut();
    const [error, retryIn] = await once<[LeaseholdError, number]>(lease, 'networkError');
    expect(error).toMatchObject({ code: 'NETWORK_ERROR', retryable: true });
    expect(retryIn).toBeLessThanOrEqual(1000);
    await once(lease, 'networkError'); // it keeps trying
    p.restore();
    await once(lease, 'heartbeat');
    expect(lease.state).toBe('active');
    expect((await sessionsOf(w)).map((s) => s.id)).toEqual([lease.id]);

    // A short lease and a network that stays down: 'expired' at expiresAt, never a beat past it.
    const w2 = await sdkWorld(server.app, { heartbeatIntervalSeconds: 1, leaseTtlSeconds: 3 });
    const short = track(await (await clientFor(w2, { baseUrl: p.url })).checkout());
    p.cut();
    const [expired] = await once<[LeaseholdError]>(short, 'expired', 20_000);
    expect(expired.code).toBe('LEASE_EXPIRED');
    expect(Date.now()).toBeGreaterThanOrEqual(short.expiresAt.getTime() - 300);
    expect(short.state).toBe('expired');
    expect(short.live).toBe(false);
    p.restore();
  });

  it("a lease the server already ended (LEASE_EXPIRED) emits 'expired'", async () => {
    const w = await sdkWorld(server.app, { heartbeatIntervalSeconds: 1 });
    const client = await clientFor(w);
    const lease = track(await client.checkout());
    // Released elsewhere (e.g. another process with the lease id): the next heartbeat learns it.
    await client.release(lease.id);
    const [error] = await once<[LeaseholdError]>(lease, 'expired');
    expect(error).toMatchObject({ code: 'LEASE_EXPIRED', status: 409 });
  });

  it('NO_SEAT_AVAILABLE is a LeaseholdError with retryAfter, whatever status carries it', async () => {
    const w = await sdkWorld(server.app, { quantity: 1 });
    track(await (await clientFor(w)).checkout());
    const error = await (await clientFor(w)).checkout().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isLeaseholdError(error, 'NO_SEAT_AVAILABLE')).toBe(true);
    const e = error as LeaseholdError;
    expect(e.retryAfter).toBeGreaterThanOrEqual(1);
    expect(e.retryable).toBe(true);
    expect(typeof e.requestId).toBe('string');
    expect(e.details).toMatchObject({ quantity: 1, inUse: 1 });
  });

  it('typed errors for bad credentials carry code, status and request id', async () => {
    const w = await sdkWorld(server.app);
    const client = await clientFor(w, { secret: 'lhc_0000000000_not-a-real-secret-000000000000' });
    const error = (await client.checkout().catch((e: unknown) => e)) as LeaseholdError;
    expect(error).toBeInstanceOf(LeaseholdError);
    expect(error).toMatchObject({ code: 'CREDENTIALS_INVALID', status: 401, retryable: false });
    expect(typeof error.requestId).toBe('string');
  });

  it('downloads, stores and verifies the license file offline; refreshes it only when due; keeps no error as a file', async () => {
    const w = await sdkWorld(server.app, { quantity: 2 });
    const dir = mkdtempSync(join(tmpdir(), 'leasehold-sdk-'));
    dirs.push(dir);
    const client = await clientFor(w, { storage: new FileStorage(dir) });

    // Without a held seat the server refuses; nothing is stored.
    await expect(client.downloadLicenseFile()).rejects.toMatchObject({ code: 'NO_LEASE_HELD', status: 403 });
    expect(() => client.verifyOffline()).toThrow(expect.objectContaining({ code: 'LICENSE_FILE_INVALID' }));

    const lease = track(await client.checkout());
    const downloaded = await client.downloadLicenseFile();
    expect(downloaded).toMatchObject({
      fromStorage: false,
      verification: { status: 'VALID' },
      license: { licenseId: w.licenseId, fingerprint: client.fingerprint },
    });
    await lease.release();

    // A new process (same storage directory, no network needed) verifies it offline.
    const offline = await clientFor(w, {
      baseUrl: 'http://127.0.0.1:9',
      storage: new FileStorage(dir),
      fingerprint: client.fingerprint,
    });
    expect(offline.verifyOffline()).toMatchObject({ fromStorage: true, verification: { status: 'VALID' } });
    const kept = await offline.licenseFile();
    expect(kept).toMatchObject({ fromStorage: true, text: downloaded.text });
    // Forced refresh with the server unreachable: the stored, still valid file is used.
    expect(await offline.licenseFile({ force: true })).toMatchObject({
      fromStorage: true,
      verification: { status: 'VALID' },
    });
  });

  it('clock guard: a clock set back is refused (online and offline, cache included); set forward gives no extension and locks nobody out', async () => {
    const w = await sdkWorld(server.app, { kind: 'PERSONAL', quantity: 1 });
    let now = Date.now();
    let monotonic = 0;
    const storage = new MemoryStorage();
    const p = await proxy();
    const client = await clientFor(w, {
      baseUrl: p.url,
      storage,
      offlineGraceSeconds: 7 * 86_400,
      clock: { now: () => now, monotonic: () => monotonic },
    });
    await client.activate();
    await client.validate();
    const lease = track(await client.checkout());
    await client.downloadLicenseFile();
    await lease.release();
    const file = client.verifyOffline().license!;

    // Turned back a day: offline verification and the cached answer are refused.
    now -= 86_400_000;
    expect(() => client.verifyOffline()).toThrow(
      expect.objectContaining({
        code: 'CLOCK_TAMPERED',
        details: expect.objectContaining({ reason: 'JUMPED_BACKWARDS' }),
      }),
    );
    p.cut();
    await expect(client.validate()).rejects.toMatchObject({ code: 'CLOCK_TAMPERED' });
    p.restore();
    // A fresh process with the clock already wrong: the persisted mark still refuses it, and a signed
    // answer from the server does too.
    const restarted = await clientFor(w, {
      baseUrl: p.url,
      storage,
      fingerprint: client.fingerprint,
      clock: { now: () => now },
    });
    expect(() => restarted.verifyOffline()).toThrow(
      expect.objectContaining({
        code: 'CLOCK_TAMPERED',
        details: expect.objectContaining({ reason: 'BEHIND_TRUSTED_TIME' }),
      }),
    );
    await expect(restarted.validate()).rejects.toMatchObject({ code: 'CLOCK_TAMPERED' });

    // Set forward past refreshBy: the file is not extended (REFRESH_REQUIRED), and the mark did not move.
    now = Date.parse(file.refreshBy) + 60_000;
    monotonic = now - Date.now();
    expect(client.verifyOffline().verification.status).toBe('REFRESH_REQUIRED');
    const forward = await clientFor(w, {
      baseUrl: p.url,
      storage,
      fingerprint: client.fingerprint,
      clock: { now: () => now },
    });
    expect(forward.verifyOffline().verification.status).toBe('REFRESH_REQUIRED');
    // Back to the right time in a new process: works again (a forward jump locks nobody out).
    const fixed = await clientFor(w, { baseUrl: p.url, storage, fingerprint: client.fingerprint });
    expect(fixed.verifyOffline().verification.status).toBe('VALID');
    expect((await fixed.validate()).code).toBe('VALID');
  });

  it('update stream: ready, an update on a license change, reconnect with Last-Event-ID after the connection drops', async () => {
    const w = await sdkWorld(server.app);
    const p = await proxy();
    const client = await clientFor(w, { baseUrl: p.url });
    const stream = client.watchUpdates({ knownRevision: 1, backoffMs: 100 });
    try {
      const [ready] = await once<[{ revision: number }]>(stream, 'ready');
      expect(ready.revision).toBe(1);
      const update = once<[{ revision: number; updateAvailable: boolean; reason: string }]>(stream, 'update');
      await w.vendorApi().patch(`/v1/licenses/${w.licenseId}`).set(w.vendor.auth).send({ quantity: 3 }).expect(200);
      expect((await update)[0]).toEqual({ revision: 2, updateAvailable: true, reason: 'LICENSE_CHANGED' });
      expect(stream.revision).toBe(2);

      const disconnected = once<[LeaseholdError]>(stream, 'disconnected');
      const readyAgain = (async () => {
        await disconnected;
        return once<[{ revision: number }]>(stream, 'ready');
      })();
      p.drop();
      expect((await disconnected)[0].code).toBe('NETWORK_ERROR');
      // Reconnected from the last event it saw (Last-Event-ID: 2), so the change is not sent again.
      expect((await readyAgain)[0].revision).toBe(2);
      const next = once<[{ revision: number }]>(stream, 'update');
      await w.vendorApi().patch(`/v1/licenses/${w.licenseId}`).set(w.vendor.auth).send({ quantity: 4 }).expect(200);
      expect((await next)[0].revision).toBe(3);
    } finally {
      stream.close();
    }
  });

  it('update stream with bad credentials fails once and does not reconnect', async () => {
    const w = await sdkWorld(server.app);
    const client = await clientFor(w, { secret: 'lhc_0000000000_not-a-real-secret-000000000000' });
    const stream = client.watchUpdates();
    const [error] = await once<[LeaseholdError]>(stream, 'failed');
    expect(error).toMatchObject({ code: 'CREDENTIALS_INVALID', status: 401 });
    expect(stream.closed).toBe(true);
  });
});
