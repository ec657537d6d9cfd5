import { FileStorage, MemoryStorage } from '@leasehold/client';
import { sdkWorld } from '../testing/sdk-world';
import { useSdkServer } from './client.fixture';

// What @leasehold/client trusts while license-central cannot be reached: the last good answer for
// the grace period, the stored license file, and the clock guard, without which a clock set back
// would stretch both.

describe('@leasehold/client against license-central', () => {
  const server = useSdkServer();
  const { clientFor, proxy, track, tempDir } = server;

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

  it('downloads, stores and verifies the license file offline; refreshes it only when due; keeps no error as a file', async () => {
    const w = await sdkWorld(server.app, { quantity: 2 });
    const dir = tempDir();
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
});
