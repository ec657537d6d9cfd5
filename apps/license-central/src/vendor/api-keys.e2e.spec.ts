import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { PrismaService } from '@leasehold/db';
import { createTestApp, createVendor, expectError, TestVendor } from '@leasehold/testing';
import { LICENSE_CENTRAL_API } from '../api-info';
import { AppModule } from '../app.module';

interface ApiKeyBody {
  id: string;
  name: string;
  prefix: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  createdAt: string;
  secret?: string;
}

describe('API keys (vendor API)', () => {
  let app: INestApplication;
  let acme: TestVendor;
  let other: TestVendor;

  beforeAll(async () => {
    app = await createTestApp(AppModule, LICENSE_CENTRAL_API);
    acme = await createVendor(app, 'Acme');
    other = await createVendor(app, 'Other');
  });
  afterAll(() => app.close());

  const http = () => request(app.getHttpServer());
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
  const inOneDay = () => new Date(Date.now() + 86_400_000).toISOString();

  async function createKey(
    vendor: TestVendor,
    body: Record<string, unknown> = { name: 'ERP integration' },
  ): Promise<ApiKeyBody & { secret: string }> {
    return (await http().post('/v1/api-keys').set(vendor.auth).send(body).expect(201)).body;
  }

  describe('create', () => {
    it('shows the secret once, in the lh_<prefix>_ shape, and the secret works as a key', async () => {
      const expiresAt = inOneDay();
      const key = await createKey(acme, { name: 'ERP integration', expiresAt });
      expect(key).toEqual({
        id: expect.any(String),
        name: 'ERP integration',
        prefix: expect.stringMatching(/^[a-z0-9]{12}$/),
        expiresAt,
        revokedAt: null,
        lastUsedAt: null,
        createdAt: expect.any(String),
        secret: expect.any(String),
      });
      expect(key.secret.startsWith(`lh_${key.prefix}_`)).toBe(true);
      expect(key.secret.length).toBeGreaterThan(`lh_${key.prefix}_`.length + 32);

      await http().get('/v1/products').set(bearer(key.secret)).expect(200);
      // The new key acts for the same vendor: it sees the key it was created with.
      const seen = await http().get(`/v1/api-keys/${key.id}`).set(bearer(key.secret)).expect(200);
      expect(seen.body.id).toBe(key.id);
    });

    it('never shows the secret again: not in the list, not in get', async () => {
      const key = await createKey(acme);
      const got = await http().get(`/v1/api-keys/${key.id}`).set(acme.auth).expect(200);
      expect(got.body).not.toHaveProperty('secret');
      expect(got.text).not.toContain(key.secret);
      const { secret: _secret, ...view } = key;
      expect(got.body).toEqual({ ...view, lastUsedAt: null });

      const list = await http()
        .get('/v1/api-keys')
        .query({ limit: 100, includeRevoked: true })
        .set(acme.auth)
        .expect(200);
      expect(list.body.data.map((k: ApiKeyBody) => k.id)).toContain(key.id);
      for (const listed of list.body.data as ApiKeyBody[]) expect(listed).not.toHaveProperty('secret');
      expect(list.text).not.toContain(key.secret);
      expect(list.text).not.toContain(acme.apiKey.secret);
    });

    it('stores only a hash of the secret', async () => {
      const key = await createKey(acme);
      const row = await app.get(PrismaService).apiKey.findUniqueOrThrow({ where: { id: key.id } });
      expect(row.secretHash).toMatch(/^[0-9a-f]{64}$/);
      expect(row.secretHash).not.toBe(key.secret);
      // No column holds the secret or its random part.
      const randomPart = key.secret.slice(`lh_${key.prefix}_`.length);
      const stored = JSON.stringify(row);
      expect(stored).not.toContain(key.secret);
      expect(stored).not.toContain(randomPart);
    });

    it('rejects a missing name, an expiresAt that is not a date, an expiresAt in the past and unknown fields', async () => {
      const fieldsOf = (res: request.Response) =>
        (res.body.error.details.fields as { field: string }[]).map((f) => f.field).sort();

      const missing = await http().post('/v1/api-keys').set(acme.auth).send({});
      expectError(missing, 400, 'VALIDATION_FAILED');
      expect(fieldsOf(missing)).toEqual(['name']);

      const empty = await http().post('/v1/api-keys').set(acme.auth).send({ name: '' });
      expectError(empty, 400, 'VALIDATION_FAILED');
      expect(fieldsOf(empty)).toEqual(['name']);

      const notADate = await http().post('/v1/api-keys').set(acme.auth).send({ name: 'x', expiresAt: 'next tuesday' });
      expectError(notADate, 400, 'VALIDATION_FAILED');
      expect(fieldsOf(notADate)).toEqual(['expiresAt']);

      const past = await http()
        .post('/v1/api-keys')
        .set(acme.auth)
        .send({ name: 'x', expiresAt: new Date(Date.now() - 60_000).toISOString() });
      expectError(past, 400, 'VALIDATION_FAILED');
      expect(fieldsOf(past)).toEqual(['expiresAt']);

      const extra = await http().post('/v1/api-keys').set(acme.auth).send({ name: 'x', vendorId: other.vendor.id });
      expectError(extra, 400, 'VALIDATION_FAILED');
      expect(fieldsOf(extra)).toEqual(['vendorId']);

      // None of the refused requests made a key.
      const list = await http().get('/v1/api-keys').query({ limit: 100 }).set(acme.auth).expect(200);
      expect(list.body.data.map((k: ApiKeyBody) => k.name)).not.toContain('x');
    });
  });

  describe('list and get', () => {
    it('paginates with a cursor in creation order', async () => {
      const vendor = await createVendor(app, 'Many keys');
      const made = [vendor.apiKey.id];
      for (let i = 1; i < 5; i++) made.push((await createKey(vendor, { name: `key ${i}` })).id);

      const first = await http().get('/v1/api-keys').query({ limit: 2 }).set(vendor.auth).expect(200);
      expect(first.body.data).toHaveLength(2);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const second = await http()
        .get('/v1/api-keys')
        .query({ limit: 2, cursor: first.body.nextCursor })
        .set(vendor.auth)
        .expect(200);
      const third = await http()
        .get('/v1/api-keys')
        .query({ limit: 2, cursor: second.body.nextCursor })
        .set(vendor.auth)
        .expect(200);
      expect(third.body.data).toHaveLength(1);
      expect(third.body.nextCursor).toBeNull();
      const ids = [...first.body.data, ...second.body.data, ...third.body.data].map((k: ApiKeyBody) => k.id);
      expect(ids).toEqual(made);

      const bad = await http().get('/v1/api-keys').query({ limit: 0 }).set(vendor.auth);
      expectError(bad, 400, 'VALIDATION_FAILED');
      const badCursor = await http().get('/v1/api-keys').query({ cursor: 'not-a-uuid' }).set(vendor.auth);
      expectError(badCursor, 400, 'VALIDATION_FAILED');
    });

    it('hides revoked keys unless includeRevoked=true', async () => {
      const vendor = await createVendor(app, 'Revoker');
      const kept = await createKey(vendor, { name: 'kept' });
      const gone = await createKey(vendor, { name: 'gone' });
      await http().post(`/v1/api-keys/${gone.id}/revoke`).set(vendor.auth).expect(200);

      const active = await http().get('/v1/api-keys').set(vendor.auth).expect(200);
      expect(active.body.data.map((k: ApiKeyBody) => k.id)).toEqual([vendor.apiKey.id, kept.id]);
      const explicitFalse = await http()
        .get('/v1/api-keys')
        .query({ includeRevoked: false })
        .set(vendor.auth)
        .expect(200);
      expect(explicitFalse.body.data.map((k: ApiKeyBody) => k.id)).toEqual([vendor.apiKey.id, kept.id]);

      const all = await http().get('/v1/api-keys').query({ includeRevoked: true }).set(vendor.auth).expect(200);
      expect(all.body.data.map((k: ApiKeyBody) => k.id)).toEqual([vendor.apiKey.id, kept.id, gone.id]);
      expect(all.body.data[2].revokedAt).toEqual(expect.any(String));

      expectError(
        await http().get('/v1/api-keys').query({ includeRevoked: 'maybe' }).set(vendor.auth),
        400,
        'VALIDATION_FAILED',
      );
    });

    it('gets a key by id; an unknown id is 404 and a malformed one 400', async () => {
      const key = await createKey(acme, { name: 'lookup' });
      const got = await http().get(`/v1/api-keys/${key.id}`).set(acme.auth).expect(200);
      expect(got.body).toMatchObject({ id: key.id, name: 'lookup', prefix: key.prefix, revokedAt: null });
      expectError(await http().get(`/v1/api-keys/${randomUUID()}`).set(acme.auth), 404, 'NOT_FOUND');
      expectError(await http().get('/v1/api-keys/not-a-uuid').set(acme.auth), 400, 'VALIDATION_FAILED');
    });
  });

  describe('revoke', () => {
    it('revokes a key, which stops working at once', async () => {
      const key = await createKey(acme, { name: 'to revoke' });
      await http().get('/v1/products').set(bearer(key.secret)).expect(200);
      const before = Date.now();
      const revoked = await http().post(`/v1/api-keys/${key.id}/revoke`).set(acme.auth).expect(200);
      expect(revoked.body).toMatchObject({ id: key.id, name: 'to revoke' });
      expect(revoked.body).not.toHaveProperty('secret');
      expect(new Date(revoked.body.revokedAt as string).getTime()).toBeGreaterThanOrEqual(before - 1000);

      expectError(await http().get('/v1/products').set(bearer(key.secret)), 401, 'API_KEY_REVOKED');
      // The vendor's other key is unaffected.
      await http().get('/v1/products').set(acme.auth).expect(200);
    });

    it('lets a key revoke itself, after which it is refused', async () => {
      const key = await createKey(acme, { name: 'self' });
      await http().post(`/v1/api-keys/${key.id}/revoke`).set(bearer(key.secret)).expect(200);
      expectError(await http().get('/v1/api-keys').set(bearer(key.secret)), 401, 'API_KEY_REVOKED');
    });

    it('answers 409 API_KEY_ALREADY_REVOKED the second time and keeps the first revocation time', async () => {
      const key = await createKey(acme, { name: 'twice' });
      const first = await http().post(`/v1/api-keys/${key.id}/revoke`).set(acme.auth).expect(200);
      expectError(await http().post(`/v1/api-keys/${key.id}/revoke`).set(acme.auth), 409, 'API_KEY_ALREADY_REVOKED');
      const got = await http().get(`/v1/api-keys/${key.id}`).set(acme.auth).expect(200);
      expect(got.body.revokedAt).toBe(first.body.revokedAt);
    });

    it('lets exactly one of two concurrent revokes win', async () => {
      for (let round = 0; round < 3; round++) {
        const key = await createKey(acme, { name: `race ${round}` });
        const answers = await Promise.all(
          [1, 2].map(() => http().post(`/v1/api-keys/${key.id}/revoke`).set(acme.auth)),
        );
        expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
        expectError(answers.find((r) => r.status === 409)!, 409, 'API_KEY_ALREADY_REVOKED');
        const winner = answers.find((r) => r.status === 200)!;
        const got = await http().get(`/v1/api-keys/${key.id}`).set(acme.auth).expect(200);
        expect(got.body.revokedAt).toBe(winner.body.revokedAt);
      }
    });

    it("answers 404 for another vendor's key, for get and revoke, and leaves it working", async () => {
      const theirs = await createKey(other, { name: 'theirs' });
      expectError(await http().get(`/v1/api-keys/${theirs.id}`).set(acme.auth), 404, 'NOT_FOUND');
      expectError(await http().post(`/v1/api-keys/${theirs.id}/revoke`).set(acme.auth), 404, 'NOT_FOUND');
      expectError(await http().post(`/v1/api-keys/${randomUUID()}/revoke`).set(acme.auth), 404, 'NOT_FOUND');

      const still = await http().get(`/v1/api-keys/${theirs.id}`).set(other.auth).expect(200);
      expect(still.body.revokedAt).toBeNull();
      await http().get('/v1/products').set(bearer(theirs.secret)).expect(200);
      const acmeList = await http()
        .get('/v1/api-keys')
        .query({ includeRevoked: true, limit: 100 })
        .set(acme.auth)
        .expect(200);
      expect(acmeList.body.data.map((k: ApiKeyBody) => k.id)).not.toContain(theirs.id);
    });
  });
});
