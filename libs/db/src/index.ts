export * from './db.module';
export * from './migrations/migration-runner';
export * from './prisma-errors';
export * from './constraint-violations';
export * from './pg-pool';
export * from './prisma.service';
export * from './uuid';
export * from './tenant-context';
export * from './tenant-prisma';
export * from './tenant-scope.extension';
// Model types (Vendor, ApiKey, …) and enums for repositories; services use their own view types.
export * from './generated/prisma/client';
export * from './cursor-page';
