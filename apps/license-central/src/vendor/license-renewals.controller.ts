import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticate } from '@leasehold/auth';
import { RenewalsService, RenewalView } from '@leasehold/domain-renewals';
import { IdParam } from '@leasehold/http';
import { Page, PageQueryDto, paginate } from '@leasehold/db';
import { VendorErrors } from '../error-responses';
import { RenewalPageDto } from './license-renewals.dto';

/** A license's renewals, oldest term first: due, requested (ERP), succeeded or failed. */
@ApiTags('licenses')
@Authenticate('vendor-key')
@VendorErrors()
@Controller('v1/licenses')
export class LicenseRenewalsController {
  constructor(private readonly renewals: RenewalsService) {}

  @Get(':licenseId/renewals')
  @ApiOkResponse({ type: RenewalPageDto })
  async list(@IdParam('licenseId') licenseId: string, @Query() query: PageQueryDto): Promise<Page<RenewalView>> {
    return paginate(query, (window) => this.renewals.list(licenseId, window));
  }
}
