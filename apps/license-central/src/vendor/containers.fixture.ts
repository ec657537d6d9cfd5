import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { PrismaService } from '@leasehold/db';
import { ApiProduct, createProductViaApi, createTestApp, createVendor, Http, TestVendor } from '@leasehold/testing';
import { LICENSE_CENTRAL_API } from '../api-info';
import { AppModule } from '../app.module';

// The set-up the containers.*.e2e.spec.ts files share: license-central and the vendor whose key
// they call the vendor API with.

export class ContainersApi {
  app!: INestApplication;
  acme!: TestVendor;
  /** Acme's product, with the features export-pdf and print. */
  product!: ApiProduct;

  readonly http: Http = () => request(this.app.getHttpServer());

  /** The types of the domain events written for an aggregate, oldest first. */
  readonly events = (aggregateId: string) =>
    this.app
      .get(PrismaService)
      .domainEvent.findMany({ where: { aggregateId }, orderBy: { id: 'asc' } })
      .then((rows) => rows.map((r) => r.type));

  /** The actions audited on an entity, oldest first. */
  readonly audits = (entityId: string) =>
    this.app
      .get(PrismaService)
      .auditEntry.findMany({ where: { entityId }, orderBy: { id: 'asc' } })
      .then((rows) => rows.map((r) => r.action));
}

/** license-central with the vendor Acme and its product, made before the describe block's tests and closed after them. */
export function useContainersApi(): ContainersApi {
  const api = new ContainersApi();
  beforeAll(async () => {
    api.app = await createTestApp(AppModule, LICENSE_CENTRAL_API);
    api.acme = await createVendor(api.app, 'Acme');
    api.product = await createProductViaApi(api.http, api.acme);
  });
  afterAll(() => api.app.close());
  return api;
}
