import { Controller, Get, Query, StreamableFile } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Authenticate } from '@leasehold/auth';
import {
  LEASE_HISTORY_CSV_COLUMNS,
  leaseHistoryCsvName,
  LeaseHistoryDto,
  LeaseHistoryFilterDto,
  leaseHistoryFilterOf,
  LeaseHistoryPageDto,
  LeaseHistoryPageQueryDto,
  UsageHistoryService,
} from '@leasehold/domain-seats';
import { csvDownload } from '@leasehold/http';
import { Page, paginate } from '@leasehold/db';
import { VendorErrors } from '../error-responses';

/** The lease history of the vendor's licenses: who used which license on which workstation, and how long. */
@ApiTags('usage')
@Authenticate('vendor-key')
@VendorErrors()
@Controller('v1/lease-history')
export class UsageHistoryController {
  constructor(private readonly history: UsageHistoryService) {}

  @Get()
  @ApiOkResponse({
    type: LeaseHistoryPageDto,
    description:
      'Live and ended leases overlapping [from, to), filtered by license, user, device or workstation, oldest first.',
  })
  list(@Query() query: LeaseHistoryPageQueryDto): Promise<Page<LeaseHistoryDto>> {
    return paginate(query, (window) => this.history.page({ ...leaseHistoryFilterOf(query), ...window }));
  }

  @Get('csv')
  @ApiProduces('text/csv')
  @ApiOkResponse({
    schema: { type: 'string' },
    description: 'The whole filtered history as CSV (streamed; columns in docs/usage.md).',
  })
  async export(@Query() query: LeaseHistoryFilterDto): Promise<StreamableFile> {
    return csvDownload(
      await this.history.export(leaseHistoryFilterOf(query)),
      LEASE_HISTORY_CSV_COLUMNS,
      leaseHistoryCsvName(),
    );
  }
}
