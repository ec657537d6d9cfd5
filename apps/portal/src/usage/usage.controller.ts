import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticate, CurrentPrincipal } from '@leasehold/auth';
import { adminGroupOf } from '@leasehold/domain-customers';
import type { PortalPrincipal } from '@leasehold/domain-identity';
import {
  LeaseHistoryDto,
  LeaseHistoryPageDto,
  LeaseHistoryRangePageQueryDto,
  UsageHistory,
  UsageHistoryDto,
  UsageHistoryService,
  UsageQueryDto,
  UsageService,
} from '@leasehold/domain-seats';
import { IdParam } from '@leasehold/http';
import { Page, paginate } from '@leasehold/db';
import { GroupAdminErrors } from '../error-responses';

/** Usage of a license on one of the group's containers. */
@ApiTags('group usage')
@Authenticate('portal-jwt')
@GroupAdminErrors()
@Controller('v1/group/licenses')
export class GroupUsageController {
  constructor(
    private readonly usage: UsageService,
    private readonly leaseHistory: UsageHistoryService,
  ) {}

  @Get(':licenseId/usage')
  @ApiOkResponse({
    type: UsageHistoryDto,
    description: 'Peak concurrent seats, seat-hours and refused checkouts per hour or day, gap-free and ready to plot.',
  })
  history(
    @CurrentPrincipal() me: PortalPrincipal,
    @IdParam('licenseId') licenseId: string,
    @Query() query: UsageQueryDto,
  ): Promise<UsageHistory> {
    return this.usage.history(
      { licenseId, from: query.from, to: query.to, granularity: query.granularity },
      { groupId: adminGroupOf(me) },
    );
  }

  @Get(':licenseId/leases')
  @ApiOkResponse({
    type: LeaseHistoryPageDto,
    description:
      'Who used which seat on which device and for how long: live and ended leases of the license overlapping the range, oldest first.',
  })
  leases(
    @CurrentPrincipal() me: PortalPrincipal,
    @IdParam('licenseId') licenseId: string,
    @Query() query: LeaseHistoryRangePageQueryDto,
  ): Promise<Page<LeaseHistoryDto>> {
    return paginate(query, (window) =>
      this.leaseHistory.page({ licenseId, groupId: adminGroupOf(me), from: query.from, to: query.to, ...window }),
    );
  }
}
