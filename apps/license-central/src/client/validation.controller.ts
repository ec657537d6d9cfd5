import { IdempotentWrites } from '@leasehold/http';
import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticate, CurrentPrincipal } from '@leasehold/auth';
import { IdentityService } from '@leasehold/domain-identity';
import { DeviceToken, ValidationAnswer, ValidationService } from '@leasehold/domain-licensing';
import { ValidateDto } from './activations.dto';
import { ClientErrors } from './client-errors';
import { ValidationAnswerDto } from './validation.dto';

@ApiTags('client')
@Authenticate('device-token')
@ClientErrors()
@IdempotentWrites()
@Controller('client/v1')
export class ValidationController {
  constructor(
    private readonly validation: ValidationService,
    private readonly identity: IdentityService,
  ) {}

  /**
   * Always 200 once the credentials are accepted: the answer's `code` says whether the program may
   * run, and the signed `envelope` proves it came from the vendor.
   */
  @Post('validate')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({
    type: ValidationAnswerDto,
    description:
      'HTTP 200 for every validation code (VALID or not); the answer is also signed in `envelope`. See docs/licensing.md.',
  })
  async validate(@CurrentPrincipal() token: DeviceToken, @Body() body: ValidateDto): Promise<ValidationAnswer> {
    const { userToken, ...command } = body;
    if (!userToken) return this.validation.validate(token, command);
    // As at checkout (seatRequest): the user's own token; the service refuses another vendor's user.
    const user = await this.identity.authenticate(userToken);
    return this.validation.validate(token, { ...command, user: { id: user.userId, vendorId: user.vendorId } });
  }
}
