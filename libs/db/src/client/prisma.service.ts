import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';
import { PgPool } from '../pool/pg-pool';

/**
 * The unscoped Prisma client. Only repositories that must work across tenants use it directly
 * (authentication look-ups, the operator's vendor registry, worker sweeps); every other
 * repository goes through `TenantPrisma`.
 */
@Injectable()
export class PrismaService extends PrismaClient implements OnApplicationShutdown {
  constructor(private readonly pgPool: PgPool) {
    // One pool for the whole process: Prisma's adapter and the hot path's plain statements share it.
    // Interactive transactions wait up to 5 s for a connection and may run 10 s (Prisma's defaults,
    // 2 s and 5 s, fail racing requests on a busy machine). A timeout rolls back and answers 503.
    super({ adapter: new PrismaPg(pgPool.pool), transactionOptions: { maxWait: 5_000, timeout: 10_000 } });
  }

  /**
   * Disconnects last: in the application-shutdown phase, after HTTP has closed and the worker has
   * drained its running jobs in the module-destroy phase (apps/worker WorkerDrain), which still
   * need the database.
   */
  async onApplicationShutdown(): Promise<void> {
    await this.$disconnect();
    await this.pgPool.end();
  }
}
