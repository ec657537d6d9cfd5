import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { ConfigService } from '@leasehold/config';
import {
  createTestApp,
  createVendor,
  FUZZ_RUNS,
  FUZZ_SEED,
  listenLocally,
  readOperations,
  TestVendor,
  uniqueCode,
  walkOperation,
  WalkContext,
} from '@leasehold/testing';
import { LICENSE_CENTRAL_API } from './api-info';
import { AppModule } from './app.module';
import { FixtureContext, RESOURCE_FACTORIES } from './testing/tenant-fixtures';

// Every operation of docs/openapi/license-central.json, called with generated hostile
// requests (libs/testing/src/hostile-requests.ts), answers a success or a 4xx in the error
// envelope — never a 5xx. Fixed seed; LEASEHOLD_FUZZ_RUNS / LEASEHOLD_FUZZ_SEED for larger runs.

const { operations, resolve } = readOperations('docs/openapi/license-central.json');

jest.setTimeout(600_000);

describe(`hostile requests on every license-central operation (${FUZZ_RUNS} per operation, seed ${FUZZ_SEED})`, () => {
  let app: INestApplication;
  let baseUrl: string;
  let ctx: WalkContext;

  beforeAll(async () => {
    app = await createTestApp(AppModule, LICENSE_CENTRAL_API);
    baseUrl = await listenLocally(app);
    const http = () => request(app.getHttpServer());
    const vendor: TestVendor = await createVendor(app, 'Fuzzed');
    const victim = await createVendor(app, 'Operator target'); // the operator routes may suspend it

    // Real ids of this vendor for every path parameter (the tenant-isolation factories), so that
    // hostile requests reach the services and the database, not only the 404 of a random id.
    const made = new Map<string, Promise<string>>();
    const fixtures: FixtureContext = {
      http,
      auth: vendor.auth,
      vendor,
      id: (param) => {
        if (!made.has(param)) made.set(param, RESOURCE_FACTORIES[param](fixtures));
        return made.get(param)!;
      },
    };
    const realIds: Record<string, string[]> = {};
    for (const param of Object.keys(RESOURCE_FACTORIES)) realIds[param] = [await fixtures.id(param)];

    // The licensed program: an enterprise container with a license, a seat held by one device.
    const container = await http()
      .post('/v1/containers')
      .set(vendor.auth)
      .send({ kind: 'ENTERPRISE', name: 'Fuzzed seats', groupId: await fixtures.id('groupId') })
      .expect(201);
    const license = await http()
      .post(`/v1/containers/${container.body.id}/licenses`)
      .set(vendor.auth)
      .send({ productId: await fixtures.id('productId'), quantity: 5 })
      .expect(201);
    const device = { Authorization: `Bearer ${container.body.secret as string}` };
    const fingerprint = uniqueCode('fp');
    const lease = await http()
      .post('/client/v1/seats/checkout')
      .set(device)
      .send({ licenseId: license.body.id, fingerprint })
      .expect(201);
    realIds['leaseId'].push(lease.body.leaseId);
    realIds['licenseId'].push(license.body.id);
    realIds['containerId'].push(container.body.id);
    realIds['fingerprint'] = [fingerprint];
    realIds['vendorId'] = [victim.vendor.id];
    realIds['product'] = [
      (
        await http()
          .get(`/v1/products/${await fixtures.id('productId')}`)
          .set(vendor.auth)
          .expect(200)
      ).body.code,
    ];

    ctx = {
      credentials: {
        'vendor-key': vendor.auth.Authorization,
        device: device.Authorization,
        operator: `Bearer ${app.get(ConfigService).get('OPERATOR_TOKEN')}`,
      },
      realIds,
      resolve,
    };
  });
  afterAll(() => app?.close());

  it('reads the whole exported document', () => {
    expect(operations.length).toBeGreaterThan(80);
    expect(new Set(operations.map((o) => o.scheme))).toEqual(new Set(['vendor-key', 'device', 'operator', null]));
  });

  operations.forEach((operation, index) => {
    it(`${operation.key}: never a 5xx, every 4xx in the error envelope`, async () => {
      await walkOperation(baseUrl, operation, ctx, index);
    });
  });
});
