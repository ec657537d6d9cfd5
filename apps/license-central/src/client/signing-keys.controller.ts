import { Controller, Get } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { PublicSigningKeyView, SigningKeysService } from '@leasehold/domain-signing';
import { IdParam, Public } from '@leasehold/http';
import { SigningKeyListDto } from '../vendor/signing-keys.dto';

/** Public keys are not secret: programs (and their build pipelines) download them without credentials. */
@ApiTags('client')
@Public()
@Controller('client/v1/vendors')
export class PublicSigningKeysController {
  constructor(private readonly signingKeys: SigningKeysService) {}

  @Get(':vendorId/signing-keys')
  @ApiOkResponse({ type: SigningKeyListDto })
  @ApiNotFoundResponse({
    description: 'NOT_FOUND: no such vendor',
    schema: { $ref: '#/components/schemas/ErrorResponse' },
  })
  async list(@IdParam('vendorId') vendorId: string): Promise<{ data: PublicSigningKeyView[] }> {
    return { data: await this.signingKeys.listPublic(vendorId) };
  }
}
