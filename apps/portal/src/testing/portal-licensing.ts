import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import {
  createTestApp,
  createVendor,
  dbOf,
  Http,
  InsertedProduct,
  insertProduct,
  TestPortalUser,
  TestVendor,
} from '@leasehold/testing';
import { PORTAL_API } from '../api-info';
import { PortalLicensingTestModule } from './portal-test-module';

// The set-up the portal's licensing e2e specs (containers, devices, sessions, usage) share: the
// portal with the vendor registry, the vendor Acme with a product, and a second vendor, Other,
// whose groups must stay out of sight. Each spec builds its own groups, containers and licenses.

/** One entry of a group's audit log, as GET /v1/group/audit lists it. */
export type GroupAuditEntry = { action: string } & Record<string, unknown>;

export class PortalLicensing {
  app!: INestApplication;
  acme!: TestVendor;
  other!: TestVendor;
  /** Acme's product, with the features export-pdf and print. */
  product!: InsertedProduct;

  readonly http: Http = () => request(this.app.getHttpServer());

  /** The audit log's entries on one entity, as the group admin `admin` reads them (GET /v1/group/audit, 200). */
  readonly auditTrail = async (
    admin: TestPortalUser,
    entityType: string,
    entityId: string,
  ): Promise<GroupAuditEntry[]> =>
    (await this.http().get('/v1/group/audit').query({ entityType, entityId }).set(admin.auth).expect(200)).body.data;
}

/** The portal with the vendors Acme (and its product) and Other, made before the describe block's tests and closed after them. */
export function usePortalLicensing(): PortalLicensing {
  const portal = new PortalLicensing();
  beforeAll(async () => {
    portal.app = await createTestApp(PortalLicensingTestModule, PORTAL_API);
    portal.acme = await createVendor(portal.app, 'Acme');
    portal.other = await createVendor(portal.app, 'Other');
    portal.product = await insertProduct(dbOf(portal.app), portal.acme);
  });
  afterAll(() => portal.app.close());
  return portal;
}
