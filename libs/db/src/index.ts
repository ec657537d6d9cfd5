// The database, one folder per concern:
// - client/   the Prisma client (PrismaService, DbModule), database errors as domain errors, UUIDv7
// - tenancy/  the tenant (vendor) of the request and the Prisma extension that scopes every query to it
// - pool/     PgPool, the one pg pool: raw SQL, prepared statements, transactions, advisory locks
// - paging/   cursor pagination: repository arguments, the page query and page shapes, paginate()
// The migration runner is a lib of its own (@leasehold/db-migrations): only the deploy job and the
// test setup apply migrations, the apps never do.
export * from './client/db.module';
export * from './client/prisma.service';
export * from './client/prisma-errors';
export * from './client/constraint-violations';
export * from './client/uuid';
export * from './tenancy/tenant-context';
export * from './tenancy/tenant-prisma';
export * from './tenancy/tenant-scope.extension';
export * from './pool/pg-pool';
export * from './pool/statement-batch';
export * from './paging/cursor-page';
export * from './paging/pagination';
// Model types (Vendor, ApiKey, …) and enums for repositories; services use their own view types.
export * from './generated/prisma/client';
