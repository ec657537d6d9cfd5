import {
  CanActivate,
  Controller,
  ExecutionContext,
  Get,
  Headers,
  Injectable,
  MessageEvent,
  Query,
  Res,
  Sse,
  UseGuards,
} from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiProduces, ApiTags, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import type { Response } from 'express';
import { interval, map, merge, Observable } from 'rxjs';
import { Authenticate, CurrentPrincipal, RateLimitedRequest, RequestRateLimits } from '@leasehold/auth';
import { DevicePrincipal } from '@leasehold/domain-licensing';
import { UpdateAnswer, UpdatesService, UpdateStreamEvent } from '@leasehold/domain-updates';
import { ClientErrors } from './client-errors';
import { MAX_REVISION, UpdatesStreamQueryDto, UpdatesQueryDto, UpdateAnswerDto } from './updates.dto';

/** How often a quiet stream sends a comment line, so proxies and NATs keep the connection open. */
export const STREAM_KEEPALIVE_MS = 20_000;

/** An EventSource-style `Last-Event-ID` (the revision of the last event the program acted on), if it is one. */
function lastEventRevision(header: string | undefined): number | null {
  if (header === undefined || !/^\d{1,10}$/.test(header.trim())) return null;
  const revision = Number(header.trim());
  return revision <= MAX_REVISION ? revision : null;
}

/** SSE framing: the event name as `event:`, the revision as `id:` (never Nest's own counter), JSON data. */
function toMessage(known: number, event: UpdateStreamEvent): MessageEvent {
  if (event.event === 'ready') return { type: 'ready', id: String(known), data: { revision: event.revision } };
  const { event: type, ...data } = event;
  return { type, id: String(event.revision), data };
}

/** OpenAPI: the 429 of a container whose update-stream slots are all held. */
const ApiTooManyStreams = () =>
  ApiTooManyRequestsResponse({
    schema: { $ref: '#/components/schemas/ErrorResponse' },
    description:
      'RATE_LIMITED: too many requests for this credential or address, or the container already has its maximum of open update streams ' +
      '(SSE and waiting long-polls; RATE_LIMIT_UPDATE_STREAMS_PER_CONTAINER or the vendor plan). `details.retryAfter`, `Retry-After`.',
  });

/**
 * Holds one of the container's update-stream slots (RATE_LIMIT_UPDATE_STREAMS_PER_CONTAINER or the
 * vendor's plan) for as long as the response is open: an SSE stream, or a long-poll that waits.
 * Taken before the handler (a full container is a plain 429 in the error envelope) and given back
 * when the response closes, however it ends (answered, hung up, refused by validation).
 */
@Injectable()
class UpdateStreamSlot implements CanActivate {
  constructor(private readonly rateLimits: RequestRateLimits) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const req = http.getRequest<RateLimitedRequest & { user?: DevicePrincipal }>();
    const res = http.getResponse<Response>();
    if (req.path.endsWith('/updates') && req.query['wait'] === '0') return true; // answers at once
    const principal = req.user;
    if (!principal) return true; // the authentication guard refuses it
    const slot = await this.rateLimits.openStream(principal.containerId, req.vendorLimits);
    if (res.writableFinished || res.destroyed) slot.release();
    else res.once('close', () => slot.release());
    return true;
  }
}

/** Auto-update triggers for the licensed program: docs/auto-update.md. */
@ApiTags('client')
@Authenticate('device')
@ClientErrors()
@Controller('client/v1/updates')
export class UpdatesController {
  constructor(private readonly updates: UpdatesService) {}

  /**
   * Long-poll: answers at once when the container's revision differs from `knownRevision` (as
   * validate and heartbeat say `updateAvailable`), within a second of a change or an admin's
   * "update now", else after `wait` seconds with `updateAvailable: false`. Ask again right after
   * each answer.
   */
  @Get()
  @ApiOkResponse({ type: UpdateAnswerDto })
  @ApiTooManyStreams()
  @UseGuards(UpdateStreamSlot)
  async poll(
    @CurrentPrincipal() principal: DevicePrincipal,
    @Query() query: UpdatesQueryDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<UpdateAnswer> {
    // The program hung up (the response closed before it was sent): stop waiting at once.
    const gone = new AbortController();
    const onClose = () => gone.abort();
    res.on('close', onClose);
    try {
      return await this.updates.waitForUpdate(
        principal.vendorId,
        principal.containerId,
        query.knownRevision,
        query.wait,
        gone.signal,
      );
    } finally {
      res.off('close', onClose);
    }
  }

  /**
   * Server-sent events: `ready` once the stream listens, then `update` (data as the long-poll's
   * answer) at once if the revision differs from `knownRevision` (or `Last-Event-ID`, on reconnect),
   * and within a second of each later license change or "update now". The stream stays open; a
   * comment line every 20 s keeps it alive. Hanging up drops the stream's wake-up listener.
   */
  @Sse('stream')
  @ApiProduces('text/event-stream')
  @ApiHeader({
    name: 'Last-Event-ID',
    required: false,
    description: 'The `id` (revision) of the last event received: takes the place of `knownRevision` on reconnect.',
  })
  @ApiOkResponse({
    description:
      'text/event-stream. `event: ready` `id: <knownRevision>` `data: {"revision":7}`; `event: update` `id: <revision>` `data: {"revision":8,"updateAvailable":true,"reason":"LICENSE_CHANGED"|"UPDATE_REQUESTED"}`.',
  })
  @ApiTooManyStreams()
  @UseGuards(UpdateStreamSlot)
  stream(
    @CurrentPrincipal() principal: DevicePrincipal,
    @Query() query: UpdatesStreamQueryDto,
    @Headers('last-event-id') lastEventId: string | undefined,
  ): Observable<MessageEvent> {
    const known = lastEventRevision(lastEventId) ?? query.knownRevision;
    const events = this.updates
      .watch(principal.vendorId, principal.containerId, known)
      .pipe(map((event) => toMessage(known, event)));
    const keepAlive = interval(STREAM_KEEPALIVE_MS).pipe(map((): MessageEvent => ({ comment: 'keepalive' })));
    return merge(events, keepAlive);
  }
}
