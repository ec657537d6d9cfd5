import { randomUUID } from 'node:crypto';
import { fetchPublicKeys, LeaseholdClient, LeaseholdError, MemoryStorage } from '@leasehold/client';
import { TenantContext } from '@leasehold/db';
import { SeatQueueService } from '@leasehold/domain-seats';
import { RunningServer, sdkWorld, SdkWorld, startLicenseCentral } from '../testing/sdk-world';

// client.waitForSeat through a real server: checkout when a seat is free; otherwise join the
// queue, wait on the ticket and claim the seat held for it; give up (and leave) at timeoutMs.
// This server runs no worker: where a seat frees, the worker's grant pass (ServeSeatQueue, tested
// through the running worker in apps/worker) is run in-process in its place.

describe('@leasehold/client waitForSeat', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startLicenseCentral();
  });
  afterAll(async () => {
    await server.close();
  }, 60_000);

  async function clientFor(w: SdkWorld): Promise<LeaseholdClient> {
    const fingerprint = `sha256:${randomUUID().replaceAll('-', '')}`;
    return new LeaseholdClient({
      baseUrl: server.url,
      secret: w.secret,
      publicKeys: await fetchPublicKeys(server.url, w.vendorId),
      product: w.productCode,
      fingerprint,
      storage: new MemoryStorage(),
    });
  }

  it('checks out at once when a seat is free; otherwise waits its turn and gets the seat held for it', async () => {
    const w = await sdkWorld(server.app, { quantity: 1 });
    const holder = await (await clientFor(w)).waitForSeat();
    expect(holder.state).toBe('active');

    const waiter = await clientFor(w);
    const queued: number[] = [];
    const waiting = waiter.waitForSeat({ onQueued: (t) => queued.push(t.position ?? 0) });
    while (!queued.length) await new Promise((r) => setTimeout(r, 50));
    expect(queued).toEqual([1]);
    await holder.release();
    await server.app.get(TenantContext).run(w.vendorId, () => server.app.get(SeatQueueService).serve(w.licenseId));
    const lease = await waiting;
    expect(lease.state).toBe('active');
    const sessions = await w.vendorApi().get(`/v1/licenses/${w.licenseId}/sessions`).set(w.vendor.auth).expect(200);
    expect(sessions.body.data.map((s: { id: string; fingerprint: string }) => [s.id, s.fingerprint])).toEqual([
      [lease.id, waiter.fingerprint],
    ]);
    await lease.release();
  }, 60_000);

  it('gives up at timeoutMs with SEAT_WAIT_TIMEOUT and leaves the queue', async () => {
    const w = await sdkWorld(server.app, { quantity: 1 });
    const holder = await (await clientFor(w)).checkout();
    const waiter = await clientFor(w);
    const error = await waiter.waitForSeat({ timeoutMs: 1500 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LeaseholdError);
    expect(error).toMatchObject({ code: 'SEAT_WAIT_TIMEOUT' });
    const queue = await w.vendorApi().get(`/v1/licenses/${w.licenseId}/seat-queue`).set(w.vendor.auth).expect(200);
    expect(queue.body.data).toEqual([]);
    await holder.release();
  }, 60_000);
});
