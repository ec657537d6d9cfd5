import { createVendor, uniqueCode } from '@leasehold/testing';
import { createVendorClient, idempotencyKey } from '@leasehold/vendor-client';
import { RunningServer, startLicenseCentral } from '../testing/sdk-world';

// The typed vendor API client (openapi-fetch over the generated types) against a running
// license-central: the calls a vendor's back end makes, typed answers and typed error codes.

describe('@leasehold/vendor-client', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startLicenseCentral();
  });
  afterAll(async () => {
    await server.close();
  }, 60_000);

  it('creates a product, a container and a license, lists with typed query parameters, and reads typed errors', async () => {
    const vendor = await createVendor(server.app);
    const leasehold = createVendorClient({ baseUrl: server.url, apiKey: vendor.apiKey.secret });
    const code = uniqueCode('cargo');

    const product = await leasehold.POST('/v1/products', { body: { code, name: 'Cargo Office', description: null } });
    expect(product.response.status).toBe(201);
    const productId: string = product.data!.id;
    expect(product.data).toMatchObject({ code, name: 'Cargo Office' });

    const again = await leasehold.POST('/v1/products', { body: { code, name: 'Twice' } });
    expect(again.data).toBeUndefined();
    expect(again.error?.error.code).toBe('PRODUCT_CODE_TAKEN');
    expect(again.response.status).toBe(409);

    const listed = await leasehold.GET('/v1/products', { params: { query: { limit: 1 } } });
    expect(listed.data!.data.map((p) => p.id)).toEqual([productId]);

    const group = await leasehold.POST('/v1/groups', { body: { name: 'Acme GmbH' } });
    const container = await leasehold.POST('/v1/containers', {
      body: { kind: 'ENTERPRISE', name: 'Central server', groupId: group.data!.id },
    });
    expect(container.data!.secret).toMatch(/^lhc_/);
    const key = idempotencyKey();
    const license = await leasehold.POST('/v1/containers/{containerId}/licenses', {
      params: { path: { containerId: container.data!.id }, header: { 'Idempotency-Key': key } },
      body: { productId, quantity: 5 },
    });
    expect(license.response.status).toBe(201);
    const replay = await leasehold.POST('/v1/containers/{containerId}/licenses', {
      params: { path: { containerId: container.data!.id }, header: { 'Idempotency-Key': key } },
      body: { productId, quantity: 5 },
    });
    expect([replay.data!.id, replay.response.headers.get('idempotent-replayed')]).toEqual([license.data!.id, 'true']);

    const revoked = await leasehold.POST('/v1/licenses/{licenseId}/revoke', {
      params: { path: { licenseId: license.data!.id } },
    });
    expect(revoked.data!.status).toBe('REVOKED');
    const notFound = await leasehold.GET('/v1/licenses/{licenseId}', {
      params: { path: { licenseId: '00000000-0000-7000-8000-000000000000' } },
    });
    expect(notFound.error?.error.code).toBe('NOT_FOUND');

    // The compiler checks bodies and parameters against the spec (type-checked, never called).
    const typeChecksOnly = () => [
      leasehold.POST('/v1/containers/{containerId}/licenses', {
        params: { path: { containerId: 'x' } },
        // @ts-expect-error quantity is a number
        body: { productId, quantity: 'five' },
      }),
      // @ts-expect-error no such route
      leasehold.GET('/v1/no-such-route'),
    ];
    expect(typeof typeChecksOnly).toBe('function');
  });
});
