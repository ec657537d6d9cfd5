import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { TenantContext } from '@leasehold/db';
import { OutboxRepository } from '@leasehold/domain-events';
import { createTestApp, createVendor, Http, TestVendor, uniqueCode } from '@leasehold/testing';
import { LICENSE_CENTRAL_API } from '../api-info';
import { AppModule } from '../app.module';

// The set-up the customers.*.e2e.spec.ts files (groups and users, audit) share: license-central,
// the vendor Acme whose key they call the vendor API with, and a second vendor, Other, whose
// groups and users must stay out of Acme's sight.

export class CustomersApi {
  app!: INestApplication;
  acme!: TestVendor;
  other!: TestVendor;

  readonly http: Http = () => request(this.app.getHttpServer());

  /** A new group of `vendor` (Acme unless told), as POST /v1/groups answers it. */
  readonly newGroup = async (vendor = this.acme, name = 'Customer Ltd') =>
    (await this.http().post('/v1/groups').set(vendor.auth).send({ name }).expect(201)).body;

  /** A new (invited) user of `vendor` (Acme unless told) with a unique email, as POST /v1/users answers it. */
  readonly newUser = async (body: Record<string, unknown> = {}, vendor = this.acme) =>
    (
      await this.http()
        .post('/v1/users')
        .set(vendor.auth)
        .send({ email: `${uniqueCode('u')}@customer.example`, name: 'User', ...body })
        .expect(201)
    ).body.user;

  /** The outbox events of one type on an aggregate of `vendor` (Acme unless told). */
  readonly events = (type: string, aggregateId: string, vendor = this.acme) =>
    this.app
      .get(TenantContext)
      .run(vendor.vendor.id, () => this.app.get(OutboxRepository).list({ type, aggregateId, take: 10 }));
}

/** license-central with the vendors Acme and Other, made before the describe block's tests and closed after them. */
export function useCustomersApi(): CustomersApi {
  const api = new CustomersApi();
  beforeAll(async () => {
    api.app = await createTestApp(AppModule, LICENSE_CENTRAL_API);
    api.acme = await createVendor(api.app, 'Acme');
    api.other = await createVendor(api.app, 'Other');
  });
  afterAll(() => api.app.close());
  return api;
}
