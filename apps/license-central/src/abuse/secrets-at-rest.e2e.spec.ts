import { randomUUID } from 'node:crypto';
import { expectError } from '@leasehold/testing';
import { ClientApiWorld, useClientApiWorld } from '../client/client-api.fixture';

// As the abuse: whoever reads the database (a backup, a read replica, a support
// query) must not find usable secrets in the idempotency records, which keep the replayed answers
// of secret-bearing requests for 24 hours.
describe('idempotency records keep no plain secrets', () => {
  const world = useClientApiWorld(new ClientApiWorld([]));
  const { http, personalContainer } = world;

  /** Every stored idempotency record of this key, as text (what a database reader sees). */
  async function storedText(key: string): Promise<string> {
    const rows = await world.prisma.idempotencyRecord.findMany({ where: { key } });
    expect(rows.length).toBe(1);
    return JSON.stringify(rows);
  }

  it('POST /v1/api-keys: the record holds no lh_ secret, and the replay still answers it', async () => {
    const key = `key-${randomUUID()}`;
    const first = await http()
      .post('/v1/api-keys')
      .set(world.acme.auth)
      .set('Idempotency-Key', key)
      .send({ name: 'ci' })
      .expect(201);
    const secret = first.body.secret as string;
    expect(secret).toMatch(/^lh_/);
    const stored = await storedText(key);
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain(secret.split('_').at(-1));
    // The retry gets the same answer, secret included, and the key works.
    const replay = await http()
      .post('/v1/api-keys')
      .set(world.acme.auth)
      .set('Idempotency-Key', key)
      .send({ name: 'ci' })
      .expect(201);
    expect(replay.body).toEqual(first.body);
    await http()
      .get('/v1/products')
      .set({ Authorization: `Bearer ${secret}` })
      .expect(200);
  });

  it('POST /v1/containers/{id}/credentials/reset: the record holds no lhc_ secret, and the replay still answers it', async () => {
    const c = await personalContainer();
    const key = `key-${randomUUID()}`;
    const first = await http()
      .post(`/v1/containers/${c.containerId}/credentials/reset`)
      .set(world.acme.auth)
      .set('Idempotency-Key', key)
      .expect(200);
    const secret = first.body.secret as string;
    expect(secret).toMatch(/^lhc_/);
    expect(await storedText(key)).not.toContain(secret);
    const replay = await http()
      .post(`/v1/containers/${c.containerId}/credentials/reset`)
      .set(world.acme.auth)
      .set('Idempotency-Key', key)
      .expect(200);
    expect(replay.body.secret).toBe(secret);
  });

  it("a record copied onto another request's key does not decrypt into an answer", async () => {
    const key = `key-${randomUUID()}`;
    await http()
      .post('/v1/api-keys')
      .set(world.acme.auth)
      .set('Idempotency-Key', key)
      .send({ name: 'copied' })
      .expect(201);
    const prisma = world.prisma;
    const original = await prisma.idempotencyRecord.findFirstOrThrow({ where: { key } });
    const otherKey = `key-${randomUUID()}`;
    await prisma.idempotencyRecord.create({
      data: {
        scope: original.scope,
        key: otherKey,
        requestHash: original.requestHash,
        statusCode: original.statusCode,
        responseBody: original.responseBody ?? undefined,
      },
    });
    const replay = await http()
      .post('/v1/api-keys')
      .set(world.acme.auth)
      .set('Idempotency-Key', otherKey)
      .send({ name: 'copied' });
    // Bound to its own (scope, key): unusable elsewhere, answered as a key used for something else.
    expectError(replay, 422, 'IDEMPOTENCY_KEY_REUSED');
    expect(JSON.stringify(replay.body)).not.toMatch(/lh_/);
  });
});
