import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthenticationGuard } from '@leasehold/auth';
import { ConfigModule } from '@leasehold/config';
import { DbModule } from '@leasehold/db';
import { VendorsModule } from '@leasehold/domain-vendors';
import { HealthModule, IdempotencyModule, LoggingModule } from '@leasehold/http';
import { QUEUES, QueuesModule } from '@leasehold/queues';
import { RedisModule } from '@leasehold/redis';
import { MaintenanceProcessor } from './maintenance/maintenance.processor';
import { MaintenanceSchedule } from './maintenance/maintenance.schedule';

/** The worker: BullMQ processors, plus /health/live and /health/ready on WORKER_PORT for probes. */
@Module({
  imports: [ConfigModule, LoggingModule, DbModule, RedisModule, HealthModule, QueuesModule.register(QUEUES.maintenance), VendorsModule, IdempotencyModule],
  providers: [MaintenanceProcessor, MaintenanceSchedule, { provide: APP_GUARD, useClass: AuthenticationGuard }],
})
export class AppModule {}
