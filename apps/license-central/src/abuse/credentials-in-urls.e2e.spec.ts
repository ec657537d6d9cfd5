import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { ConfigService } from '@leasehold/config';
import {
  createPersonalContainerViaApi,
  createProductViaApi,
  createTestApp,
  createVendor,
  dbOf,
  expectError,
  TestVendor,
} from '@leasehold/testing';
import { LICENSE_CENTRAL_API } from '../api-info';
import { AppModule } from '../app.module';

// As the abuse: credentials sent in the URL (`?access_token=`, a passport-http-bearer
// default) or in the body end up in proxy logs and browser history. Every credential is accepted
// in the Authorization header only.
describe('credentials only in the Authorization header (license-central)', () => {
  let app: INestApplication;
  let acme: TestVendor;
  let device: { secret: string; device: { Authorization: string } };
  let operatorToken: string;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    app = await createTestApp(AppModule, LICENSE_CENTRAL_API);
    acme = await createVendor(app, 'Acme');
    await createProductViaApi(http, acme, []);
    device = await createPersonalContainerViaApi(http, dbOf(app), acme);
    operatorToken = app.get(ConfigService).get('OPERATOR_TOKEN');
  });
  afterAll(() => app.close());

  it('refuses a vendor API key in ?access_token= (and in the body) with 401 UNAUTHENTICATED', async () => {
    await http().get('/v1/products').set(acme.auth).expect(200);
    expectError(await http().get('/v1/products').query({ access_token: acme.apiKey.secret }), 401, 'UNAUTHENTICATED');
    expectError(
      await http().post('/v1/api-keys').send({ name: 'x', access_token: acme.apiKey.secret }),
      401,
      'UNAUTHENTICATED',
    );
  });

  it('refuses a container secret in ?access_token= on a device route and on a hot (device-token) route', async () => {
    await http()
      .get('/client/v1/license-file')
      .set(device.device)
      .expect((res) => expect(res.status).not.toBe(401));
    expectError(
      await http().get('/client/v1/license-file').query({ access_token: device.secret }),
      401,
      'UNAUTHENTICATED',
    );
    expectError(
      await http().post('/client/v1/validate').query({ access_token: device.secret }).send({ fingerprint: 'fp-url-1' }),
      401,
      'UNAUTHENTICATED',
    );
    expectError(
      await http().post('/client/v1/validate').send({ fingerprint: 'fp-url-1', access_token: device.secret }),
      401,
      'UNAUTHENTICATED',
    );
  });

  it('refuses the operator token in ?access_token=', async () => {
    await http()
      .get('/operator/v1/vendors')
      .set({ Authorization: `Bearer ${operatorToken}` })
      .expect(200);
    expectError(
      await http().get('/operator/v1/vendors').query({ access_token: operatorToken }),
      401,
      'UNAUTHENTICATED',
    );
  });
});
