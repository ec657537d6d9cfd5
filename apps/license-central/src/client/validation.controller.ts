import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticate, CurrentPrincipal } from '@leasehold/auth';
import { DeviceToken, ValidationAnswer, ValidationService } from '@leasehold/domain-licensing';
import { ValidateDto } from './activations.dto';
import { ClientErrors } from './client-errors';
import { ValidationAnswerDto } from './validation.dto';

@ApiTags('client')
@Authenticate('device-token')
@ClientErrors()
@Controller('client/v1')
export class ValidationController {
  constructor(private readonly validation: ValidationService) {}

  /**
   * Always 200 once the credentials are accepted: the answer's `code` says whether the program may
   * run, and the signed `envelope` proves it came from the vendor.
   */
  @Post('validate')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({
    type: ValidationAnswerDto,
    description: 'HTTP 200 for every validation code (VALID or not); the answer is also signed in `envelope`. See docs/licensing.md.',
  })
  validate(@CurrentPrincipal() token: DeviceToken, @Body() body: ValidateDto): Promise<ValidationAnswer> {
    return this.validation.validate(token, body);
  }
}
