import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { ConfigService } from '@leasehold/config';
import { PrismaClient } from './generated/prisma/client';

/**
 * The unscoped Prisma client. Only repositories that must work across tenants use it directly
 * (authentication look-ups, the operator's vendor registry, worker sweeps); every other
 * repository goes through `TenantPrisma`.
 */
@Injectable()
export class PrismaService extends PrismaClient implements OnModuleDestroy {
  constructor(config: ConfigService) {
    super({
      adapter: new PrismaPg({
        connectionString: config.get('DATABASE_URL'),
        max: config.get('DATABASE_POOL_SIZE'),
      }),
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.$disconnect();
  }
}
