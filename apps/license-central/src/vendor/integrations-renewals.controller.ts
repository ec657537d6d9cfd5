import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Authenticate } from '@leasehold/auth';
import { RenewalsService, RenewalView } from '@leasehold/domain-renewals';
import { IdParam, Page, PageMetaDto, PageQueryDto, toPage } from '@leasehold/http';
import { VendorErrors } from '../error-responses';

export class RenewalDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) licenseId!: string;
  @ApiProperty({ description: 'The expiresAt this renewal extends (one renewal per license and term).' }) termEnd!: Date;
  @ApiProperty({ enum: ['AUTO', 'ERP', 'NONE'] }) policy!: string;
  @ApiProperty({ enum: ['DUE', 'REQUESTED', 'SUCCEEDED', 'FAILED'] }) status!: string;
  @ApiProperty({ nullable: true, type: Date }) newExpiresAt!: Date | null;
  @ApiProperty({ description: 'ERP: how many times renewal.due was sent.' }) attempts!: number;
  @ApiProperty({ nullable: true, type: Date }) lastRequestedAt!: Date | null;
  @ApiProperty({ nullable: true, type: Date }) completedAt!: Date | null;
  @ApiProperty({ nullable: true, type: String }) failureReason!: string | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export class RenewalPageDto extends PageMetaDto {
  @ApiProperty({ type: [RenewalDto] }) data!: RenewalDto[];
}

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
    return toPage(await this.renewals.list(licenseId, { take: query.limit + 1, cursor: query.cursor }), query.limit, (r) => r);
  }
}
