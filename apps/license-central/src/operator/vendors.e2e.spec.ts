import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { ConfigService } from '@leasehold/config';
import { createTestApp, expectError, uniqueCode } from '@leasehold/testing';
import { LICENSE_CENTRAL_API } from '../api-info';
import { AppModule } from '../app.module';

interface VendorBody {
  id: string;
  slug: string;
  name: string;
  status: 'ACTIVE' | 'SUSPENDED';
  createdAt: string;
}

describe('vendors (operator API)', () => {
  let app: INestApplication;
  let operator: { Authorization: string };

  beforeAll(async () => {
    app = await createTestApp(AppModule, LICENSE_CENTRAL_API);
    operator = { Authorization: `Bearer ${app.get(ConfigService).get('OPERATOR_TOKEN')}` };
  });
  afterAll(() => app.close());

  const http = () => request(app.getHttpServer());
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
  const fieldsOf = (res: request.Response) =>
    (res.body.error.details.fields as { field: string }[]).map((f) => f.field).sort();

  async function createVendor(body: Record<string, unknown> = { slug: uniqueCode('vendor'), name: 'Some Vendor' }) {
    return (await http().post('/operator/v1/vendors').set(operator).send(body).expect(201)).body as {
      vendor: VendorBody;
      apiKey: { id: string; name: string; prefix: string; secret: string };
    };
  }

  it('creates a vendor with a first API key whose secret works on the vendor API', async () => {
    const slug = uniqueCode('acme');
    const created = await createVendor({ slug, name: 'ACME Software GmbH', firstApiKeyName: 'bootstrap' });
    expect(created.vendor).toEqual({
      id: expect.any(String),
      slug,
      name: 'ACME Software GmbH',
      status: 'ACTIVE',
      createdAt: expect.any(String),
      limits: { apiRequestsPerMinute: null, deviceRequestsPerMinute: null, updateStreamsPerContainer: null },
    });
    expect(created.apiKey).toMatchObject({ name: 'bootstrap', revokedAt: null, expiresAt: null });
    expect(created.apiKey.secret.startsWith(`lh_${created.apiKey.prefix}_`)).toBe(true);

    const key = bearer(created.apiKey.secret);
    await http().post('/v1/products').set(key).send({ code: 'office', name: 'Office' }).expect(201);
    const products = await http().get('/v1/products').set(key).expect(200);
    expect(products.body.data.map((p: { code: string }) => p.code)).toEqual(['office']);
    // The key belongs to the new vendor and is its only one.
    const keys = await http().get('/v1/api-keys').set(key).expect(200);
    expect(keys.body.data.map((k: { id: string }) => k.id)).toEqual([created.apiKey.id]);
  });

  it('names the first key "default" when no name is given', async () => {
    const created = await createVendor({ slug: uniqueCode('plain'), name: 'Plain' });
    expect(created.apiKey.name).toBe('default');
  });

  it('refuses a slug that is taken with 409 VENDOR_SLUG_TAKEN', async () => {
    const slug = uniqueCode('taken');
    const first = await createVendor({ slug, name: 'First' });
    const again = await http().post('/operator/v1/vendors').set(operator).send({ slug, name: 'Second' });
    expectError(again, 409, 'VENDOR_SLUG_TAKEN');
    expect(again.body.error.details).toEqual({ slug });
    const got = await http().get(`/operator/v1/vendors/${first.vendor.id}`).set(operator).expect(200);
    expect(got.body.name).toBe('First');
  });

  it('creates exactly one vendor when two requests race for one slug', async () => {
    const slug = uniqueCode('race');
    const answers = await Promise.all(
      [1, 2].map((n) =>
        http()
          .post('/operator/v1/vendors')
          .set(operator)
          .send({ slug, name: `Racer ${n}` }),
      ),
    );
    expect(answers.map((r) => r.status).sort()).toEqual([201, 409]);
    expectError(answers.find((r) => r.status === 409)!, 409, 'VENDOR_SLUG_TAKEN');

    const all = await listAll();
    expect(all.filter((v) => v.slug === slug)).toHaveLength(1);
    // The loser's transaction left no orphan API key behind: the winner's key is its vendor's only key.
    const winner = answers.find((r) => r.status === 201)!.body;
    const keys = await http()
      .get('/v1/api-keys')
      .query({ includeRevoked: true })
      .set(bearer(winner.apiKey.secret))
      .expect(200);
    expect(keys.body.data).toHaveLength(1);
  });

  it('rejects bad input with VALIDATION_FAILED naming each field', async () => {
    const empty = await http().post('/operator/v1/vendors').set(operator).send({});
    expectError(empty, 400, 'VALIDATION_FAILED');
    expect(fieldsOf(empty)).toEqual(['name', 'slug']);

    const badSlug = await http().post('/operator/v1/vendors').set(operator).send({ slug: 'Has Spaces', name: 'x' });
    expectError(badSlug, 400, 'VALIDATION_FAILED');
    expect(fieldsOf(badSlug)).toEqual(['slug']);

    const tooShort = await http().post('/operator/v1/vendors').set(operator).send({ slug: 'a', name: 'x' });
    expect(fieldsOf(tooShort)).toEqual(['slug']);

    const extra = await http()
      .post('/operator/v1/vendors')
      .set(operator)
      .send({ slug: uniqueCode('x'), name: 'x', status: 'SUSPENDED' });
    expectError(extra, 400, 'VALIDATION_FAILED');
    expect(fieldsOf(extra)).toEqual(['status']);

    const malformed = await http()
      .post('/operator/v1/vendors')
      .set(operator)
      .set('Content-Type', 'application/json')
      .send('{"slug":');
    expectError(malformed, 400, 'MALFORMED_JSON');
  });

  /** Walks the whole vendor list with the given page size. */
  async function listAll(limit = 100): Promise<VendorBody[]> {
    const all: VendorBody[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 1000; page++) {
      const res = await http()
        .get('/operator/v1/vendors')
        .query(cursor ? { limit, cursor } : { limit })
        .set(operator)
        .expect(200);
      expect(res.body.data.length).toBeLessThanOrEqual(limit);
      all.push(...(res.body.data as VendorBody[]));
      cursor = res.body.nextCursor as string | null;
      if (!cursor) return all;
    }
    throw new Error('the vendor list never ended');
  }

  it('lists vendors with cursor pagination, every vendor once, in creation order', async () => {
    const made: string[] = [];
    for (let i = 0; i < 5; i++)
      made.push((await createVendor({ slug: uniqueCode(`page${i}`), name: `Page ${i}` })).vendor.id);

    const byTwo = await listAll(2);
    const ids = byTwo.map((v) => v.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => made.includes(id))).toEqual(made);
    expect(byTwo.map((v) => v.id)).toEqual((await listAll(100)).map((v) => v.id));
    // Listings carry no secrets.
    for (const vendor of byTwo)
      expect(Object.keys(vendor).sort()).toEqual(['createdAt', 'id', 'limits', 'name', 'slug', 'status']);

    expectError(await http().get('/operator/v1/vendors').query({ limit: 101 }).set(operator), 400, 'VALIDATION_FAILED');
    expectError(
      await http().get('/operator/v1/vendors').query({ cursor: 'nope' }).set(operator),
      400,
      'VALIDATION_FAILED',
    );
  });

  it('gets a vendor by id; an unknown id is 404 NOT_FOUND, a malformed one 400', async () => {
    const created = await createVendor();
    const got = await http().get(`/operator/v1/vendors/${created.vendor.id}`).set(operator).expect(200);
    expect(got.body).toEqual(created.vendor);
    expectError(await http().get(`/operator/v1/vendors/${randomUUID()}`).set(operator), 404, 'NOT_FOUND');
    expectError(await http().get('/operator/v1/vendors/123').set(operator), 400, 'VALIDATION_FAILED');
  });

  it('suspends and resumes a vendor through PATCH /:vendorId/status', async () => {
    const created = await createVendor();
    const key = bearer(created.apiKey.secret);
    const base = `/operator/v1/vendors/${created.vendor.id}/status`;

    const suspended = await http().patch(base).set(operator).send({ status: 'SUSPENDED' }).expect(200);
    expect(suspended.body).toEqual({ ...created.vendor, status: 'SUSPENDED' });
    expect((await http().get(`/operator/v1/vendors/${created.vendor.id}`).set(operator).expect(200)).body.status).toBe(
      'SUSPENDED',
    );
    expectError(await http().get('/v1/products').set(key), 403, 'VENDOR_SUSPENDED');

    // Suspending twice is harmless.
    await http().patch(base).set(operator).send({ status: 'SUSPENDED' }).expect(200);

    const resumed = await http().patch(base).set(operator).send({ status: 'ACTIVE' }).expect(200);
    expect(resumed.body.status).toBe('ACTIVE');
    await http().get('/v1/products').set(key).expect(200);

    const bad = await http().patch(base).set(operator).send({ status: 'DELETED' });
    expectError(bad, 400, 'VALIDATION_FAILED');
    expect(fieldsOf(bad)).toEqual(['status']);
    expectError(
      await http().patch(`/operator/v1/vendors/${randomUUID()}/status`).set(operator).send({ status: 'SUSPENDED' }),
      404,
      'NOT_FOUND',
    );
  });
});
