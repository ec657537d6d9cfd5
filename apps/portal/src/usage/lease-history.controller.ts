import { Controller, Get, Query, StreamableFile } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Authenticate, CurrentPrincipal } from '@leasehold/auth';
import { adminGroupOf } from '@leasehold/domain-customers';
import type { PortalPrincipal } from '@leasehold/domain-identity';
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
import { GroupAdminErrors } from '../error-responses';

/** The lease history of the group's containers (group admins): which workstation used which license, how long. */
@ApiTags('group usage')
@Authenticate('portal-jwt')
@GroupAdminErrors()
@Controller('v1/group/lease-history')
export class GroupLeaseHistoryController {
  constructor(private readonly history: UsageHistoryService) {}

  @Get()
  @ApiOkResponse({
    type: LeaseHistoryPageDto,
    description:
      "Live and ended leases on the group's containers overlapping [from, to), filtered by license, user, device or workstation, oldest first.",
  })
  list(
    @CurrentPrincipal() me: PortalPrincipal,
    @Query() query: LeaseHistoryPageQueryDto,
  ): Promise<Page<LeaseHistoryDto>> {
    return paginate(query, (window) =>
      this.history.page({ ...leaseHistoryFilterOf(query), groupId: adminGroupOf(me), ...window }),
    );
  }

  @Get('csv')
  @ApiProduces('text/csv')
  @ApiOkResponse({
    schema: { type: 'string' },
    description: 'The whole filtered history of the group as CSV (streamed; columns in docs/usage.md).',
  })
  async export(
    @CurrentPrincipal() me: PortalPrincipal,
    @Query() query: LeaseHistoryFilterDto,
  ): Promise<StreamableFile> {
    const rows = await this.history.export({ ...leaseHistoryFilterOf(query), groupId: adminGroupOf(me) });
    return csvDownload(rows, LEASE_HISTORY_CSV_COLUMNS, leaseHistoryCsvName());
  }
}
