import { Controller, Get, Header, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticate, CurrentPrincipal } from '@leasehold/auth';
import { DevicePrincipal } from '@leasehold/domain-licensing';
import { LicenseFileService } from '@leasehold/domain-offline';
import { ClientErrors } from './client-errors';
import { LicenseFileQueryDto, LicenseFileDto } from './license-file.dto';

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
  @ApiOkResponse({
    type: LicenseFileDto,
    description: 'The signed license file (a `leasehold-license/1` envelope, pretty JSON).',
  })
  @ClientErrors(
    {
      status: 403,
      description:
        'DEVICE_NOT_ACTIVATED (PERSONAL) / NO_LEASE_HELD (ENTERPRISE: check out or borrow first) / LICENSE_SUSPENDED / LICENSE_EXPIRED / CONTAINER_ACCESS_REVOKED (its user was removed or disabled)',
    },
    { status: 409, description: 'LICENSE_REVOKED' },
    { status: 404, description: 'NOT_FOUND: the container holds no license (of this product)' },
  )
  async download(@CurrentPrincipal() principal: DevicePrincipal, @Query() query: LicenseFileQueryDto): Promise<string> {
    const issued = await this.files.issue({
      vendorId: principal.vendorId,
      containerId: principal.containerId,
      fingerprint: query.fingerprint,
      product: query.product,
    });
    return issued.file;
  }
}
