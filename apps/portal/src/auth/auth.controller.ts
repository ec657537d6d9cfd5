import { Body, Controller, HttpCode, Ip, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { IdentityService, LoginTokens } from '@leasehold/domain-identity';
import { Public } from '@leasehold/http';
import { PortalErrors } from '../error-responses';
import {
  AcceptInvitationDto,
  LoginDto,
  NewPasswordDto,
  PasswordResetRequestDto,
  RefreshDto,
  TokenPairDto,
} from './auth.dto';

@ApiTags('auth')
@Public()
@Controller('v1/auth')
export class AuthController {
  constructor(private readonly identity: IdentityService) {}

  @Post('login')
  @HttpCode(200)
  @ApiOkResponse({ type: TokenPairDto })
  @PortalErrors(
    { status: 401, description: 'INVALID_CREDENTIALS' },
    { status: 403, description: 'USER_DISABLED' },
    {
      status: 429,
      description:
        'RATE_LIMITED (too many failed logins for this account, or for this vendor from this address; `details.retryAfter`, `Retry-After`)',
    },
  )
  login(@Body() body: LoginDto, @Ip() ip: string): Promise<LoginTokens> {
    return this.identity.login({ vendor: body.vendor, email: body.email, password: body.password, ip });
  }

  @Post('refresh')
  @HttpCode(200)
  @ApiOkResponse({
    type: TokenPairDto,
    description:
      'A new access token and a new refresh token; the one sent is used up. A used token sent again within ' +
      'PORTAL_REFRESH_REUSE_GRACE_SECONDS (30 s) of its use, while the refresh token its answer carried was never ' +
      'used (the answer was lost on the way), gets a new pair too, and that unused token stops working.',
  })
  @PortalErrors({
    status: 401,
    description:
      'REFRESH_TOKEN_INVALID (also for the loser of two requests with one token at the same moment; the login goes on) / ' +
      'REFRESH_TOKEN_REUSED (the whole login is revoked)',
  })
  refresh(@Body() body: RefreshDto): Promise<LoginTokens> {
    return this.identity.refresh(body.refreshToken);
  }

  @Post('logout')
  @HttpCode(204)
  @ApiNoContentResponse({
    description: "Ends the refresh token's login. Access tokens already issued expire on their own (≤ 15 min).",
  })
  @PortalErrors()
  logout(@Body() body: RefreshDto): Promise<void> {
    return this.identity.logout(body.refreshToken);
  }

  @Post('password-reset/request')
  @HttpCode(202)
  @ApiAcceptedResponse({
    description:
      'Always 202, whether or not the account exists (up to PASSWORD_RESET_MAX_PER_ACCOUNT requests per account and PASSWORD_RESET_MAX_PER_IP per address an hour). For an active account, a single-use token valid 1 hour goes to the vendor ' +
      'in the `user.password_reset_requested` event (and to the log outside production).',
  })
  @PortalErrors({
    status: 429,
    description:
      'RATE_LIMITED (too many reset requests for this account or from this address; `details.retryAfter`, `Retry-After`)',
  })
  async requestPasswordReset(@Body() body: PasswordResetRequestDto, @Ip() ip: string): Promise<void> {
    await this.identity.requestPasswordReset({ vendor: body.vendor, email: body.email, ip });
  }

  @Post('password-reset/confirm')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'The password is set; every login of the user ends.' })
  @PortalErrors(
    { status: 400, description: 'ONE_TIME_TOKEN_INVALID / ONE_TIME_TOKEN_EXPIRED' },
    { status: 403, description: 'USER_DISABLED' },
    { status: 409, description: 'ONE_TIME_TOKEN_USED' },
  )
  confirmPasswordReset(@Body() body: NewPasswordDto): Promise<void> {
    return this.identity.confirmPasswordReset(body);
  }

  @Post('invitations/accept')
  @HttpCode(200)
  @ApiOkResponse({
    type: TokenPairDto,
    description: 'The password is set, the account is active, and the user is logged in.',
  })
  @PortalErrors(
    { status: 400, description: 'ONE_TIME_TOKEN_INVALID / ONE_TIME_TOKEN_EXPIRED' },
    { status: 403, description: 'USER_DISABLED' },
    { status: 409, description: 'ONE_TIME_TOKEN_USED' },
  )
  acceptInvitation(@Body() body: AcceptInvitationDto): Promise<LoginTokens> {
    return this.identity.acceptInvitation(body);
  }
}
