import { Module } from '@nestjs/common';
import { VendorAuthModule } from '@leasehold/auth';
import { ConfigModule } from '@leasehold/config';
import { DbModule } from '@leasehold/db';
import { AuditModule } from '@leasehold/domain-audit';
import { CatalogModule } from '@leasehold/domain-catalog';
import { CustomersModule } from '@leasehold/domain-customers';
import { EventsModule } from '@leasehold/domain-events';
import { IdentityModule } from '@leasehold/domain-identity';
import { LicensingModule } from '@leasehold/domain-licensing';
import { OfflineModule } from '@leasehold/domain-offline';
import { UpdatesModule } from '@leasehold/domain-updates';
import { SigningModule } from '@leasehold/domain-signing';
import { VendorsModule } from '@leasehold/domain-vendors';
import { HealthChecksModule, HealthController, IdempotencyModule, LoggingModule } from '@leasehold/http';
import { SeatsModule } from '@leasehold/domain-seats';
import { RedisModule } from '@leasehold/redis';
import { IntegrationsModule } from '@leasehold/domain-integrations';
import { RenewalsModule } from '@leasehold/domain-renewals';
import { QUEUES, QueuesModule } from '@leasehold/queues';
import { ErpWebhooksController } from './erp/erp-webhooks.controller';
import { LicenseRenewalsController } from './vendor/license-renewals.controller';
import { IntegrationsController } from './vendor/integrations.controller';
import { ActivationsController } from './client/activations.controller';
import { LicenseFileController } from './client/license-file.controller';
import { UpdatesController } from './client/updates.controller';
import { ContainerOfflineController } from './vendor/offline.controller';
import { PublicSigningKeysController } from './client/signing-keys.controller';
import { ValidationController } from './client/validation.controller';
import { SeatQueueController } from './client/seat-queue.controller';
import { SeatsController } from './client/seats.controller';
import { DeviceFastLane } from './client/device-fast-lane';
import { VendorsController } from './operator/vendors.controller';
import { ApiKeysController } from './vendor/api-keys.controller';
import { AuditController } from './vendor/audit.controller';
import { ContainersController } from './vendor/containers.controller';
import { DevicesController } from './vendor/devices.controller';
import { LicensesController } from './vendor/licenses.controller';
import { GroupsController, UsersController } from './vendor/customers.controller';
import { ProductsController } from './vendor/products.controller';
import { SessionsController } from './vendor/sessions.controller';
import { PurchasesController } from './vendor/purchases.controller';
import { SigningKeysController } from './vendor/signing-keys.controller';
import { LicenseSeatRulesController } from './vendor/reservations.controller';
import { UsageController } from './vendor/usage.controller';
import { UsageHistoryController } from './vendor/usage-history.controller';
import { WebhooksModule } from '@leasehold/domain-webhooks';
import { WebhookDeliveriesController, WebhookEndpointsController } from './vendor/webhooks.controller';

@Module({
  imports: [
    QueuesModule.forProducers(QUEUES.erpIntake, QUEUES.renewals),
    IntegrationsModule,
    RenewalsModule,
    ConfigModule,
    LoggingModule,
    DbModule,
    RedisModule,
    HealthChecksModule,
    IdempotencyModule,
    VendorAuthModule,
    VendorsModule,
    CatalogModule,
    AuditModule,
    EventsModule,
    IdentityModule,
    CustomersModule,
    SigningModule,
    LicensingModule,
    OfflineModule,
    UpdatesModule,
    SeatsModule,
    WebhooksModule,
  ],
  // The probes and the device API first: Express tries the routes in this order, and they carry
  // most of the requests (docs/benchmarks.md). No path of one controller overlaps another's.
  controllers: [
    HealthController,
    ValidationController,
    SeatsController,
    ActivationsController,
    SeatQueueController,
    LicenseFileController,
    UpdatesController,
    PublicSigningKeysController,
    IntegrationsController,
    ErpWebhooksController,
    LicenseRenewalsController,
    VendorsController,
    ApiKeysController,
    ProductsController,
    GroupsController,
    UsersController,
    AuditController,
    SigningKeysController,
    ContainersController,
    LicensesController,
    PurchasesController,
    DevicesController,
    ContainerOfflineController,
    SessionsController,
    UsageController,
    UsageHistoryController,
    LicenseSeatRulesController,
    WebhookEndpointsController,
    WebhookDeliveriesController,
  ],
  providers: [DeviceFastLane],
})
export class AppModule {}
