import { isLeaseholdError, LeaseholdError } from '@leasehold/client';
import { once, sdkWorld } from '../testing/sdk-world';
import { useSdkServer } from './client.fixture';

// How a running program hears from license-central through @leasehold/client: the lease's
// heartbeat loop (stopped, expired, network loss and recovery, updated), the typed errors a
// checkout is refused with, and the update stream, which must resume where it left off after
// a dropped connection and give up on credentials that will never work.

describe('@leasehold/client against license-central', () => {
  const server = useSdkServer();
  const { clientFor, proxy, track, sessionsOf } = server;

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
