import { Test, TestingModule } from '@nestjs/testing';
import { ConfigModule } from '@leasehold/config';
import { DomainError } from '@leasehold/errors';
import { databaseErrorInfo, domainErrorForDatabaseError } from './constraint-violations';
import { DbModule } from './db.module';
import { PgPool } from '../pool/pg-pool';
import { PrismaService } from './prisma.service';
import { uuidV7 } from './uuid';

// What real Postgres errors, raised through Prisma (pg driver adapter) and
// through PgPool (node-postgres), become. Real statements on the worker's own database.

describe('database errors as domain errors', () => {
  let moduleRef: TestingModule;
  let pg: PgPool;
  let prisma: PrismaService;

  beforeAll(async () => {
    moduleRef = await Test.createTestingModule({ imports: [ConfigModule, DbModule] }).compile();
    await moduleRef.init();
    pg = moduleRef.get(PgPool);
    prisma = moduleRef.get(PrismaService);
  });
  afterAll(() => moduleRef.close());

  const failure = async (statement: PromiseLike<unknown>): Promise<unknown> =>
    Promise.resolve(statement).then(
      () => new Error('did not fail'),
      (error: unknown) => error,
    );
  const mapped = (error: unknown) => {
    const domain = domainErrorForDatabaseError(error);
    return domain ? { code: domain.code, status: domain.status, details: domain.details } : undefined;
  };

  /** A vendor with a product that a license uses (RESTRICT foreign key licenses → products). */
  async function productInUse(): Promise<{ vendorId: string; productId: string }> {
    const vendor = await prisma.vendor.create({
      data: { slug: `cv-${uuidV7().slice(-12)}`, name: 'Constraint vendor' },
    });
    const product = await prisma.product.create({ data: { vendorId: vendor.id, code: 'p', name: 'P' } });
    const container = await prisma.container.create({
      data: { vendorId: vendor.id, kind: 'ENTERPRISE', name: 'C', credentialHash: uuidV7(), credentialPrefix: 'x' },
    });
    await prisma.license.create({
      data: { vendorId: vendor.id, containerId: container.id, productId: product.id, quantity: 1 },
    });
    return { vendorId: vendor.id, productId: product.id };
  }

  it('deleting a product that licenses use is PRODUCT_IN_USE, through Prisma and through pg', async () => {
    const { productId } = await productInUse();
    const viaPrisma = await failure(prisma.product.deleteMany({ where: { id: productId } }));
    expect(databaseErrorInfo(viaPrisma)).toMatchObject({
      sqlState: '23503',
      constraint: 'licenses_vendorId_productId_fkey',
    });
    expect(mapped(viaPrisma)).toEqual({ code: 'PRODUCT_IN_USE', status: 409, details: { reason: 'IN_USE' } });

    const viaPg = await failure(pg.sql.$executeRaw`DELETE FROM products WHERE id = ${productId}::uuid`);
    expect(mapped(viaPg)).toEqual({ code: 'PRODUCT_IN_USE', status: 409, details: { reason: 'IN_USE' } });
    expect(await prisma.product.count({ where: { id: productId } })).toBe(1);
  });

  it('a reference to a missing row is CONFLICT (REFERENCE_MISSING); a duplicate is its domain code or CONFLICT', async () => {
    const { vendorId } = await productInUse();
    const missing = await failure(
      prisma.feature.create({ data: { vendorId, productId: uuidV7(), code: 'f', name: 'F' } }),
    );
    expect(mapped(missing)).toEqual({ code: 'CONFLICT', status: 409, details: { reason: 'REFERENCE_MISSING' } });

    const duplicate = await failure(prisma.product.create({ data: { vendorId, code: 'p', name: 'Again' } }));
    expect(mapped(duplicate)).toMatchObject({ code: 'PRODUCT_CODE_TAKEN', status: 409 });
    const rawDuplicate = await failure(
      pg.sql
        .$executeRaw`INSERT INTO products (id, "vendorId", code, name, "updatedAt") VALUES (${uuidV7()}::uuid, ${vendorId}::uuid, 'p', 'x', now())`,
    );
    expect(mapped(rawDuplicate)).toMatchObject({ code: 'PRODUCT_CODE_TAKEN', status: 409 });
  });

  it('bad values (a NUL byte, a malformed uuid, an out-of-range number) are VALIDATION_FAILED', async () => {
    for (const statement of [
      pg.sql.$queryRaw`SELECT ${'a\u0000b'}::text`,
      pg.sql.$queryRaw`SELECT ${'not-a-uuid'}::uuid`,
      pg.sql.$queryRaw`SELECT ${'99999999999'}::int`,
      prisma.$queryRaw`SELECT ${'not-a-uuid'}::uuid`,
    ]) {
      expect(mapped(await failure(statement))).toEqual({
        code: 'VALIDATION_FAILED',
        status: 400,
        details: { reason: 'BAD_VALUE' },
      });
    }
  });

  it('leaves everything else alone (a 500 the filter answers without SQL)', async () => {
    const syntax = await failure(pg.sql.$queryRaw`SELECT FROM WHERE ${1}`);
    expect(databaseErrorInfo(syntax)).toMatchObject({ sqlState: '42601' });
    expect(domainErrorForDatabaseError(syntax)).toBeUndefined();
    expect(domainErrorForDatabaseError(new Error('boom'))).toBeUndefined();
    expect(domainErrorForDatabaseError(new DomainError('NOT_FOUND', 'x'))).toBeUndefined();
  });
});
