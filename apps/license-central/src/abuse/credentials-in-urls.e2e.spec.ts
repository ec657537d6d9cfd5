import { ConfigService } from '@leasehold/config';
import { ApiContainer, expectError } from '@leasehold/testing';
import { ClientApiWorld, useClientApiWorld } from '../client/client-api.fixture';

// As the abuse: credentials sent in the URL (`?access_token=`, a passport-http-bearer
// default) or in the body end up in proxy logs and browser history. Every credential is accepted
// in the Authorization header only.
describe('credentials only in the Authorization header (license-central)', () => {
  const world = useClientApiWorld(new ClientApiWorld([]));
  const { http } = world;
  let device: ApiContainer;
  let operatorToken: string;

  beforeAll(async () => {
    device = await world.personalContainer();
    operatorToken = world.app.get(ConfigService).get('OPERATOR_TOKEN');
  });

  it('refuses a vendor API key in ?access_token= (and in the body) with 401 UNAUTHENTICATED', async () => {
    await http().get('/v1/products').set(world.acme.auth).expect(200);
    expectError(
      await http().get('/v1/products').query({ access_token: world.acme.apiKey.secret }),
      401,
      'UNAUTHENTICATED',
    );
    expectError(
      await http().post('/v1/api-keys').send({ name: 'x', access_token: world.acme.apiKey.secret }),
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
