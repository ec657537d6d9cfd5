import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { PrismaService } from '@leasehold/db';
import {
  ApiProduct,
  createEnterpriseContainerViaApi,
  createPersonalContainerViaApi,
  createProductViaApi,
  createTestApp,
  createVendor,
  dbOf,
  insertGroup,
  TestVendor,
} from '@leasehold/testing';
import { LICENSE_CENTRAL_API } from '../api-info';
import { AppModule } from '../app.module';

/**
 * license-central with vendor Acme and one product, which the client API's specs (and other
 * license-central e2e specs) seed their containers and licenses from (license-edges.fixture,
 * validation.fixture). Each spec file starts from an emptied database (tools/jest/per-file.ts), so
 * each boots its own app and Acme.
 */
export class ClientApiWorld {
  app!: INestApplication;
  acme!: TestVendor;
  product!: ApiProduct;
  prisma!: PrismaService;

  /** @param productFeatures the features of Acme's product (createProductViaApi's default unless told) */
  constructor(private readonly productFeatures?: string[]) {}

  async start(): Promise<void> {
    this.app = await createTestApp(AppModule, LICENSE_CENTRAL_API);
    this.prisma = this.app.get(PrismaService);
    this.acme = await createVendor(this.app, 'Acme');
    this.product = await createProductViaApi(this.http, this.acme, this.productFeatures);
  }

  close(): Promise<void> {
    return this.app.close();
  }

  readonly http = () => request(this.app.getHttpServer());

  /** A vendor's public signing keys by key id (Acme's unless told), as a program fetches them to verify answers. */
  readonly publicKeys = async (vendorId = this.acme.vendor.id): Promise<Record<string, string>> => {
    const res = await this.http().get(`/client/v1/vendors/${vendorId}/signing-keys`).expect(200);
    return Object.fromEntries(
      (res.body.data as { keyId: string; publicKeyPem: string }[]).map((k) => [k.keyId, k.publicKeyPem]),
    );
  };

  /** A PERSONAL container of Acme's (of `vendor` if told), with its device credentials. */
  readonly personalContainer = ({
    vendor = this.acme,
    ...options
  }: { vendor?: TestVendor; deviceLimit?: number } = {}) =>
    createPersonalContainerViaApi(this.http, dbOf(this.app), vendor, options);

  /** An ENTERPRISE container of a new group of Acme's. */
  readonly enterpriseContainer = async () => {
    const groupId = await insertGroup(dbOf(this.app), this.acme.vendor.id);
    return { ...(await createEnterpriseContainerViaApi(this.http, this.acme, groupId)), groupId };
  };

  /** A license of the product (quantity 1 unless told) in one of Acme's containers; its id. */
  readonly addLicense = async (containerId: string, license: Record<string, unknown> = {}): Promise<string> => {
    const created = await this.http()
      .post(`/v1/containers/${containerId}/licenses`)
      .set(this.acme.auth)
      .send({ productId: this.product.productId, quantity: 1, ...license })
      .expect(201);
    return created.body.id as string;
  };
}

/** Boots `world` before the describe block's tests and closes it after them. */
export function useClientApiWorld<T extends ClientApiWorld>(world: T): T {
  beforeAll(() => world.start());
  afterAll(() => world.close());
  return world;
}
