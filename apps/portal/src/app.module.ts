import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthenticationGuard } from '@leasehold/auth';
import { ConfigModule } from '@leasehold/config';
import { DbModule } from '@leasehold/db';
import { HealthModule, LoggingModule } from '@leasehold/http';
import { RedisModule } from '@leasehold/redis';

@Module({
  imports: [ConfigModule, LoggingModule, DbModule, RedisModule, HealthModule],
  providers: [{ provide: APP_GUARD, useClass: AuthenticationGuard }],
})
export class AppModule {}
