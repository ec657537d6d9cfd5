import { Module } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { AuthenticationGuard } from '@leasehold/auth';
import { ConfigModule } from '@leasehold/config';
import { DbModule } from '@leasehold/db';
import { AuditModule } from '@leasehold/domain-audit';
import { EventsModule } from '@leasehold/domain-events';
import { SeatsModule } from '@leasehold/domain-seats';
import { VendorsModule } from '@leasehold/domain-vendors';
import { WebhooksModule } from '@leasehold/domain-webhooks';
import { DependencyHealthIndicators, LoggingModule } from '@leasehold/http';
import { IdempotencyStoreModule } from '@leasehold/idempotency';
import { TerminusModule } from '@nestjs/terminus';
import { QUEUES, QueuesModule } from '@leasehold/queues';
import { RedisModule } from '@leasehold/redis';
import { RenewalsModule } from '@leasehold/domain-renewals';
import { ErpProcessingModule, IntegrationsModule } from '@leasehold/domain-integrations';
import { UpdatesModule } from '@leasehold/domain-updates';
import { LicensingModule } from '@leasehold/domain-licensing';
import { WorkerDrain } from './worker-drain';
import { WorkerHealthController } from './health/worker-health.controller';
import { SCHEDULE_CHECK_EVERY_MS, SCHEDULE_CHECK_INTERVAL, ScheduleKeeper } from './schedules/schedule-keeper';
import { scheduleProviders } from './schedules/schedules';
import { ErpIntakeProcessor } from './integrations/erp-intake.processor';
import { RenewalsProcessor } from './renewals/renewals.processor';
import { LeasesProcessor } from './leases/leases.processor';
import { MaintenanceProcessor } from './maintenance/maintenance.processor';
import { OutboxRelayRepository } from './outbox/outbox-relay.repository';
import { OutboxRelayService } from './outbox/outbox-relay.service';
import { OutboxSubscribers } from './outbox/outbox-subscribers';
import { OutboxProcessor } from './outbox/outbox.processor';
import { WebhookDeliveryProcessor } from './webhooks/webhook-delivery.processor';
import { WebhookDeliveryQueue } from './webhooks/webhook-delivery.queue';

/**
 * The worker: BullMQ processors and their periodic jobs (kept registered by ScheduleKeeper), plus
 * /health/live and /health/ready on WORKER_PORT for probes.
 */
@Module({
  imports: [
    RenewalsModule,
    ConfigModule,
    LoggingModule,
    DbModule,
    RedisModule,
    TerminusModule.forRoot({ logger: false }),
    QueuesModule.register(
      QUEUES.maintenance,
      QUEUES.renewals,
      QUEUES.outbox,
      QUEUES.webhookDelivery,
      QUEUES.leases,
      QUEUES.erpIntake,
    ),
    DiscoveryModule,
    VendorsModule,
    IdempotencyStoreModule,
    AuditModule,
    EventsModule,
    WebhooksModule,
    SeatsModule,
    IntegrationsModule,
    ErpProcessingModule,
    // The domains whose reactions to events (`@OutboxSubscriber` classes) the outbox relay runs:
    // renewals (RescheduleRenewalOnLicenseChange), seats (EndLeasesOfRemovedUser), licensing
    // (RevokeAccessOfRemovedUser), updates (LicenseUpdateAnnouncer: wakes waiting programs).
    UpdatesModule,
    LicensingModule,
  ],
  controllers: [WorkerHealthController],
  providers: [
    WorkerDrain,
    DependencyHealthIndicators,
    ScheduleKeeper,
    { provide: SCHEDULE_CHECK_INTERVAL, useValue: SCHEDULE_CHECK_EVERY_MS },
    ...scheduleProviders(),
    RenewalsProcessor,
    MaintenanceProcessor,
    OutboxRelayRepository,
    OutboxSubscribers,
    OutboxRelayService,
    OutboxProcessor,
    WebhookDeliveryQueue,
    WebhookDeliveryProcessor,
    LeasesProcessor,
    ErpIntakeProcessor,
    { provide: APP_GUARD, useClass: AuthenticationGuard },
  ],
})
export class AppModule {}
