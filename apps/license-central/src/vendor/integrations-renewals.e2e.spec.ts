import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { PrismaService, TenantContext } from '@leasehold/db';
import { RenewalsService } from '@leasehold/domain-renewals';
import { createTestApp, createVendor, TestVendor } from '@leasehold/testing';
import { LICENSE_CENTRAL_API } from '../api-info';
import { AppModule } from '../app.module';

describe('GET /v1/licenses/{licenseId}/renewals', () => {
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

  it("lists a license's renewals for its vendor only", async () => {
    const prisma = app.get(PrismaService);
    const vendorId = acme.vendor.id;
    const product = await prisma.product.create({ data: { vendorId, code: 'office', name: 'Office' } });
    const hash = randomBytes(16).toString('hex');
    const container = await prisma.container.create({
      data: { vendorId, kind: 'ENTERPRISE', name: 'C', credentialHash: hash, credentialPrefix: hash.slice(0, 12) },
    });
    await prisma.credentialRoute.create({
      data: { credentialHash: container.credentialHash, vendorId: container.vendorId, containerId: container.id },
    });
    const expiresAt = new Date(Date.now() + 5 * 86_400_000);
    const license = await prisma.license.create({
      data: {
        vendorId,
        containerId: container.id,
        productId: product.id,
        quantity: 2,
        expiresAt,
        renewalPolicy: 'AUTO',
        renewalTermDays: 30,
      },
    });

    expect((await http().get(`/v1/licenses/${license.id}/renewals`).set(acme.auth).expect(200)).body.data).toEqual([]);
    await app.get(TenantContext).run(vendorId, () => app.get(RenewalsService).check(license.id, expiresAt));
    const res = await http().get(`/v1/licenses/${license.id}/renewals`).set(acme.auth).expect(200);
    expect(res.body.data).toEqual([
      expect.objectContaining({
        licenseId: license.id,
        termEnd: expiresAt.toISOString(),
        policy: 'AUTO',
        status: 'SUCCEEDED',
      }),
    ]);

    await http().get(`/v1/licenses/${license.id}/renewals`).set(other.auth).expect(404);
    await http().get('/v1/licenses/not-a-uuid/renewals').set(acme.auth).expect(400);
    await http().get(`/v1/licenses/${license.id}/renewals`).query({ limit: 0 }).set(acme.auth).expect(400);
  });
});
