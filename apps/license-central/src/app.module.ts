import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { VendorAuthModule } from '@leasehold/auth';
import { ConfigModule } from '@leasehold/config';
import { DbModule } from '@leasehold/db';
import { CatalogModule } from '@leasehold/domain-catalog';
import { VendorsModule } from '@leasehold/domain-vendors';
import { HealthModule, IdempotencyInterceptor, IdempotencyModule, LoggingModule } from '@leasehold/http';
import { RedisModule } from '@leasehold/redis';
import { VendorsController } from './operator/vendors.controller';
import { ApiKeysController } from './vendor/api-keys.controller';
import { ProductsController } from './vendor/products.controller';

@Module({
  imports: [ConfigModule, LoggingModule, DbModule, RedisModule, HealthModule, IdempotencyModule, VendorAuthModule, VendorsModule, CatalogModule],
  controllers: [VendorsController, ApiKeysController, ProductsController],
  providers: [{ provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor }],
})
export class AppModule {}
