import { Global, Module } from '@nestjs/common';
import { PgPool } from '../pool/pg-pool';
import { PrismaService } from './prisma.service';
import { TenantContext } from '../tenancy/tenant-context';
import { TenantPrisma } from '../tenancy/tenant-prisma';

@Global()
@Module({
  providers: [PgPool, PrismaService, TenantContext, TenantPrisma],
  exports: [PgPool, PrismaService, TenantContext, TenantPrisma],
})
export class DbModule {}
