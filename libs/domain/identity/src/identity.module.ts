import { Module } from '@nestjs/common';
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
    JwtModule.registerAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({ secret: config.get('JWT_SECRET'), signOptions: { algorithm: 'HS256' } }),
    }),
  ],
  providers: [IdentityRepository, AccessTokens, AccountTokensService, IdentityService, LoginThrottle, PasswordHasher],
  exports: [IdentityService, AccountTokensService, AccessTokens, LoginThrottle, PasswordHasher],
})
export class IdentityModule {}
