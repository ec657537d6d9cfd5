import { Controller, Get, HttpCode, HttpStatus, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticate, CurrentPrincipal } from '@leasehold/auth';
import { adminGroupOf } from '@leasehold/domain-customers';
import type { PortalPrincipal } from '@leasehold/domain-identity';
import {
  LiveLeaseDto,
  LiveLeasePageDto,
  QueueEntryView,
  SeatQueuePageDto,
  SessionsService,
  StoppedLeaseDto,
  toEndedLeaseDto,
  toLiveLeaseDto,
} from '@leasehold/domain-seats';
import { IdParam } from '@leasehold/http';
import { Page, paginate } from '@leasehold/db';
import { GroupAdminErrors } from '../error-responses';
import { LiveLeaseQueryDto, SeatQueueQueryDto } from './sessions.dto';

/** Live leases on the group's containers ("sessions" in the paths), and the admin's "Stop session" button. */
@ApiTags('group sessions')
@Authenticate('portal-jwt')
@GroupAdminErrors()
@Controller('v1/group/sessions')
export class GroupSessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Get()
  @ApiOkResponse({
    type: LiveLeasePageDto,
    description:
      "Live leases (holding an unexpired seat) on the group's licenses; stopped and expired ones never appear.",
  })
  async list(@CurrentPrincipal() me: PortalPrincipal, @Query() query: LiveLeaseQueryDto): Promise<Page<LiveLeaseDto>> {
    return paginate(
      query,
      (window) =>
        this.sessions.list({
          groupId: adminGroupOf(me),
          licenseId: query.licenseId,
          containerId: query.containerId,
          ...window,
        }),
      toLiveLeaseDto,
    );
  }

  @Get('queue')
  @ApiOkResponse({
    type: SeatQueuePageDto,
    description:
      "Programs waiting for a seat of the group's licenses (WAITING) and those a freed seat is held for (HELD), in the order they get seats.",
  })
  listQueue(@CurrentPrincipal() me: PortalPrincipal, @Query() query: SeatQueueQueryDto): Promise<Page<QueueEntryView>> {
    return paginate(query, (window) =>
      this.sessions.queue({
        groupId: adminGroupOf(me),
        licenseId: query.licenseId,
        containerId: query.containerId,
        ...window,
      }),
    );
  }

  @Post(':leaseId/stop')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({
    type: StoppedLeaseDto,
    description: "The seat is free now; the program's next heartbeat answers SESSION_STOPPED.",
  })
  @GroupAdminErrors({
    status: 409,
    description:
      'SESSION_BORROWED (a borrowed seat ends when returned or at borrowUntil) / SESSION_NOT_ACTIVE (already ended, e.g. stopped by another admin)',
  })
  async stop(@CurrentPrincipal() me: PortalPrincipal, @IdParam('leaseId') leaseId: string): Promise<StoppedLeaseDto> {
    return toEndedLeaseDto(await this.sessions.stop(leaseId, { groupId: adminGroupOf(me) }));
  }
}
