import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticate, CurrentPrincipal } from '@leasehold/auth';
import { ContainerCredentialsService, DevicePrincipal, DeviceToken } from '@leasehold/domain-licensing';
import { EndedLeaseView, HeartbeatView, LeaseView, SeatsService } from '@leasehold/domain-seats';
import { DomainError } from '@leasehold/errors';
import { IdParam } from '@leasehold/http';
import { ClientErrors } from './client-errors';
import { BorrowDto, CheckoutDto, EndedLeaseDto, HeartbeatAnswerDto, HeartbeatDto, LeaseDto } from './seats.dto';

const LICENSE_CODES = 'LICENSE_SUSPENDED / LICENSE_REVOKED / LICENSE_EXPIRED / LICENSE_NOT_YET_VALID';

/** Seats for the licensed program: check out, keep alive, release, borrow. See docs/seats.md. */
@ApiTags('client')
@ClientErrors({ status: 404, description: "NOT_FOUND: no such license or lease in the caller's container" })
@Controller('client/v1/seats')
export class SeatsController {
  constructor(
    private readonly seats: SeatsService,
    private readonly credentials: ContainerCredentialsService,
  ) {}

  @Post('checkout')
  @Authenticate('device')
  @ApiCreatedResponse({ type: LeaseDto, description: 'A seat is held until `expiresAt`; heartbeat every `heartbeatIntervalSeconds`.' })
  @ClientErrors(
    { status: 409, description: 'NO_SEAT_AVAILABLE: all seats in use; retry after details.retryAfter seconds (no `Retry-After` header: this is not a rate limit)' },
    { status: 403, description: `${LICENSE_CODES} / DEVICE_NOT_ACTIVATED (PERSONAL container) / BORROW_NOT_ALLOWED` },
    { status: 422, description: 'BORROW_TOO_LONG / BORROW_PAST_LICENSE_EXPIRY / BORROW_UNTIL_IN_PAST' },
  )
  checkout(@CurrentPrincipal() principal: DevicePrincipal, @Body() body: CheckoutDto): Promise<LeaseView> {
    if (Boolean(body.licenseId) === Boolean(body.product)) {
      const message = 'give exactly one of licenseId and product';
      throw new DomainError('VALIDATION_FAILED', message, { fields: [{ field: 'licenseId', messages: [message] }] });
    }
    return this.seats.checkout({
      containerId: principal.containerId,
      license: body.licenseId ? { licenseId: body.licenseId } : { productCode: body.product! },
      fingerprint: body.fingerprint,
      clientName: body.clientName,
      borrowUntil: body.borrowUntil,
    });
  }

  @Post(':leaseId/heartbeat')
  @Authenticate('device-token')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({
    type: HeartbeatAnswerDto,
    description: 'Extended by one lease TTL (a borrowed lease answers unchanged), with the container `revision` and `updateAvailable` (body `knownRevision`, optional).',
  })
  @ClientErrors({ status: 409, description: 'LEASE_EXPIRED (check out again) / SESSION_STOPPED (an admin stopped it)' }, { status: 403, description: LICENSE_CODES })
  async heartbeat(@CurrentPrincipal() token: DeviceToken, @IdParam('leaseId') leaseId: string, @Body() body: HeartbeatDto): Promise<HeartbeatView> {
    // The common case is one statement that authenticates and extends; anything else takes the
    // ordinary path, which answers with the precise code (401/403 for the secret, 404, 409, …).
    const beat = await this.seats.heartbeatByCredential(token.credentialHash, leaseId, body.knownRevision);
    if (beat) return beat;
    const principal = this.credentials.enter(await this.credentials.authenticateHash(token.credentialHash));
    return this.seats.heartbeat(principal.containerId, leaseId, body.knownRevision);
  }

  @Post(':leaseId/release')
  @Authenticate('device')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: EndedLeaseDto, description: 'The seat is free (a borrowed one is returned early). Releasing again answers how the lease ended.' })
  release(@CurrentPrincipal() principal: DevicePrincipal, @IdParam('leaseId') leaseId: string): Promise<EndedLeaseView> {
    return this.seats.release(principal.containerId, leaseId);
  }

  @Post(':leaseId/borrow')
  @Authenticate('device')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: LeaseDto, description: 'The live lease is borrowed until `borrowUntil` (or its borrow moved there).' })
  @ClientErrors(
    { status: 403, description: `BORROW_NOT_ALLOWED / ${LICENSE_CODES}` },
    { status: 409, description: 'LEASE_EXPIRED / SESSION_STOPPED' },
    { status: 422, description: 'BORROW_TOO_LONG / BORROW_PAST_LICENSE_EXPIRY / BORROW_UNTIL_IN_PAST' },
  )
  borrow(@CurrentPrincipal() principal: DevicePrincipal, @IdParam('leaseId') leaseId: string, @Body() body: BorrowDto): Promise<LeaseView> {
    return this.seats.borrow(principal.containerId, leaseId, body.borrowUntil);
  }
}
