import { Body, Controller, Delete, Get, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Authenticate, CurrentPrincipal } from '@leasehold/auth';
import { IdentityService } from '@leasehold/domain-identity';
import { DevicePrincipal } from '@leasehold/domain-licensing';
import { QueueTicketView, SeatQueueService } from '@leasehold/domain-seats';
import { IdParam, IdempotentWrites } from '@leasehold/http';
import { ClientErrors } from './client-errors';
import { AwaitSeatQueueQueryDto, JoinSeatQueueDto, SeatQueueTicketDto } from './seat-queue.dto';
import { seatRequest } from './seats.controller';

/** The wait queue for a seat: join, wait on the ticket (long-poll, renews it), leave. See docs/seats.md. */
@ApiTags('client')
@Authenticate('device')
@ClientErrors({ status: 404, description: "NOT_FOUND: no such license or ticket in the caller's container" })
@IdempotentWrites()
@Controller('client/v1/seat-queue')
export class SeatQueueController {
  constructor(
    private readonly queue: SeatQueueService,
    private readonly identity: IdentityService,
  ) {}

  @Post()
  @ApiCreatedResponse({
    type: SeatQueueTicketDto,
    description: 'In the queue (WAITING, with `position`), or a free seat is already held for it (HELD).',
  })
  @ClientErrors(
    {
      status: 403,
      description:
        'LICENSE_SUSPENDED / LICENSE_EXPIRED / LICENSE_NOT_YET_VALID / DEVICE_NOT_ACTIVATED / CONTAINER_ACCESS_REVOKED / USER_NOT_IN_GROUP',
    },
    { status: 409, description: 'LICENSE_REVOKED / QUEUE_SEAT_HELD: the device holds a seat of the license already' },
    {
      status: 401,
      description:
        'UNAUTHENTICATED / CREDENTIALS_INVALID / CREDENTIALS_REVOKED; for `userToken`: TOKEN_INVALID / TOKEN_EXPIRED / TOKEN_REVOKED',
    },
  )
  async join(@CurrentPrincipal() principal: DevicePrincipal, @Body() body: JoinSeatQueueDto): Promise<QueueTicketView> {
    return this.queue.enqueue(await seatRequest(this.identity, principal, body));
  }

  /**
   * Long-poll: renews a waiting ticket, answers at once unless it is still waiting, else within a
   * second or so of a seat being held for it (or it lapsing), else after `wait` seconds.
   */
  @Get(':ticketId')
  @ApiOkResponse({
    type: SeatQueueTicketDto,
    description: 'The ticket now: HELD means check out with `ticketId` before `expiresAt`.',
  })
  async await(
    @CurrentPrincipal() principal: DevicePrincipal,
    @IdParam('ticketId') ticketId: string,
    @Query() query: AwaitSeatQueueQueryDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<QueueTicketView> {
    // The program hung up: stop waiting at once.
    const gone = new AbortController();
    const onClose = () => gone.abort();
    res.on('close', onClose);
    try {
      return await this.queue.awaitTurn(principal.containerId, ticketId, query.wait, gone.signal);
    } finally {
      res.off('close', onClose);
    }
  }

  @Delete(':ticketId')
  @ApiOkResponse({
    type: SeatQueueTicketDto,
    description:
      'Out of the queue (CANCELLED; a held seat passes to the next ticket). A ticket already out answers as it is.',
  })
  leave(
    @CurrentPrincipal() principal: DevicePrincipal,
    @IdParam('ticketId') ticketId: string,
  ): Promise<QueueTicketView> {
    return this.queue.cancel(principal.containerId, ticketId);
  }
}
