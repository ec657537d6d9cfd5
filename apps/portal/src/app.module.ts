import { Module } from '@nestjs/common';
import { PortalAuthModule } from '@leasehold/auth';
import { ConfigModule } from '@leasehold/config';
import { DbModule } from '@leasehold/db';
import { AuditModule } from '@leasehold/domain-audit';
import { CustomersModule } from '@leasehold/domain-customers';
import { EventsModule } from '@leasehold/domain-events';
import { IdentityModule } from '@leasehold/domain-identity';
import { OfflineModule } from '@leasehold/domain-offline';
import { UpdatesModule } from '@leasehold/domain-updates';
import { LicensingModule } from '@leasehold/domain-licensing';
import { SeatsModule } from '@leasehold/domain-seats';
import { HealthModule, LoggingModule } from '@leasehold/http';
import { RedisModule } from '@leasehold/redis';
import { AuthController } from './auth/auth.controller';
import { GroupContainersController, MyContainersController } from './containers/containers.controller';
import { GroupDevicesController, MyDevicesController } from './devices/devices.controller';
import { GroupController } from './group/group.controller';
import { MeController } from './me/me.controller';
import { GroupOfflineController } from './offline/offline.controller';
import { GroupSeatsController } from './seat-moves/seat-moves.controller';
import { GroupSessionsController } from './sessions/sessions.controller';
import { GroupReservationsController } from './reservations/reservations.controller';
import { GroupUsageController } from './usage/usage.controller';
import { GroupLeaseHistoryController } from './usage/lease-history.controller';
import { PortalWebModule } from './web/portal-web.module';

@Module({
  imports: [
    ConfigModule,
    LoggingModule,
    DbModule,
    RedisModule,
    HealthModule,
    AuditModule,
    EventsModule,
    PortalAuthModule,
    IdentityModule,
    CustomersModule,
    OfflineModule,
    UpdatesModule,
    LicensingModule,
    SeatsModule,
    PortalWebModule,
  ],
  controllers: [
    AuthController,
    MeController,
    GroupController,
    GroupOfflineController,
    GroupContainersController,
    MyContainersController,
    GroupDevicesController,
    MyDevicesController,
    GroupSessionsController,
    GroupSeatsController,
    GroupUsageController,
    GroupLeaseHistoryController,
    GroupReservationsController,
  ],
})
export class AppModule {}
