import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticate } from '@leasehold/auth';
import { UsageHistory, UsageHistoryDto, UsageQueryDto, UsageService } from '@leasehold/domain-seats';
import { IdParam } from '@leasehold/http';
import { VendorErrors } from '../error-responses';

@ApiTags('usage')
@Authenticate('vendor-key')
@VendorErrors()
@Controller('v1/licenses')
export class UsageController {
  constructor(private readonly usage: UsageService) {}

  @Get(':licenseId/usage')
  @ApiOkResponse({
    type: UsageHistoryDto,
    description: 'Peak concurrent seats, seat-hours and denials per hour or day, ready to plot.',
  })
  history(@IdParam('licenseId') licenseId: string, @Query() query: UsageQueryDto): Promise<UsageHistory> {
    return this.usage.history({ licenseId, from: query.from, to: query.to, granularity: query.granularity });
  }
}
