import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { VendorsModule } from '@leasehold/domain-vendors';
import { AuthenticationGuard } from './authentication.guard';
import { OperatorStrategy } from './operator.strategy';
import { VendorKeyStrategy } from './vendor-key.strategy';

/** Vendor API keys and the operator token (license-central). Installs the closed-by-default guard. */
@Module({
  imports: [PassportModule, VendorsModule],
  providers: [VendorKeyStrategy, OperatorStrategy, { provide: APP_GUARD, useClass: AuthenticationGuard }],
})
export class VendorAuthModule {}
