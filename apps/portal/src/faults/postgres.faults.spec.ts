import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import {
  appBehindCuttableDatabase,
  createPortalUser,
  createVendor,
  CuttableTcpProxy,
  expectError,
  waitFor,
} from '@leasehold/testing';
import { PORTAL_API } from '../api-info';
import { PortalLicensingTestModule } from '../testing/portal-test-module';

// Fault injection (docs/operations.md, "Postgres unreachable"): the portal's token check loads
// the user on every request; a database that is gone must not log valid users out (401).

describe('portal while Postgres is unreachable (fault injection)', () => {
  let app: INestApplication;
  let proxy: CuttableTcpProxy;
  let close: (() => Promise<void>) | undefined;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    ({ app, proxy, close } = await appBehindCuttableDatabase(PortalLicensingTestModule, PORTAL_API));
  });
  afterAll(async () => {
    await close?.();
  }, 30_000);

  it('answers a valid access token with 503 DATABASE_UNAVAILABLE (never 401), and serves again when the database returns', async () => {
    const vendor = await createVendor(app);
    const user = await createPortalUser(app, vendor);
    await http().get('/v1/me').set(user.auth).expect(200);

    proxy.cut();
    const me = await http().get('/v1/me').set(user.auth);
    expectError(me, 503, 'DATABASE_UNAVAILABLE');
    expect(Number(me.headers['retry-after'])).toBeGreaterThanOrEqual(1);

    proxy.restore();
    await waitFor(
      async () => (await http().get('/v1/me').set(user.auth)).status === 200,
      5_000,
      'the portal to answer again',
    );
  }, 30_000);
});
