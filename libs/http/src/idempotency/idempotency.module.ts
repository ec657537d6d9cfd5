import { Global, Module } from '@nestjs/common';
import { IdempotencyStoreModule } from '@leasehold/idempotency';
import { IdempotencyInterceptor } from './idempotency.interceptor';

@Global()
@Module({
  imports: [IdempotencyStoreModule],
  providers: [IdempotencyInterceptor],
  exports: [IdempotencyInterceptor],
})
export class IdempotencyModule {}
