import { Module } from '@nestjs/common';
import { AuditModule } from '@leasehold/domain-audit';
import { EventsModule } from '@leasehold/domain-events';
import { JwtModule } from '@nestjs/jwt';
import { ConfigService } from '@leasehold/config';
import { AccessTokens } from './access-tokens';
import { AccountTokensService } from './account-tokens.service';
import { IdentityRepository } from './identity.repository';
import { IdentityService } from './identity.service';
import { LoginThrottle } from './login-throttle';
import { PasswordHasher } from './password-hasher';

@Module({
  imports: [
    AuditModule,
    EventsModule,
    JwtModule.registerAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        secret: config.get('JWT_SECRET'),
        signOptions: { algorithm: 'HS256' },
      }),
    }),
  ],
  providers: [IdentityRepository, AccessTokens, AccountTokensService, IdentityService, LoginThrottle, PasswordHasher],
  exports: [IdentityService, AccountTokensService, AccessTokens, LoginThrottle, PasswordHasher],
})
export class IdentityModule {}
