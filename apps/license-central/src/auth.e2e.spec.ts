import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { ConfigService } from '@leasehold/config';
import { PrismaService } from '@leasehold/db';
import { createTestApp, createVendor, expectError, TestVendor } from '@leasehold/testing';
import { LICENSE_CENTRAL_API } from './api-info';
import { AppModule } from './app.module';

// Who may call what: vendor routes take a vendor API key, operator routes the operator token, and
// every refusal names its reason with a stable code in the error envelope.

describe('authentication (license-central)', () => {
  let app: INestApplication;
  let acme: TestVendor;
  let operator: { Authorization: string };

  const VENDOR_ROUTE = '/v1/products';
  const OPERATOR_ROUTE = '/operator/v1/vendors';

  beforeAll(async () => {
    app = await createTestApp(AppModule, LICENSE_CENTRAL_API);
    acme = await createVendor(app, 'Acme');
    operator = { Authorization: `Bearer ${app.get(ConfigService).get('OPERATOR_TOKEN')}` };
  });
  afterAll(() => app.close());

  const http = () => request(app.getHttpServer());
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

  /** A fresh key of the given vendor, made through the API. */
  async function newKey(vendor: TestVendor, body: Record<string, unknown> = { name: 'extra' }) {
    const res = await http().post('/v1/api-keys').set(vendor.auth).send(body).expect(201);
    return res.body as { id: string; secret: string; lastUsedAt: string | null };
  }

  describe('vendor API keys on a vendor route', () => {
    it('lets a valid key in', async () => {
      await http().get(VENDOR_ROUTE).set(acme.auth).expect(200);
    });

    it('answers 401 UNAUTHENTICATED without an Authorization header', async () => {
      expectError(await http().get(VENDOR_ROUTE), 401, 'UNAUTHENTICATED');
    });

    it('answers 401 UNAUTHENTICATED for a scheme other than Bearer', async () => {
      expectError(
        await http().get(VENDOR_ROUTE).set('Authorization', `Basic ${acme.apiKey.secret}`),
        401,
        'UNAUTHENTICATED',
      );
    });

    it('answers 401 API_KEY_INVALID for a malformed key', async () => {
      expectError(await http().get(VENDOR_ROUTE).set(bearer('garbage')), 401, 'API_KEY_INVALID');
      // The right shape with one character too many is still malformed.
      expectError(
        await http()
          .get(VENDOR_ROUTE)
          .set(bearer(`${acme.apiKey.secret}x`)),
        401,
        'API_KEY_INVALID',
      );
    });

    it('answers 401 API_KEY_INVALID for a well-formed key nobody issued', async () => {
      const unknown = `lh_${'a'.repeat(12)}_${'B'.repeat(43)}`;
      expectError(await http().get(VENDOR_ROUTE).set(bearer(unknown)), 401, 'API_KEY_INVALID');
      // A real key with its secret part changed is just as unknown.
      const secret = acme.apiKey.secret;
      const tampered = secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A');
      expectError(await http().get(VENDOR_ROUTE).set(bearer(tampered)), 401, 'API_KEY_INVALID');
    });

    it('answers 401 API_KEY_REVOKED for a revoked key, and other keys of the vendor keep working', async () => {
      const key = await newKey(acme);
      await http().get(VENDOR_ROUTE).set(bearer(key.secret)).expect(200);
      await http().post(`/v1/api-keys/${key.id}/revoke`).set(acme.auth).expect(200);
      expectError(await http().get(VENDOR_ROUTE).set(bearer(key.secret)), 401, 'API_KEY_REVOKED');
      await http().get(VENDOR_ROUTE).set(acme.auth).expect(200);
    });

    it('answers 401 API_KEY_EXPIRED once the expiry has passed', async () => {
      const key = await newKey(acme, {
        name: 'short-lived',
        expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
      });
      await http().get(VENDOR_ROUTE).set(bearer(key.secret)).expect(200);
      await app
        .get(PrismaService)
        .apiKey.update({ where: { id: key.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
      expectError(await http().get(VENDOR_ROUTE).set(bearer(key.secret)), 401, 'API_KEY_EXPIRED');
    });

    it("answers 403 VENDOR_SUSPENDED for a suspended vendor's keys, and lets them in again after re-activation", async () => {
      const vendor = await createVendor(app, 'Suspendable');
      const second = await newKey(vendor);
      await http()
        .patch(`${OPERATOR_ROUTE}/${vendor.vendor.id}/status`)
        .set(operator)
        .send({ status: 'SUSPENDED' })
        .expect(200);
      expectError(await http().get(VENDOR_ROUTE).set(vendor.auth), 403, 'VENDOR_SUSPENDED');
      expectError(await http().get(VENDOR_ROUTE).set(bearer(second.secret)), 403, 'VENDOR_SUSPENDED');
      expectError(await http().post('/v1/api-keys').set(vendor.auth).send({ name: 'sneaky' }), 403, 'VENDOR_SUSPENDED');
      // Other vendors are not affected.
      await http().get(VENDOR_ROUTE).set(acme.auth).expect(200);

      await http()
        .patch(`${OPERATOR_ROUTE}/${vendor.vendor.id}/status`)
        .set(operator)
        .send({ status: 'ACTIVE' })
        .expect(200);
      await http().get(VENDOR_ROUTE).set(vendor.auth).expect(200);
      await http().get(VENDOR_ROUTE).set(bearer(second.secret)).expect(200);
    });

    it('refuses the operator token on a vendor route', async () => {
      const res = await http().get(VENDOR_ROUTE).set(operator);
      expect(res.status).toBe(401);
      expectError(res, 401, 'API_KEY_INVALID');
    });

    it('records when a key was last used', async () => {
      const key = await newKey(acme);
      expect(key.lastUsedAt).toBeNull();
      const before = Date.now();
      await http().get(VENDOR_ROUTE).set(bearer(key.secret)).expect(200);
      const seen = await http().get(`/v1/api-keys/${key.id}`).set(acme.auth).expect(200);
      expect(seen.body.lastUsedAt).toEqual(expect.any(String));
      // Allow for clock differences between this process and Postgres of a second at most.
      expect(new Date(seen.body.lastUsedAt as string).getTime()).toBeGreaterThanOrEqual(before - 1000);
      expect(new Date(seen.body.lastUsedAt as string).getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    });
  });

  describe('the operator token on an operator route', () => {
    it('lets the operator token in', async () => {
      await http().get(OPERATOR_ROUTE).set(operator).expect(200);
    });

    it('answers 401 UNAUTHENTICATED without credentials', async () => {
      expectError(await http().get(OPERATOR_ROUTE), 401, 'UNAUTHENTICATED');
    });

    it('answers 401 OPERATOR_TOKEN_INVALID for a wrong token', async () => {
      const token = app.get(ConfigService).get('OPERATOR_TOKEN');
      expectError(
        await http().get(OPERATOR_ROUTE).set(bearer('wrong-operator-token-0123456789')),
        401,
        'OPERATOR_TOKEN_INVALID',
      );
      // Same length, last character different.
      expectError(
        await http()
          .get(OPERATOR_ROUTE)
          .set(bearer(`${token.slice(0, -1)}#`)),
        401,
        'OPERATOR_TOKEN_INVALID',
      );
    });

    it("refuses a vendor's API key on an operator route", async () => {
      const res = await http().post(OPERATOR_ROUTE).set(acme.auth).send({ slug: 'should-not-exist', name: 'Nope' });
      expect(res.status).toBe(401);
      expectError(res, 401, 'OPERATOR_TOKEN_INVALID');
      const list = await http().get(OPERATOR_ROUTE).query({ limit: 100 }).set(operator).expect(200);
      expect(list.body.data.map((v: { slug: string }) => v.slug)).not.toContain('should-not-exist');
    });
  });
});
