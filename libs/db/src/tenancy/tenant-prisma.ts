import { Injectable } from '@nestjs/common';
import { PrismaService } from '../client/prisma.service';
import { TenantContext } from './tenant-context';
import { tenantScopeExtension } from './tenant-scope.extension';

function createTenantClient(prisma: PrismaService, tenant: TenantContext) {
  return prisma.$extends(tenantScopeExtension(() => tenant.vendorId));
}

export type TenantClient = ReturnType<typeof createTenantClient>;
export type TenantTransaction = Parameters<Parameters<TenantClient['$transaction']>[0]>[0];

/**
 * The tenant-scoped Prisma client: every query on a tenant model is filtered by (and every create
 * stamped with) the current vendor. Repositories use this; they never add `vendorId` themselves.
 * Raw SQL is not covered: a repository that needs it passes `tenant.vendorId` explicitly.
 */
@Injectable()
export class TenantPrisma {
  readonly client: TenantClient;

  constructor(
    prisma: PrismaService,
    readonly tenant: TenantContext,
  ) {
    this.client = createTenantClient(prisma, tenant);
  }

  get vendorId(): string {
    return this.tenant.vendorId;
  }

  /** The primary key of the current vendor's row `id` (every tenant table's key is ("vendorId", id)). */
  key(id: string): { vendorId_id: { vendorId: string; id: string } } {
    return { vendorId_id: { vendorId: this.tenant.vendorId, id } };
  }
}
