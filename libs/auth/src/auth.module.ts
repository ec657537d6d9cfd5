import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { ContainerCredentialsModule } from '@leasehold/domain-licensing';
import { IdentityModule } from '@leasehold/domain-identity';
import { VendorsModule } from '@leasehold/domain-vendors';
import { AuthenticationGuard } from './authentication.guard';
import { DeviceStrategy, DeviceTokenStrategy } from './device.strategy';
import { OperatorStrategy } from './operator.strategy';
import { PortalJwtStrategy } from './portal-jwt.strategy';
import { RequestRateLimits } from './request-rate-limits';
import { VendorKeyStrategy } from './vendor-key.strategy';

/**
 * Vendor API keys, the operator token and container credentials of licensed programs
 * (license-central). Installs the closed-by-default guard, with the request rate limits.
 */
@Module({
  imports: [PassportModule, VendorsModule, ContainerCredentialsModule],
  providers: [
    VendorKeyStrategy,
    OperatorStrategy,
    DeviceStrategy,
    DeviceTokenStrategy,
    RequestRateLimits,
    { provide: APP_GUARD, useClass: AuthenticationGuard },
  ],
  exports: [RequestRateLimits],
})
export class VendorAuthModule {}

/** Portal access tokens (portal app). Installs the closed-by-default guard. */
@Module({
  imports: [PassportModule, IdentityModule],
  providers: [PortalJwtStrategy, { provide: APP_GUARD, useClass: AuthenticationGuard }],
})
export class PortalAuthModule {}
