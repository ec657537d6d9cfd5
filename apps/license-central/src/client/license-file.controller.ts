import { Controller, Get, Header, Query } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches } from 'class-validator';
import { Authenticate, CurrentPrincipal } from '@leasehold/auth';
import { DevicePrincipal } from '@leasehold/domain-licensing';
import { LicenseFileService } from '@leasehold/domain-offline';
import { FINGERPRINT, FINGERPRINT_MESSAGE } from './activations.dto';
import { ClientErrors } from './client-errors';

export class LicenseFileQueryDto {
  @ApiProperty({ example: 'sha256:9f86d081884c7d65', minLength: 8, maxLength: 256, description: 'This device’s fingerprint; the file is bound to it.' })
  @IsString()
  @Length(8, 256)
  @Matches(FINGERPRINT, { message: FINGERPRINT_MESSAGE })
  fingerprint!: string;

  @ApiPropertyOptional({ example: 'cargo-office', description: 'Product code, when the container holds licenses of several products.' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  product?: string;
}

class LicenseFileDto {
  @ApiProperty({ example: 'leasehold-license/1' }) format!: string;
  @ApiProperty({ description: 'Which of the vendor’s public keys (GET /client/v1/vendors/{vendorId}/signing-keys) verifies it.' }) keyId!: string;
  @ApiProperty({ description: 'base64url of the UTF-8 JSON license payload (docs/license-file-format.md).' }) payload!: string;
  @ApiProperty({ description: 'base64url Ed25519 signature over the ASCII bytes of `format + "." + payload`.' }) signature!: string;
}

/** Signed license files for offline use; docs/offline-licensing.md and docs/license-file-format.md. */
@ApiTags('client')
@Authenticate('device')
@ClientErrors()
@Controller('client/v1/license-file')
export class LicenseFileController {
  constructor(private readonly files: LicenseFileService) {}

  /**
   * The body is the file itself: store it byte for byte and verify it with `verifyLicenseFile`
   * from @leasehold/license-file. Fetch a new one before its `refreshBy`.
   */
  @Get()
  @Header('Content-Type', 'application/json; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  @ApiOkResponse({ type: LicenseFileDto, description: 'The signed license file (a `leasehold-license/1` envelope, pretty JSON).' })
  @ClientErrors(
    { status: 403, description: 'DEVICE_NOT_ACTIVATED (PERSONAL) / NO_LEASE_HELD (ENTERPRISE: check out or borrow first) / LICENSE_SUSPENDED / LICENSE_EXPIRED / CONTAINER_ACCESS_REVOKED (its user was removed or disabled)' },
    { status: 409, description: 'LICENSE_REVOKED' },
    { status: 404, description: 'NOT_FOUND: the container holds no license (of this product)' },
  )
  async download(@CurrentPrincipal() principal: DevicePrincipal, @Query() query: LicenseFileQueryDto): Promise<string> {
    const issued = await this.files.issue({ vendorId: principal.vendorId, containerId: principal.containerId, fingerprint: query.fingerprint, product: query.product });
    return issued.file;
  }
}
