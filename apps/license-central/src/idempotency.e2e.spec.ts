import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { PrismaService } from '@leasehold/db';
import { HealthController, honoursIdempotencyKeys, isUnsafeRoute } from '@leasehold/http';
import { IdempotencyStore } from '@leasehold/idempotency';
import { createTestApp, createVendor, expectError, TestVendor, uniqueCode } from '@leasehold/testing';
import { LICENSE_CENTRAL_API } from './api-info';
import { AppModule } from './app.module';

describe('Idempotency-Key on vendor POST routes', () => {
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
  const newKey = () => `key-${randomUUID()}`;
  const createProduct = (vendor: TestVendor, key: string, body: object) =>
    http().post('/v1/products').set(vendor.auth).set('Idempotency-Key', key).send(body);

  async function productsWithCode(vendor: TestVendor, code: string): Promise<{ id: string; code: string }[]> {
    const res = await http().get('/v1/products').query({ search: code, limit: 100 }).set(vendor.auth).expect(200);
    return (res.body.data as { id: string; code: string }[]).filter((p) => p.code === code);
  }

  it('answers a retried request with the first answer instead of creating a second product', async () => {
    const key = newKey();
    const body = { code: uniqueCode('office'), name: 'Office' };

    const first = await createProduct(acme, key, body).expect(201);
    const retry = await createProduct(acme, key, body);

    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body).toEqual(first.body);
    expect(await productsWithCode(acme, body.code)).toEqual([expect.objectContaining({ id: first.body.id })]);
  });

  it('refuses the same key with a different body or on a different route', async () => {
    const key = newKey();
    const code = uniqueCode('cad');
    await createProduct(acme, key, { code, name: 'CAD' }).expect(201);

    expectError(await createProduct(acme, key, { code, name: 'CAD Pro' }), 422, 'IDEMPOTENCY_KEY_REUSED');
    expectError(
      await createProduct(acme, key, { code: uniqueCode('cad'), name: 'CAD' }),
      422,
      'IDEMPOTENCY_KEY_REUSED',
    );
    const product = (await productsWithCode(acme, code))[0];
    const onFeatures = await http()
      .post(`/v1/products/${product.id}/features`)
      .set(acme.auth)
      .set('Idempotency-Key', key)
      .send({ code: 'pdf', name: 'PDF' });
    expectError(onFeatures, 422, 'IDEMPOTENCY_KEY_REUSED');

    expect(await productsWithCode(acme, code)).toHaveLength(1);
  });

  it("keeps each vendor's keys apart", async () => {
    const key = newKey();
    const acmeProduct = await createProduct(acme, key, {
      code: uniqueCode('a'),
      name: 'Acme product',
    }).expect(201);

    const otherCode = uniqueCode('b');
    const otherProduct = await createProduct(other, key, {
      code: otherCode,
      name: 'Other product',
    });

    expect(otherProduct.status).toBe(201);
    expect(otherProduct.headers['idempotent-replayed']).toBeUndefined();
    expect(otherProduct.body.id).not.toBe(acmeProduct.body.id);
    expect(await productsWithCode(other, otherCode)).toHaveLength(1);
    // And the same body from the other vendor is not Acme's replay either.
    const sameBody = await createProduct(other, newKey(), {
      code: acmeProduct.body.code,
      name: 'Acme product',
    }).expect(201);
    expect(sameBody.body.id).not.toBe(acmeProduct.body.id);
  });

  it('creates exactly one product when five copies of a request race with one key', async () => {
    const key = newKey();
    const body = { code: uniqueCode('race'), name: 'Race' };

    const answers = await Promise.all([1, 2, 3, 4, 5].map(() => createProduct(acme, key, body)));

    const created = answers.filter((r) => r.status === 201 && r.headers['idempotent-replayed'] === undefined);
    const replayed = answers.filter((r) => r.status === 201 && r.headers['idempotent-replayed'] === 'true');
    const inProgress = answers.filter((r) => r.status === 409);
    expect(created).toHaveLength(1);
    expect(replayed.length + inProgress.length).toBe(4);
    for (const r of replayed) expect(r.body).toEqual(created[0].body);
    for (const r of inProgress) {
      expectError(r, 409, 'IDEMPOTENCY_REQUEST_IN_PROGRESS');
      expect(r.body.error.details).toEqual({ retryAfter: 1 });
    }
    expect(await productsWithCode(acme, body.code)).toEqual([expect.objectContaining({ id: created[0].body.id })]);

    // Once the first has finished, a late copy gets its answer.
    const late = await createProduct(acme, key, body).expect(201);
    expect(late.headers['idempotent-replayed']).toBe('true');
    expect(late.body.id).toBe(created[0].body.id);
  });

  it('does not keep a failed answer: the same request retried runs again', async () => {
    const code = uniqueCode('taken');
    const blocker = await http().post('/v1/products').set(acme.auth).send({ code, name: 'Blocker' }).expect(201);
    const key = newKey();
    const body = { code, name: 'Wanted' };

    expectError(await createProduct(acme, key, body), 409, 'PRODUCT_CODE_TAKEN');
    const stillTaken = await createProduct(acme, key, body);
    expectError(stillTaken, 409, 'PRODUCT_CODE_TAKEN');
    expect(stillTaken.headers['idempotent-replayed']).toBeUndefined();

    await http().delete(`/v1/products/${blocker.body.id}`).set(acme.auth).expect(204);
    const retried = await createProduct(acme, key, body).expect(201);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
    expect(retried.body).toMatchObject({ code, name: 'Wanted' });
    expect(await productsWithCode(acme, code)).toEqual([expect.objectContaining({ id: retried.body.id })]);
  });

  it('does not keep a validation failure either', async () => {
    const key = newKey();
    const invalid = { code: 'has space' };
    expectError(await createProduct(acme, key, invalid), 400, 'VALIDATION_FAILED');
    const again = await createProduct(acme, key, invalid);
    expectError(again, 400, 'VALIDATION_FAILED');
    expect(again.headers['idempotent-replayed']).toBeUndefined();
  });

  it.each([
    ['longer than 255 characters', 'k'.repeat(300)],
    ['empty', ''],
    ['not visible ASCII', 'schlüssel'],
  ])('refuses a key that is %s with VALIDATION_FAILED naming the header', async (_what, key) => {
    const code = uniqueCode('badkey');
    const res = await http().post('/v1/products').set(acme.auth).set('Idempotency-Key', key).send({ code, name: 'x' });
    expectError(res, 400, 'VALIDATION_FAILED');
    expect(res.body.error.details.fields.map((f: { field: string }) => f.field)).toEqual(['Idempotency-Key']);
    expect(await productsWithCode(acme, code)).toHaveLength(0);
  });

  it('treats the same body with its keys in another order as the same request', async () => {
    const key = newKey();
    const code = uniqueCode('order');
    await http()
      .post('/v1/products')
      .set(acme.auth)
      .set('Idempotency-Key', key)
      .set('Content-Type', 'application/json')
      .send(`{"code":"${code}","name":"Ordered"}`)
      .expect(201);
    const retry = await http()
      .post('/v1/products')
      .set(acme.auth)
      .set('Idempotency-Key', key)
      .set('Content-Type', 'application/json')
      .send(`{"name":"Ordered","code":"${code}"}`)
      .expect(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(await productsWithCode(acme, code)).toHaveLength(1);
  });

  it('lets a retry take over a claim abandoned by a crashed request, exactly once', async () => {
    const prisma = app.get(PrismaService);
    const service = app.get(IdempotencyStore);
    const scope = `vendor:${acme.vendor.id}`;
    // A claim with no answer, made two minutes ago: the process that made it died before answering.
    await prisma.idempotencyRecord.create({
      data: {
        scope,
        key: 'stale',
        requestHash: 'h',
        createdAt: new Date(Date.now() - 120_000),
      },
    });
    const claims = await Promise.all([service.claim(scope, 'stale', 'h'), service.claim(scope, 'stale', 'h')]);
    expect(claims.map((c) => c.state).sort()).toEqual(['claimed', 'in-progress']);
    // A recent unanswered claim is still in progress.
    await prisma.idempotencyRecord.create({
      data: { scope, key: 'fresh', requestHash: 'h' },
    });
    expect((await service.claim(scope, 'fresh', 'h')).state).toBe('in-progress');
  });
});

describe('Idempotency-Key: which routes honour it', () => {
  // The interceptor is not global (it would wrap every route): each controller with unsafe routes
  // says @IdempotentWrites(). A controller that forgets it is found here.
  it('every POST, PUT, PATCH and DELETE route of license-central has the idempotency interceptor, and no other route', () => {
    type Controller = abstract new (...args: never[]) => object;
    const controllers = [...(Reflect.getMetadata('controllers', AppModule) as Controller[]), HealthController];
    const missing: string[] = [];
    const needless: string[] = [];
    let unsafe = 0;
    for (const controller of controllers) {
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        if (isUnsafeRoute(handler)) {
          unsafe++;
          if (!honoursIdempotencyKeys(controller, handler)) missing.push(`${controller.name}.${name}`);
        } else if (honoursIdempotencyKeys(controller, handler)) {
          needless.push(`${controller.name}.${name}`);
        }
      }
    }
    expect(unsafe).toBeGreaterThan(50);
    expect(missing).toEqual([]);
    expect(needless).toEqual([]);
  });
});
