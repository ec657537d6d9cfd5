import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { OutboxRepository } from '@leasehold/domain-events';
import { TenantContext } from '@leasehold/db';
import { createPortalUser, createTestAppWithEnv, createVendor, expectError, TestVendor } from '@leasehold/testing';
import { PORTAL_API } from '../api-info';
import { PortalLicensingTestModule } from '../testing/portal-test-module';

// Written as the abuse. Small limits so the attacks stay quick:
// 3 failed logins per account, 5 per (vendor, address); 2 reset requests per account, 4 per address.
const LIMITS = {
  LOGIN_MAX_FAILURES_PER_ACCOUNT: '3',
  LOGIN_MAX_FAILURES_PER_IP: '5',
  PASSWORD_RESET_MAX_PER_ACCOUNT: '2',
  PASSWORD_RESET_MAX_PER_IP: '4',
};

describe('portal login and password-reset abuse', () => {
  let app: INestApplication;
  let acme: TestVendor;
  let other: TestVendor;
  const http = () => request(app.getHttpServer());
  let n = 0;
  /** A fresh client address (TEST-NET-3), as a trusted proxy would report it. */
  const address = () => `203.0.113.${(n = (n % 250) + 1)}`;
  const login = (vendor: TestVendor, email: string, password: string, ip: string) =>
    http().post('/v1/auth/login').set('X-Forwarded-For', ip).send({ vendor: vendor.vendor.slug, email, password });

  describe('behind one trusted proxy (TRUST_PROXY=1)', () => {
    beforeAll(async () => {
      app = await createTestAppWithEnv(PortalLicensingTestModule, PORTAL_API, { ...LIMITS, TRUST_PROXY: '1' });
      acme = await createVendor(app, 'Acme');
      other = await createVendor(app, 'Other');
    });
    afterAll(() => app.close());

    it('20 parallel wrong passwords on one account: at most the limit are evaluated, the rest are refused unverified', async () => {
      const user = await createPortalUser(app, acme);
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) => login(acme, user.email, `wrong-${i}`, `198.51.100.${i + 1}`)),
      );
      const statuses = answers.map((a) => a.status);
      expect(statuses.filter((s) => s === 401)).toHaveLength(3);
      expect(statuses.filter((s) => s === 429)).toHaveLength(17);
      for (const refused of answers.filter((a) => a.status === 429)) expectError(refused, 429, 'RATE_LIMITED');
      // Locked now, even with the right password.
      expectError(await login(acme, user.email, user.password, address()), 429, 'RATE_LIMITED');
    });

    it('one address spraying many accounts of one vendor does not lock the logins of other vendors (or of other addresses)', async () => {
      const ip = address();
      for (let i = 0; i < 5; i++) await login(acme, `nobody-${i}@customer.example`, 'wrong-password', ip).expect(401);
      const atAcme = await createPortalUser(app, acme);
      expectError(await login(acme, atAcme.email, atAcme.password, ip), 429, 'RATE_LIMITED');
      // The same address at another vendor, and another address at the same vendor, log in.
      const atOther = await createPortalUser(app, other);
      await login(other, atOther.email, atOther.password, ip).expect(200);
      await login(acme, atAcme.email, atAcme.password, address()).expect(200);
    });

    it('a successful login does not count against the address', async () => {
      const ip = address();
      const user = await createPortalUser(app, acme);
      for (let i = 0; i < 8; i++) await login(acme, user.email, user.password, ip).expect(200);
      for (let i = 0; i < 3; i++) await login(acme, `nobody-${i}@customer.example`, 'wrong-password', ip).expect(401);
      await login(acme, user.email, user.password, ip).expect(200);
    });

    it('throttles password-reset requests per account (any address) and per address (any account)', async () => {
      const user = await createPortalUser(app, acme);
      const reset = (email: string, ip: string) =>
        http()
          .post('/v1/auth/password-reset/request')
          .set('X-Forwarded-For', ip)
          .send({ vendor: acme.vendor.slug, email });
      await reset(user.email, address()).expect(202);
      await reset(user.email, address()).expect(202);
      const limited = await reset(user.email, address());
      expectError(limited, 429, 'RATE_LIMITED');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      // Only two reset tokens were issued for the account.
      const events = await app
        .get(TenantContext)
        .run(acme.vendor.id, () =>
          app.get(OutboxRepository).list({ type: 'user.password_reset_requested', aggregateId: user.id, take: 100 }),
        );
      expect(events).toHaveLength(2);

      // Per address, whether the accounts exist or not (the answer reveals nothing about them).
      const ip = address();
      for (let i = 0; i < 4; i++) await reset(`someone-${i}@customer.example`, ip).expect(202);
      expectError(await reset('someone-else@customer.example', ip), 429, 'RATE_LIMITED');
      await reset('someone-else@customer.example', address()).expect(202);
    });

    it('refuses a portal access token in ?access_token= (credentials only in the Authorization header)', async () => {
      const user = await createPortalUser(app, acme);
      await http().get('/v1/me').set(user.auth).expect(200);
      expectError(await http().get('/v1/me').query({ access_token: user.accessToken }), 401, 'UNAUTHENTICATED');
    });
  });

  describe('without a trusted proxy (TRUST_PROXY=0, the default)', () => {
    beforeAll(async () => {
      app = await createTestAppWithEnv(PortalLicensingTestModule, PORTAL_API, { ...LIMITS, TRUST_PROXY: '0' });
      acme = await createVendor(app, 'Acme');
    });
    afterAll(() => app.close());

    it('ignores X-Forwarded-For: a forged header does not escape the per-address limit', async () => {
      for (let i = 0; i < 5; i++)
        await login(acme, `nobody-${i}@customer.example`, 'wrong-password', address()).expect(401);
      const user = await createPortalUser(app, acme);
      expectError(await login(acme, user.email, user.password, address()), 429, 'RATE_LIMITED');
    });
  });
});
