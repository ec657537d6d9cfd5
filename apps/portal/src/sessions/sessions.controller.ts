import { Controller, Get, HttpCode, HttpStatus, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticate, CurrentPrincipal } from '@leasehold/auth';
import { adminGroupOf } from '@leasehold/domain-customers';
import type { PortalPrincipal } from '@leasehold/domain-identity';
import { QueueEntryView, SessionsService } from '@leasehold/domain-seats';
import { IdParam } from '@leasehold/http';
import { Page, paginate } from '@leasehold/db';
import { GroupAdminErrors } from '../error-responses';
import {
  SeatQueuePageDto,
  SeatQueueQueryDto,
  SessionDto,
  SessionListQueryDto,
  SessionPageDto,
  StoppedSessionDto,
  toSessionDto,
  toStoppedSessionDto,
} from './sessions.dto';

/** Live sessions on the group's containers, and the admin's "Stop session" button. */
@ApiTags('group sessions')
@Authenticate('portal-jwt')
@GroupAdminErrors()
@Controller('v1/group/sessions')
export class GroupSessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Get()
  @ApiOkResponse({ type: SessionPageDto, description: "Live sessions (leases holding an unexpired seat) on the group's licenses; stopped and expired ones never appear." })
  async list(@CurrentPrincipal() me: PortalPrincipal, @Query() query: SessionListQueryDto): Promise<Page<SessionDto>> {
    return paginate(query, (window) => this.sessions.list({
      groupId: adminGroupOf(me),
      licenseId: query.licenseId,
      containerId: query.containerId,
      ...window,
    }), toSessionDto);
  }

  @Get('queue')
  @ApiOkResponse({ type: SeatQueuePageDto, description: "Programs waiting for a seat of the group's licenses (WAITING) and those a freed seat is held for (HELD), in the order they get seats." })
  listQueue(@CurrentPrincipal() me: PortalPrincipal, @Query() query: SeatQueueQueryDto): Promise<Page<QueueEntryView>> {
    return paginate(query, (window) => this.sessions.queue({ groupId: adminGroupOf(me), licenseId: query.licenseId, containerId: query.containerId, ...window }));
  }

  @Post(':leaseId/stop')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: StoppedSessionDto, description: "The seat is free now; the program's next heartbeat answers SESSION_STOPPED." })
  @GroupAdminErrors(
    { status: 409, description: 'SESSION_BORROWED (a borrowed seat ends when returned or at borrowUntil) / SESSION_NOT_ACTIVE (already ended, e.g. stopped by another admin)' },
  )
  async stop(@CurrentPrincipal() me: PortalPrincipal, @IdParam('leaseId') leaseId: string): Promise<StoppedSessionDto> {
    return toStoppedSessionDto(await this.sessions.stop(leaseId, { groupId: adminGroupOf(me) }));
  }
}
