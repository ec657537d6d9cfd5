import { Controller, Get, HttpCode, HttpStatus, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticate } from '@leasehold/auth';
import {
  EndedLeaseView,
  LiveLeasePageDto,
  QueueEntryView,
  SeatQueuePageDto,
  SessionsService,
  SessionView,
  StoppedLeaseDto,
} from '@leasehold/domain-seats';
import { IdParam, IdempotentWrites } from '@leasehold/http';
import { Page, paginate } from '@leasehold/db';
import { VendorErrors } from '../error-responses';
import { LiveLeaseQueryDto } from './sessions.dto';

/** Live leases ("sessions" in the paths) of a license or container, and stopping one. */
@ApiTags('sessions')
@Authenticate('vendor-key')
@VendorErrors()
@IdempotentWrites()
@Controller('v1')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Get('licenses/:licenseId/sessions')
  @ApiOkResponse({
    type: LiveLeasePageDto,
    description: 'Live leases: leases holding an unexpired seat (stopped and expired ones never appear).',
  })
  async listForLicense(
    @IdParam('licenseId') licenseId: string,
    @Query() query: LiveLeaseQueryDto,
  ): Promise<Page<SessionView>> {
    return paginate(query, (window) => this.sessions.list({ licenseId, ...window }));
  }

  @Get('licenses/:licenseId/seat-queue')
  @ApiOkResponse({
    type: SeatQueuePageDto,
    description:
      'Programs waiting for a seat of the license (WAITING) and those a freed seat is held for (HELD), in the order they are served.',
  })
  async listQueueForLicense(
    @IdParam('licenseId') licenseId: string,
    @Query() query: LiveLeaseQueryDto,
  ): Promise<Page<QueueEntryView>> {
    return paginate(query, (window) => this.sessions.queue({ licenseId, ...window }));
  }

  @Get('containers/:containerId/sessions')
  @ApiOkResponse({ type: LiveLeasePageDto, description: 'Live leases on every license of the container.' })
  async listForContainer(
    @IdParam('containerId') containerId: string,
    @Query() query: LiveLeaseQueryDto,
  ): Promise<Page<SessionView>> {
    return paginate(query, (window) => this.sessions.list({ containerId, ...window }));
  }

  @Post('sessions/:leaseId/stop')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({
    type: StoppedLeaseDto,
    description: "The seat is free now; the program's next heartbeat answers SESSION_STOPPED.",
  })
  @VendorErrors(409)
  stop(@IdParam('leaseId') leaseId: string): Promise<EndedLeaseView> {
    return this.sessions.stop(leaseId);
  }
}
