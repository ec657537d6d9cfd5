import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { createTestApp, createVendor, TestVendor, uniqueCode } from '@leasehold/testing';
import { LICENSE_CENTRAL_API } from '../api-info';
import { AppModule } from '../app.module';

describe('products and features (vendor API)', () => {
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

  it('creates, reads, lists, updates and deletes a product', async () => {
    const code = uniqueCode('office');
    const created = await http().post('/v1/products').set(acme.auth).send({ code, name: 'Office' }).expect(201);
    expect(created.body).toMatchObject({ code, name: 'Office', description: null });
    const id = created.body.id as string;

    await http().get(`/v1/products/${id}`).set(acme.auth).expect(200);
    const list = await http().get('/v1/products').query({ search: code.toUpperCase() }).set(acme.auth).expect(200);
    expect(list.body.data.map((p: { id: string }) => p.id)).toEqual([id]);

    const updated = await http().patch(`/v1/products/${id}`).set(acme.auth).send({ name: 'Office 2' }).expect(200);
    expect(updated.body.name).toBe('Office 2');

    await http().delete(`/v1/products/${id}`).set(acme.auth).expect(204);
    await http().get(`/v1/products/${id}`).set(acme.auth).expect(404);
  });

  it('paginates with a cursor', async () => {
    const vendor = await createVendor(app);
    for (let i = 0; i < 5; i++)
      await http()
        .post('/v1/products')
        .set(vendor.auth)
        .send({ code: `p${i}`, name: `P${i}` })
        .expect(201);
    const first = await http().get('/v1/products').query({ limit: 2 }).set(vendor.auth).expect(200);
    expect(first.body.data).toHaveLength(2);
    const second = await http()
      .get('/v1/products')
      .query({ limit: 2, cursor: first.body.nextCursor })
      .set(vendor.auth)
      .expect(200);
    const third = await http()
      .get('/v1/products')
      .query({ limit: 2, cursor: second.body.nextCursor })
      .set(vendor.auth)
      .expect(200);
    expect(third.body.nextCursor).toBeNull();
    const codes = [...first.body.data, ...second.body.data, ...third.body.data].map((p: { code: string }) => p.code);
    expect(codes).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);
  });

  it('rejects bad input with VALIDATION_FAILED naming each field', async () => {
    const res = await http().post('/v1/products').set(acme.auth).send({ code: 'has space', extra: 1 }).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    const fields = res.body.error.details.fields.map((f: { field: string }) => f.field).sort();
    expect(fields).toEqual(['code', 'extra', 'name']);
    expect(res.body.requestId).toEqual(expect.any(String));

    const badLimit = await http().get('/v1/products').query({ limit: 1000 }).set(acme.auth).expect(400);
    expect(badLimit.body.error.details.fields[0].field).toBe('limit');

    const badId = await http().get('/v1/products/not-a-uuid').set(acme.auth).expect(400);
    expect(badId.body.error.code).toBe('VALIDATION_FAILED');

    const malformed = await http()
      .post('/v1/products')
      .set(acme.auth)
      .set('Content-Type', 'application/json')
      .send('{"code":')
      .expect(400);
    expect(malformed.body.error.code).toBe('MALFORMED_JSON');
  });

  it('refuses a duplicate product code with PRODUCT_CODE_TAKEN, even when two requests race', async () => {
    const code = uniqueCode('dup');
    const results = await Promise.all(
      [1, 2, 3].map(() => http().post('/v1/products').set(acme.auth).send({ code, name: 'x' })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    expect(results.find((r) => r.status === 409)?.body.error.code).toBe('PRODUCT_CODE_TAKEN');
    // Another vendor may use the same code.
    await http().post('/v1/products').set(other.auth).send({ code, name: 'x' }).expect(201);
  });

  it('manages features of a product', async () => {
    const product = (
      await http().post('/v1/products').set(acme.auth).send({ code: uniqueCode(), name: 'With features' }).expect(201)
    ).body;
    const base = `/v1/products/${product.id}/features`;
    const f1 = (await http().post(base).set(acme.auth).send({ code: 'pdf', name: 'PDF export' }).expect(201)).body;
    expect(f1.kind).toBe('MODULE');
    await http().post(base).set(acme.auth).send({ code: 'dark', name: 'Dark mode', kind: 'OPTION' }).expect(201);
    const dup = await http().post(base).set(acme.auth).send({ code: 'pdf', name: 'again' }).expect(409);
    expect(dup.body.error.code).toBe('FEATURE_CODE_TAKEN');

    const options = await http().get(base).query({ kind: 'OPTION' }).set(acme.auth).expect(200);
    expect(options.body.data.map((f: { code: string }) => f.code)).toEqual(['dark']);

    const patched = await http().patch(`${base}/${f1.id}`).set(acme.auth).send({ kind: 'OPTION' }).expect(200);
    expect(patched.body.kind).toBe('OPTION');
    const bad = await http().post(base).set(acme.auth).send({ code: 'x', name: 'y', kind: 'PLUGIN' }).expect(400);
    expect(bad.body.error.details.fields[0].field).toBe('kind');

    await http().delete(`${base}/${f1.id}`).set(acme.auth).expect(204);
    await http().get(`${base}/${f1.id}`).set(acme.auth).expect(404);
  });

  it("answers 404 for another vendor's product and features, and changes nothing", async () => {
    const product = (
      await http().post('/v1/products').set(acme.auth).send({ code: uniqueCode(), name: 'Mine' }).expect(201)
    ).body;
    const feature = (
      await http().post(`/v1/products/${product.id}/features`).set(acme.auth).send({ code: 'f', name: 'F' }).expect(201)
    ).body;
    const attempts = [
      http().get(`/v1/products/${product.id}`),
      http().patch(`/v1/products/${product.id}`).send({ name: 'stolen' }),
      http().delete(`/v1/products/${product.id}`),
      http().get(`/v1/products/${product.id}/features`),
      http().post(`/v1/products/${product.id}/features`).send({ code: 'g', name: 'G' }),
      http().get(`/v1/products/${product.id}/features/${feature.id}`),
      http().patch(`/v1/products/${product.id}/features/${feature.id}`).send({ name: 'stolen' }),
      http().delete(`/v1/products/${product.id}/features/${feature.id}`),
    ];
    for (const attempt of attempts) {
      const res = await attempt.set(other.auth);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    }
    const mine = await http().get(`/v1/products/${product.id}`).set(acme.auth).expect(200);
    expect(mine.body.name).toBe('Mine');
    const list = await http().get('/v1/products').set(other.auth).expect(200);
    expect(list.body.data.find((p: { id: string }) => p.id === product.id)).toBeUndefined();
  });
});
