import { randomUUID } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { PrismaClient, PrismaService } from '@leasehold/db';
import { TestVendor, uniqueCode } from '@leasehold/testing';

// Fixtures for containers, licenses and devices. Groups and users have no vendor route in
// license-central yet, so they are inserted directly; containers, licenses and devices go through the API.

type Db = Pick<PrismaClient, 'group' | 'user'>;

let standalone: PrismaClient | undefined;

/** A database client for fixtures that have no app at hand (the tenant-isolation registry). */
export function fixtureDb(): Db {
  standalone ??= new PrismaClient({
    adapter: new PrismaPg({ connectionString: process.env['DATABASE_URL'], max: 1, idleTimeoutMillis: 500, allowExitOnIdle: true }),
  });
  return standalone;
}

export const dbOf = (app: INestApplication): Db => app.get(PrismaService);

export async function insertGroup(db: Db, vendorId: string): Promise<string> {
  return (await db.group.create({ data: { vendorId, name: `Group ${randomUUID().slice(0, 6)}` } })).id;
}

export async function insertUser(db: Db, vendorId: string, groupId: string | null = null): Promise<string> {
  const email = `${randomUUID().slice(0, 8)}@example.test`;
  return (await db.user.create({ data: { vendorId, email, name: 'Jane Doe', groupId, role: groupId ? 'MEMBER' : null } })).id;
}

export interface ProductFixture {
  productId: string;
  code: string;
  features: string[];
}

export async function createProduct(http: () => ReturnType<typeof request>, vendor: TestVendor, features = ['export-pdf', 'print']): Promise<ProductFixture> {
  const code = uniqueCode('product');
  const product = await http().post('/v1/products').set(vendor.auth).send({ code, name: 'Product' }).expect(201);
  for (const feature of features) {
    await http().post(`/v1/products/${product.body.id}/features`).set(vendor.auth).send({ code: feature, name: feature }).expect(201);
  }
  return { productId: product.body.id as string, code, features };
}

export interface ContainerFixture {
  containerId: string;
  secret: string;
  device: { Authorization: string };
  userId: string | null;
  groupId: string | null;
}

export async function createPersonalContainer(
  http: () => ReturnType<typeof request>,
  db: Db,
  vendor: TestVendor,
  options: { deviceLimit?: number; groupId?: string | null } = {},
): Promise<ContainerFixture> {
  const userId = await insertUser(db, vendor.vendor.id, options.groupId ?? null);
  const res = await http()
    .post('/v1/containers')
    .set(vendor.auth)
    .send({ kind: 'PERSONAL', name: 'Personal', userId, ...(options.deviceLimit ? { deviceLimit: options.deviceLimit } : {}) });
  if (res.status !== 201) throw new Error(`container: ${res.status} ${res.text}`);
  return { containerId: res.body.id, secret: res.body.secret, device: { Authorization: `Bearer ${res.body.secret}` }, userId, groupId: res.body.groupId };
}

export async function createEnterpriseContainer(http: () => ReturnType<typeof request>, vendor: TestVendor, groupId: string): Promise<ContainerFixture> {
  const res = await http().post('/v1/containers').set(vendor.auth).send({ kind: 'ENTERPRISE', name: 'Central server', groupId });
  if (res.status !== 201) throw new Error(`container: ${res.status} ${res.text}`);
  return { containerId: res.body.id, secret: res.body.secret, device: { Authorization: `Bearer ${res.body.secret}` }, userId: null, groupId };
}
