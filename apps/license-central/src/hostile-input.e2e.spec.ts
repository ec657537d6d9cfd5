import { gzipSync } from 'node:zlib';
import { ApiContainer, createProductViaApi, expectError, uniqueCode } from '@leasehold/testing';
import { ClientApiWorld, useClientApiWorld } from './client/client-api.fixture';

// Requests a careless or hostile client sends, each of which answered 500.
// Every answer here is a 4xx with a stable code in the error envelope, on vendor and device routes.

describe('hostile input (license-central): a clear 4xx, never a 500', () => {
  const world = useClientApiWorld(new ClientApiWorld());
  const { http, personalContainer } = world;
  let device: ApiContainer;

  beforeAll(async () => {
    device = await personalContainer();
  });

  /** A vendor route and a device route that both take a JSON body. */
  const bodyRoutes = () => [
    { path: '/v1/products', auth: world.acme.auth },
    { path: '/client/v1/validate', auth: device.device },
  ];

  describe('class 1: body-parser errors keep their 4xx', () => {
    // superagent would JSON-encode a Buffer sent as application/json: send the bytes as they are.
    const asIs = (body: unknown) => body as string;

    it('answers 415 UNSUPPORTED_MEDIA_TYPE for an unknown charset or Content-Encoding', async () => {
      for (const { path, auth } of bodyRoutes()) {
        const charset = await http()
          .post(path)
          .set(auth)
          .set('Content-Type', 'application/json; charset=bogus')
          .send('{"code":"a"}');
        expectError(charset, 415, 'UNSUPPORTED_MEDIA_TYPE');
        const encoding = await http()
          .post(path)
          .set(auth)
          .set('Content-Type', 'application/json')
          .set('Content-Encoding', 'bogus')
          .send('{"code":"a"}');
        expectError(encoding, 415, 'UNSUPPORTED_MEDIA_TYPE');
      }
    });

    it('answers 400 MALFORMED_BODY for a corrupt gzip body, and reads a good one', async () => {
      for (const { path, auth } of bodyRoutes()) {
        const corrupt = Buffer.concat([gzipSync('{"code":"abc","name":"x"}').subarray(0, 12), Buffer.from('garbage')]);
        const res = await http()
          .post(path)
          .set(auth)
          .set('Content-Type', 'application/json')
          .set('Content-Encoding', 'gzip')
          .serialize(asIs)
          .send(corrupt);
        expectError(res, 400, 'MALFORMED_BODY');
      }
      const code = uniqueCode('gz');
      const good = await http()
        .post('/v1/products')
        .set(world.acme.auth)
        .set('Content-Type', 'application/json')
        .set('Content-Encoding', 'gzip')
        .serialize(asIs)
        .send(gzipSync(JSON.stringify({ code, name: 'Gzipped' })));
      expect(good.status).toBe(201);
      expect(good.body.code).toBe(code);
    });

    it('answers 413 PAYLOAD_TOO_LARGE for a body over the limit', async () => {
      for (const { path, auth } of bodyRoutes()) {
        const res = await http()
          .post(path)
          .set(auth)
          .set('Content-Type', 'application/json')
          .send(JSON.stringify({ name: 'x'.repeat(200_000) }));
        expectError(res, 413, 'PAYLOAD_TOO_LARGE');
      }
    });

    it('answers 400 VALIDATION_FAILED for a path that is not percent-encoded UTF-8', async () => {
      expectError(await http().get('/v1/products/%E0%A4%A').set(world.acme.auth), 400, 'VALIDATION_FAILED');
      expectError(await http().delete('/client/v1/activations/%FF').set(device.device), 400, 'VALIDATION_FAILED');
    });
  });

  describe('class 2: deep nesting is refused before anything walks it', () => {
    const deepArray = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
    const deepObject = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

    it('answers 400 MALFORMED_BODY for a body nested 10,000 deep, as arrays or objects, whole or in one field', async () => {
      for (const { path, auth } of bodyRoutes()) {
        for (const body of [
          deepArray(10_000),
          deepObject(10_000),
          `{"name":${deepArray(10_000)}}`,
          `{"name":${deepObject(10_000)}}`,
        ]) {
          const res = await http().post(path).set(auth).set('Content-Type', 'application/json').send(body);
          expectError(res, 400, 'MALFORMED_BODY');
          expect(res.body.error.details).toEqual({ reason: 'TOO_DEEP', maxDepth: 16 });
        }
      }
      // With an Idempotency-Key the interceptor (which hashes the body) never sees it either.
      const keyed = await http()
        .post('/v1/products')
        .set(world.acme.auth)
        .set('Idempotency-Key', uniqueCode('deep'))
        .set('Content-Type', 'application/json')
        .send(deepObject(10_000));
      expectError(keyed, 400, 'MALFORMED_BODY');
    });

    it('never nests query strings or form bodies: deep bracket keys are plain unknown names (400), not a tree', async () => {
      const deepKey = 'a' + '[b]'.repeat(1000);
      const query = await http().get(`/v1/products?${deepKey}=1`).set(world.acme.auth);
      expectError(query, 400, 'VALIDATION_FAILED');
      expect(query.body.error.details.fields[0].field).toBe(deepKey);
      const form = await http()
        .post('/v1/products')
        .set(world.acme.auth)
        .set('Content-Type', 'application/x-www-form-urlencoded')
        .send(`code=x&name=y&${deepKey}=1`);
      expectError(form, 400, 'VALIDATION_FAILED');
      expect(form.body.error.details.fields.map((f: { field: string }) => f.field)).toEqual([deepKey]);
    });

    it('still reads brackets inside strings and ordinary nesting', async () => {
      const code = uniqueCode('brackets');
      const res = await http()
        .post('/v1/products')
        .set(world.acme.auth)
        .send({ code, name: '[[[[[[[[[[[[[[[[[[[[{{{{{{{{{{{{{{{{{{{{ "\\"[' });
      expect(res.status).toBe(201);
      expect(res.body.name).toBe('[[[[[[[[[[[[[[[[[[[[{{{{{{{{{{{{{{{{{{{{ "\\"[');
      // 17 levels of real nesting in an unknown field: refused as too deep (not as a 500).
      const nested = await http()
        .post('/v1/products')
        .set(world.acme.auth)
        .set('Content-Type', 'application/json')
        .send(`{"code":"x","name":"y","extra":${deepArray(16)}}`);
      expectError(nested, 400, 'MALFORMED_BODY');
      // 16 levels is within the limit: the validation pipe answers for the unknown field.
      const within = await http()
        .post('/v1/products')
        .set(world.acme.auth)
        .set('Content-Type', 'application/json')
        .send(`{"code":"x","name":"y","extra":${deepArray(15)}}`);
      expectError(within, 400, 'VALIDATION_FAILED');
    });
  });

  describe('class 3: NUL bytes and lone surrogates are refused in every string', () => {
    it('answers 400 VALIDATION_FAILED for a NUL in a query value, a body string, a body key or a path value', async () => {
      const query = await http().get('/v1/products?search=a%00b').set(world.acme.auth);
      expectError(query, 400, 'VALIDATION_FAILED');
      expect(query.body.error.details.fields).toEqual([expect.objectContaining({ field: 'query.search' })]);

      const body = await http()
        .post('/v1/products')
        .set(world.acme.auth)
        .send({ code: uniqueCode('nul'), name: 'a\u0000b' });
      expectError(body, 400, 'VALIDATION_FAILED');
      expect(body.body.error.details.fields).toEqual([expect.objectContaining({ field: 'body.name' })]);

      const key = await http()
        .post('/v1/products')
        .set(world.acme.auth)
        .send({ code: uniqueCode('nul'), name: 'ok', ['x\u0000']: 1 });
      expectError(key, 400, 'VALIDATION_FAILED');

      const device1 = await http()
        .post('/client/v1/validate')
        .set(device.device)
        .send({ fingerprint: 'fp\u0000', product: world.product.code });
      expectError(device1, 400, 'VALIDATION_FAILED');
      const device2 = await http()
        .get('/client/v1/license-file')
        .query({ fingerprint: 'fp', product: `${world.product.code}\u0000` })
        .set(device.device);
      expectError(device2, 400, 'VALIDATION_FAILED');
      const path = await http().delete('/client/v1/activations/fp%00x').set(device.device);
      expectError(path, 400, 'VALIDATION_FAILED');
    });

    it('answers 400 VALIDATION_FAILED for a lone UTF-16 surrogate (an email, a name, a fingerprint)', async () => {
      const json = (value: Record<string, unknown>) => JSON.stringify(value).replace('LONE', '\\ud800');
      const email = await http()
        .post('/v1/users')
        .set(world.acme.auth)
        .set('Content-Type', 'application/json')
        .send(json({ email: 'LONE@example.com', name: 'Jane' }));
      expectError(email, 400, 'VALIDATION_FAILED');
      const name = await http()
        .post('/v1/products')
        .set(world.acme.auth)
        .set('Content-Type', 'application/json')
        .send(json({ code: uniqueCode('s'), name: 'LONE' }));
      expectError(name, 400, 'VALIDATION_FAILED');
      const low = await http()
        .post('/v1/products')
        .set(world.acme.auth)
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ code: uniqueCode('s'), name: 'x' }).replace('"x"', '"\\udc00x"'));
      expectError(low, 400, 'VALIDATION_FAILED');
      const fingerprint = await http()
        .post('/client/v1/activations')
        .set(device.device)
        .set('Content-Type', 'application/json')
        .send(json({ fingerprint: 'LONE', name: 'Laptop' }));
      expectError(fingerprint, 400, 'VALIDATION_FAILED');
      // A surrogate pair (an emoji) is a character like any other.
      const emoji = await http()
        .post('/v1/products')
        .set(world.acme.auth)
        .send({ code: uniqueCode('emoji'), name: 'Rocket \u{1F680}' });
      expect(emoji.status).toBe(201);
      expect(emoji.body.name).toBe('Rocket \u{1F680}');
    });
  });

  describe('class 4: constraint violations are domain errors', () => {
    it('answers 409 PRODUCT_IN_USE when a product with licenses is deleted, and keeps it', async () => {
      const used = await createProductViaApi(http, world.acme);
      const container = await personalContainer();
      await http()
        .post(`/v1/containers/${container.containerId}/licenses`)
        .set(world.acme.auth)
        .send({ productId: used.productId, quantity: 1 })
        .expect(201);

      const res = await http().delete(`/v1/products/${used.productId}`).set(world.acme.auth);
      expectError(res, 409, 'PRODUCT_IN_USE');
      expect(res.text).not.toMatch(/licenses_vendorId_productId_fkey|violates|constraint|SELECT|DELETE FROM/i);
      await http().get(`/v1/products/${used.productId}`).set(world.acme.auth).expect(200);

      // An unused product still deletes.
      const unused = await createProductViaApi(http, world.acme, []);
      await http().delete(`/v1/products/${unused.productId}`).set(world.acme.auth).expect(204);
    });
  });
});
