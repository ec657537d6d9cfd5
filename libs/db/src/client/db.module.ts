import { Global, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { PgPool } from '../pool/pg-pool';
import { PrismaService } from './prisma.service';
import { TenantContext, tenantContextMiddleware } from '../tenancy/tenant-context';
import { TenantPrisma } from '../tenancy/tenant-prisma';

@Global()
@Module({
  providers: [PgPool, PrismaService, TenantContext, TenantPrisma],
  exports: [PgPool, PrismaService, TenantContext, TenantPrisma],
})
export class DbModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(tenantContextMiddleware).forRoutes('/');
  }
}
