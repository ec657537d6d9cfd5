import { IdempotentWrites } from '@leasehold/http';
import { Controller, Get, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticate } from '@leasehold/auth';
import { PublicSigningKeyView, SigningKeysService } from '@leasehold/domain-signing';
import { VendorErrors } from '../error-responses';
import { SigningKeyDto, SigningKeyListDto } from './signing-keys.dto';

@ApiTags('signing-keys')
@Authenticate('vendor-key')
@VendorErrors()
@IdempotentWrites()
@Controller('v1/signing-keys')
export class SigningKeysController {
  constructor(private readonly signingKeys: SigningKeysService) {}

  @Get()
  @ApiOkResponse({
    type: SigningKeyListDto,
    description: 'All public keys, newest first; retired ones still verify what they signed.',
  })
  async list(): Promise<{ data: PublicSigningKeyView[] }> {
    return { data: await this.signingKeys.listOwn() };
  }

  @Post('rotate')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({
    type: SigningKeyDto,
    description: 'The new active key. The previous one is retired (kept for verification).',
  })
  rotate(): Promise<PublicSigningKeyView> {
    return this.signingKeys.rotate();
  }
}
