import { Body, Controller, Get, HttpCode, HttpStatus, Patch, Post } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticate } from '@leasehold/auth';
import { LicensesService, LicenseView } from '@leasehold/domain-licensing';
import { IdParam, IdempotentWrites } from '@leasehold/http';
import { VendorErrors } from '../error-responses';
import { LicenseDto, UpdateLicenseDto } from './licenses.dto';

@ApiTags('licenses')
@Authenticate('vendor-key')
@VendorErrors()
@IdempotentWrites()
@Controller('v1/licenses')
export class LicensesController {
  constructor(private readonly licenses: LicensesService) {}

  @Get(':licenseId')
  @ApiOkResponse({ type: LicenseDto })
  get(@IdParam('licenseId') licenseId: string): Promise<LicenseView> {
    return this.licenses.get(licenseId);
  }

  @Patch(':licenseId')
  @ApiOkResponse({ type: LicenseDto, description: 'Quantity, features, validity or settings; raises the revision.' })
  @VendorErrors(409)
  update(@IdParam('licenseId') licenseId: string, @Body() body: UpdateLicenseDto): Promise<LicenseView> {
    return this.licenses.update(licenseId, body);
  }

  @Post(':licenseId/suspend')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: LicenseDto })
  @VendorErrors(409)
  suspend(@IdParam('licenseId') licenseId: string): Promise<LicenseView> {
    return this.licenses.transition(licenseId, 'suspend');
  }

  @Post(':licenseId/resume')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: LicenseDto })
  @VendorErrors(409)
  resume(@IdParam('licenseId') licenseId: string): Promise<LicenseView> {
    return this.licenses.transition(licenseId, 'resume');
  }

  @Post(':licenseId/revoke')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({
    type: LicenseDto,
    description: 'Final: a revoked license validates as REVOKED and frees its share of a purchase.',
  })
  @VendorErrors(409)
  revoke(@IdParam('licenseId') licenseId: string): Promise<LicenseView> {
    return this.licenses.transition(licenseId, 'revoke');
  }
}
