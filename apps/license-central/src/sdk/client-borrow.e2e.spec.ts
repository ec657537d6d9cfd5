import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { fetchPublicKeys, LeaseholdClient, MemoryStorage, returnKeyHashOf } from '@leasehold/client';
import { RunningServer, sdkWorld, SdkWorld, startLicenseCentral } from '../testing/sdk-world';

// Borrow and early return through the SDK, with the return-key proof: the
// borrow carries returnKeyHash = base64url(SHA-256(returnKey)), an early return carries returnKey.
// These tests need the server side of that protocol (branch h10b); before it merges the server
// refuses the unknown `returnKeyHash` field with 400 VALIDATION_FAILED.

describe('@leasehold/client borrow and early return (needs the return-key protocol on the server)', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startLicenseCentral();
  });
  afterAll(async () => {
    await server.close();
  }, 60_000);

  async function clientFor(
    w: SdkWorld,
    storage = new MemoryStorage(),
    fingerprint = `sha256:${randomUUID().replaceAll('-', '')}`,
  ): Promise<LeaseholdClient> {
    return new LeaseholdClient({
      baseUrl: server.url,
      secret: w.secret,
      publicKeys: await fetchPublicKeys(server.url, w.vendorId),
      product: w.productCode,
      fingerprint,
      storage,
    });
  }
  const sessions = async (w: SdkWorld) =>
    (await w.vendorApi().get(`/v1/licenses/${w.licenseId}/sessions`).set(w.vendor.auth).expect(200)).body.data as {
      id: string;
      borrowed: boolean;
    }[];

  it('borrows at checkout with a return key hash and returns early with the key, also after a restart', async () => {
    const w = await sdkWorld(server.app, { quantity: 2, borrowAllowed: true });
    const storage = new MemoryStorage();
    const client = await clientFor(w, storage);
    const until = new Date(Date.now() + 2 * 86_400_000);
    const lease = await client.borrow({ until });
    expect(lease).toMatchObject({ state: 'borrowed' });
    expect(lease.borrowUntil?.toISOString()).toBe(until.toISOString());
    expect(await sessions(w)).toEqual([expect.objectContaining({ id: lease.id, borrowed: true })]);
    const key = storage.get(`return-key.${lease.id}`)!;
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // Without the key nobody returns it early (someone who only saw the lease id).
    const bare = await request(server.app.getHttpServer())
      .post(`/client/v1/seats/${lease.id}/release`)
      .set({ Authorization: `Bearer ${w.secret}` });
    expect(bare.status).toBeGreaterThanOrEqual(400);
    const wrong = await request(server.app.getHttpServer())
      .post(`/client/v1/seats/${lease.id}/release`)
      .set({ Authorization: `Bearer ${w.secret}` })
      .send({ returnKey: `${key.slice(0, -2)}AA` });
    expect(wrong.status).toBeGreaterThanOrEqual(400);
    expect(await sessions(w)).toHaveLength(1);

    // A restarted program (same storage) returns it with the kept key.
    const restarted = await clientFor(w, storage, client.fingerprint);
    expect(await restarted.returnBorrowed(lease.id)).toMatchObject({ leaseId: lease.id, endReason: 'RETURNED' });
    expect(storage.get(`return-key.${lease.id}`)).toBeUndefined();
    expect(await sessions(w)).toEqual([]);
  });

  it('borrows a running lease (lease.borrow) and lease.release() returns it with the key', async () => {
    const w = await sdkWorld(server.app, { quantity: 1, borrowAllowed: true });
    const client = await clientFor(w);
    const lease = await client.checkout();
    await lease.borrow(new Date(Date.now() + 86_400_000));
    expect(lease.state).toBe('borrowed');
    expect(returnKeyHashOf(client.storage.get(`return-key.${lease.id}`)!)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await lease.release()).toMatchObject({ endReason: 'RETURNED' });
    expect(await sessions(w)).toEqual([]);
  });
});
