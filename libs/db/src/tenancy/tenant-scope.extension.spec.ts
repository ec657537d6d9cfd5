import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Test, TestingModule } from '@nestjs/testing';
import { ConfigModule } from '@leasehold/config';
import { DbModule } from '../client/db.module';
import { isRecordNotFound } from '../client/prisma-errors';
import { PrismaService } from '../client/prisma.service';
import { TenantContext } from './tenant-context';
import { TenantPrisma } from './tenant-prisma';
import { scopeArgs, TENANT_MODELS } from './tenant-scope.extension';

const A = '0190a000-0000-7000-8000-00000000000a';
const B = '0190b000-0000-7000-8000-00000000000b';

describe('scopeArgs', () => {
  it('filters every read, update and delete by the current vendor', () => {
    for (const operation of [
      'findUnique',
      'findFirst',
      'findMany',
      'count',
      'aggregate',
      'groupBy',
      'update',
      'updateMany',
      'delete',
      'deleteMany',
    ]) {
      expect(scopeArgs(operation, { where: { id: 'p1' } }, A).where).toEqual({ id: 'p1', vendorId: A });
    }
  });

  it('adds a filter when the query has none, so "all rows" means all of this vendor\'s rows', () => {
    expect(scopeArgs('findMany', {}, A)).toEqual({ where: { vendorId: A } });
    expect(scopeArgs('deleteMany', {}, A)).toEqual({ where: { vendorId: A } });
  });

  it('keeps the rest of the query as it was', () => {
    const args = { where: { code: 'x' }, take: 5, orderBy: { id: 'asc' } };
    expect(scopeArgs('findMany', args, A)).toEqual({
      where: { code: 'x', vendorId: A },
      take: 5,
      orderBy: { id: 'asc' },
    });
    expect(args.where).toEqual({ code: 'x' }); // the caller's object is not changed
  });

  it('stamps the vendor on created rows', () => {
    expect(scopeArgs('create', { data: { code: 'x' } }, A).data).toEqual({ code: 'x', vendorId: A });
    expect(scopeArgs('createMany', { data: [{ code: 'x' }, { code: 'y' }] }, A).data).toEqual([
      { code: 'x', vendorId: A },
      { code: 'y', vendorId: A },
    ]);
    expect(scopeArgs('createManyAndReturn', { data: { code: 'x' } }, A).data).toEqual({ code: 'x', vendorId: A });
    const upsert = scopeArgs('upsert', { where: { id: 'p1' }, create: { code: 'x' }, update: { name: 'n' } }, A);
    expect(upsert).toEqual({
      where: { id: 'p1', vendorId: A },
      create: { code: 'x', vendorId: A },
      update: { name: 'n' },
    });
  });

  it('accepts a query that already names the current vendor', () => {
    expect(scopeArgs('findMany', { where: { vendorId: A } }, A).where).toEqual({ vendorId: A });
    expect(scopeArgs('create', { data: { vendorId: A, code: 'x' } }, A).data).toEqual({ vendorId: A, code: 'x' });
  });

  it('refuses a query that names another vendor, in a filter or in data', () => {
    expect(() => scopeArgs('findMany', { where: { vendorId: B } }, A)).toThrow(/Tenant scope violation/);
    expect(() => scopeArgs('findMany', { where: { vendorId: { in: [A, B] } } }, A)).toThrow(/Tenant scope violation/);
    expect(() => scopeArgs('create', { data: { vendorId: B } }, A)).toThrow(/Tenant scope violation/);
    expect(() => scopeArgs('createMany', { data: [{ vendorId: A }, { vendorId: B }] }, A)).toThrow(
      /Tenant scope violation/,
    );
    expect(() => scopeArgs('upsert', { where: { id: 'p1' }, create: { vendorId: B }, update: {} }, A)).toThrow(
      /Tenant scope violation/,
    );
  });

  it('refuses an update that would move rows to another vendor', () => {
    for (const operation of ['update', 'updateMany', 'updateManyAndReturn']) {
      expect(() => scopeArgs(operation, { where: { id: 'p1' }, data: { vendorId: B } }, A)).toThrow(
        /Tenant scope violation/,
      );
    }
    expect(() => scopeArgs('upsert', { where: { id: 'p1' }, create: {}, update: { vendorId: B } }, A)).toThrow(
      /Tenant scope violation/,
    );
    expect(scopeArgs('update', { where: { id: 'p1' }, data: { name: 'n' } }, A).data).toEqual({ name: 'n' });
  });
});

describe('TENANT_MODELS', () => {
  it('is exactly the set of models in schema.prisma that carry a vendorId', () => {
    const schema = readFileSync(path.join(__dirname, '../../../../prisma/schema.prisma'), 'utf8');
    const models = [...schema.matchAll(/^model\s+(\w+)\s*\{([\s\S]*?)^\}/gm)].map(([, name, body]) => ({ name, body }));
    expect(models.length).toBeGreaterThan(3);
    const withVendorId = models.filter((m) => /^\s*vendorId\s/m.test(m.body)).map((m) => m.name);
    expect(withVendorId).toContain('Product');
    expect([...TENANT_MODELS].sort()).toEqual(withVendorId.sort());
  });
});

describe('tenant-scoped Prisma client (real Postgres)', () => {
  let moduleRef: TestingModule;
  let prisma: PrismaService;
  let tenant: TenantContext;
  let db: TenantPrisma;
  let productA: string;
  let productB: string;

  beforeAll(async () => {
    moduleRef = await Test.createTestingModule({ imports: [ConfigModule, DbModule] }).compile();
    await moduleRef.init();
    prisma = moduleRef.get(PrismaService);
    tenant = moduleRef.get(TenantContext);
    db = moduleRef.get(TenantPrisma);
    await prisma.vendor.createMany({
      data: [
        { id: A, slug: `a-${randomUUID().slice(0, 8)}`, name: 'Vendor A' },
        { id: B, slug: `b-${randomUUID().slice(0, 8)}`, name: 'Vendor B' },
      ],
    });
    productA = (await prisma.product.create({ data: { vendorId: A, code: 'office', name: 'A Office' } })).id;
    productB = (await prisma.product.create({ data: { vendorId: B, code: 'office', name: 'B Office' } })).id;
    await prisma.product.create({ data: { vendorId: B, code: 'cad', name: 'B CAD' } });
  });
  afterAll(() => moduleRef.close());

  const asA = <T>(fn: () => Promise<T>) => tenant.run(A, fn);

  it("lists only the current vendor's rows", async () => {
    const products = await asA(() => db.client.product.findMany());
    expect(products.map((p) => p.name)).toEqual(['A Office']);
    expect(await asA(() => db.client.product.count())).toBe(1);
    expect(await tenant.run(B, () => db.client.product.count())).toBe(2);
  });

  it("finds nothing by another vendor's id or unique key", async () => {
    expect(
      await asA(() => db.client.product.findUnique({ where: { vendorId_id: { vendorId: B, id: productB } } })),
    ).toBeNull();
    expect(
      await asA(() => db.client.product.findUnique({ where: { vendorId_code: { vendorId: B, code: 'office' } } })),
    ).toBeNull();
    expect(
      await asA(() => db.client.product.findUnique({ where: { vendorId_id: { vendorId: A, id: productA } } })),
    ).toMatchObject({
      name: 'A Office',
    });
  });

  it("cannot update or delete another vendor's row", async () => {
    const update = await asA(() =>
      db.client.product.update({ where: { vendorId_id: { vendorId: B, id: productB } }, data: { name: 'hijacked' } }),
    ).catch((e: unknown) => e);
    expect(isRecordNotFound(update)).toBe(true);
    expect(
      await asA(() => db.client.product.updateMany({ where: { id: productB }, data: { name: 'hijacked' } })),
    ).toEqual({ count: 0 });
    const remove = await asA(() =>
      db.client.product.delete({ where: { vendorId_id: { vendorId: B, id: productB } } }),
    ).catch((e: unknown) => e);
    expect(isRecordNotFound(remove)).toBe(true);
    expect(await asA(() => db.client.product.deleteMany({ where: { vendorId: A, id: productB } }))).toEqual({
      count: 0,
    });

    expect(await prisma.product.findUnique({ where: { vendorId_id: { vendorId: B, id: productB } } })).toMatchObject({
      vendorId: B,
      name: 'B Office',
    });
  });

  it('refuses to create a row for another vendor or move its own row to one', async () => {
    await expect(
      asA(() => db.client.product.create({ data: { vendorId: B, code: 'sneaky', name: 'x' } })),
    ).rejects.toThrow(/Tenant scope violation/);
    await expect(
      asA(() =>
        db.client.product.update({ where: { vendorId_id: { vendorId: A, id: productA } }, data: { vendorId: B } }),
      ),
    ).rejects.toThrow(/Tenant scope violation/);
    expect(await prisma.product.count({ where: { code: 'sneaky' } })).toBe(0);
    expect(await prisma.product.findUnique({ where: { vendorId_id: { vendorId: A, id: productA } } })).toMatchObject({
      vendorId: A,
    });
  });

  it('refuses to query a tenant table outside any tenant', async () => {
    await expect(db.client.product.findMany()).rejects.toThrow(/No tenant in context/);
    await expect(db.client.product.deleteMany()).rejects.toThrow(/No tenant in context/);
    expect(await prisma.product.count()).toBe(3);
  });

  it('leaves tables that belong to no tenant alone', async () => {
    expect(await db.client.vendor.count({ where: { id: { in: [A, B] } } })).toBe(2);
  });
});
