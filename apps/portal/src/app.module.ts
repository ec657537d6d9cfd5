import { Module } from '@nestjs/common';
import { PortalAuthModule } from '@leasehold/auth';
import { ConfigModule } from '@leasehold/config';
import { DbModule } from '@leasehold/db';
import { AuditModule } from '@leasehold/domain-audit';
import { CustomersModule } from '@leasehold/domain-customers';
import { EventsModule } from '@leasehold/domain-events';
import { IdentityModule } from '@leasehold/domain-identity';
import { HealthModule, LoggingModule } from '@leasehold/http';
import { RedisModule } from '@leasehold/redis';
import { AuthController } from './auth/auth.controller';
import { GroupController } from './group/group.controller';
import { MeController } from './me/me.controller';

@Module({
  imports: [ConfigModule, LoggingModule, DbModule, RedisModule, HealthModule, AuditModule, EventsModule, PortalAuthModule, IdentityModule, CustomersModule],
  controllers: [AuthController, MeController, GroupController],
})
export class AppModule {}
