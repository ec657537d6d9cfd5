import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { ConfigService } from '@leasehold/config';
import { PrismaClient } from './generated/prisma/client';

/**
 * The unscoped Prisma client. Only repositories that must work across tenants use it directly
 * (authentication look-ups, the operator's vendor registry, worker sweeps); every other
 * repository goes through `TenantPrisma`.
 */
@Injectable()
export class PrismaService extends PrismaClient implements OnApplicationShutdown {
  constructor(config: ConfigService) {
    super({
      adapter: new PrismaPg({
        connectionString: config.get('DATABASE_URL'),
        max: config.get('DATABASE_POOL_SIZE'),
      }),
    });
  }

  /**
   * Disconnects last: in the application-shutdown phase, after HTTP has closed and the worker has
   * drained its running jobs in the module-destroy phase (apps/worker WorkerDrain), which still
   * need the database.
   */
  async onApplicationShutdown(): Promise<void> {
    await this.$disconnect();
  }
}
