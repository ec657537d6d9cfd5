import type { INestApplication } from '@nestjs/common';
import {
  activateDevice,
  checkout,
  createEnterpriseContainer,
  createGroupWithMembers,
  createLicense,
  createPersonalContainer,
  createPortalUser,
  createTestApp,
  createVendor,
  dbOf,
  FUZZ_RUNS,
  FUZZ_SEED,
  insertProduct,
  listenLocally,
  readOperations,
  WalkContext,
  walkOperation,
} from '@leasehold/testing';
import { PortalLicensingTestModule } from './testing/portal-test-module';
import { PORTAL_API } from './api-info';

// Every operation of docs/openapi/portal.json, called with generated hostile requests
// (libs/testing/src/hostile-requests.ts), answers a success or a 4xx in the error envelope —
// never a 5xx. Fixed seed; LEASEHOLD_FUZZ_RUNS / LEASEHOLD_FUZZ_SEED for larger runs.

const { operations, resolve } = readOperations('docs/openapi/portal.json');

jest.setTimeout(600_000);

describe(`hostile requests on every portal operation (${FUZZ_RUNS} per operation, seed ${FUZZ_SEED})`, () => {
  let app: INestApplication;
  let baseUrl: string;
  let ctx: WalkContext;

  beforeAll(async () => {
    app = await createTestApp(PortalLicensingTestModule, PORTAL_API);
    baseUrl = await listenLocally(app);
    const vendor = await createVendor(app, 'Fuzzed');
    const { groupId, users } = await createGroupWithMembers(app, vendor, ['ADMIN', 'MEMBER']);
    const [admin, member] = users;
    const outsider = await createPortalUser(app, vendor, { groupId: null });

    // Real ids in the admin's group, so hostile requests reach the services and the database.
    const product = await insertProduct(dbOf(app), vendor);
    const enterprise = await createEnterpriseContainer(app, vendor, groupId);
    const license = await createLicense(app, vendor, enterprise.id, { productId: product.id, quantity: 3 });
    const lease = await checkout(app, vendor, {
      containerId: enterprise.id,
      licenseId: license.id,
      fingerprint: 'fuzz-fp-1',
    });
    const personal = await createPersonalContainer(app, vendor, member.id);
    const device = await activateDevice(app, vendor, personal.id, 'fuzz-fp-2');

    ctx = {
      credentials: {
        'portal-jwt': admin.auth.Authorization,
        member: member.auth.Authorization,
        outsider: outsider.auth.Authorization,
      },
      realIds: {
        userId: [member.id, outsider.id],
        containerId: [enterprise.id, personal.id],
        licenseId: [license.id],
        leaseId: [lease.leaseId],
        deviceId: [device.id],
        vendor: [vendor.vendor.slug],
      },
      resolve,
    };
  });
  afterAll(() => app?.close());

  it('reads the whole exported document', () => {
    expect(operations.length).toBeGreaterThan(25);
    expect(new Set(operations.map((o) => o.scheme))).toEqual(new Set(['portal-jwt', null]));
  });

  operations.forEach((operation, index) => {
    it(`${operation.key}: never a 5xx, every 4xx in the error envelope`, async () => {
      await walkOperation(baseUrl, operation, ctx, index);
    });
  });
});
