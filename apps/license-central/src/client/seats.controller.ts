import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticate, CurrentPrincipal } from '@leasehold/auth';
import { IdentityService } from '@leasehold/domain-identity';
import { DevicePrincipal, DeviceSeatsService, DeviceToken } from '@leasehold/domain-licensing';
import {
  CheckoutInput,
  EndedLeaseDto,
  EndedLeaseView,
  HeartbeatView,
  LeaseView,
  SeatCheckoutService,
  SeatsService,
} from '@leasehold/domain-seats';
import { DomainError } from '@leasehold/errors';
import { IdParam, IdempotentWrites } from '@leasehold/http';
import { ClientErrors } from './client-errors';
import { BorrowDto, CheckoutDto, HeartbeatAnswerDto, HeartbeatDto, LeaseDto, ReleaseDto } from './seats.dto';

const LICENSE_CODES = 'LICENSE_SUSPENDED / LICENSE_EXPIRED / LICENSE_NOT_YET_VALID';

/** The license a checkout or a wait names: by id or by product code, when exactly one of them is given. */
function licenseRefOf(body: Pick<CheckoutDto, 'licenseId' | 'product'>): CheckoutInput['license'] | null {
  if (Boolean(body.licenseId) === Boolean(body.product)) return null;
  return body.licenseId ? { licenseId: body.licenseId } : { productCode: body.product! };
}

/** Who asks for a seat of which license, from a checkout or a request to wait for one (exactly one of licenseId and product). */
export async function seatRequest(
  identity: IdentityService,
  principal: DevicePrincipal,
  body: Pick<CheckoutDto, 'licenseId' | 'product' | 'userToken' | 'fingerprint' | 'clientName'>,
): Promise<Pick<CheckoutInput, 'user' | 'containerId' | 'license' | 'fingerprint' | 'clientName'>> {
  const license = licenseRefOf(body);
  if (!license) {
    const message = 'give exactly one of licenseId and product';
    throw new DomainError('VALIDATION_FAILED', message, { fields: [{ field: 'licenseId', messages: [message] }] });
  }
  const user = body.userToken ? await identity.authenticate(body.userToken) : null;
  if (user && user.vendorId !== principal.vendorId)
    throw new DomainError('TOKEN_INVALID', 'The userToken is not a portal token of this vendor');
  return {
    user: user ? { id: user.userId, groupId: user.groupId } : undefined,
    containerId: principal.containerId,
    license,
    fingerprint: body.fingerprint,
    clientName: body.clientName,
  };
}

/** Seats for the licensed program: check out, keep alive, release, borrow. See docs/seats.md. */
@ApiTags('client')
@ClientErrors({
  status: 404,
  description: "NOT_FOUND: no such license, lease or wait-queue ticket (of this device) in the caller's container",
})
@IdempotentWrites()
@Controller('client/v1/seats')
export class SeatsController {
  constructor(
    private readonly checkouts: SeatCheckoutService,
    private readonly seats: SeatsService,
    private readonly deviceSeats: DeviceSeatsService,
    private readonly identity: IdentityService,
  ) {}

  @Post('checkout')
  @Authenticate('device-token')
  @ApiCreatedResponse({
    type: LeaseDto,
    description: 'A seat is held until `expiresAt`; heartbeat every `heartbeatIntervalSeconds`.',
  })
  @ClientErrors(
    {
      status: 403,
      description: `${LICENSE_CODES} / DEVICE_NOT_ACTIVATED (PERSONAL container) / BORROW_NOT_ALLOWED / CONTAINER_ACCESS_REVOKED (its user was removed or disabled) / USER_NOT_IN_GROUP (userToken) / RETURN_PROOF_INVALID (the device holds this seat borrowed already: a borrow never moves earlier nor changes its returnKeyHash)`,
    },
    {
      status: 409,
      description:
        'LICENSE_REVOKED / NO_SEAT_AVAILABLE: all seats in use (or programs wait for them: join the queue, POST /client/v1/seat-queue); retry after details.retryAfter seconds (no `Retry-After` header: this is not a rate limit) / QUEUE_TICKET_WAITING (`ticketId` given, no seat held for it yet) / QUEUE_TICKET_ENDED (the ticket lapsed, was cancelled or used)',
    },
    { status: 422, description: 'BORROW_TOO_LONG / BORROW_PAST_LICENSE_EXPIRY / BORROW_UNTIL_IN_PAST' },
  )
  @ClientErrors({
    status: 401,
    description:
      'UNAUTHENTICATED / CREDENTIALS_INVALID / CREDENTIALS_REVOKED; for `userToken`: TOKEN_INVALID / TOKEN_EXPIRED / TOKEN_REVOKED (the user was removed, disabled or logged out)',
  })
  async checkout(@CurrentPrincipal() token: DeviceToken, @Body() body: CheckoutDto): Promise<LeaseView> {
    // The common checkout authenticates in its own statement; the rest (and any refusal of the
    // secret) authenticates first, so a bad secret is answered 401 whatever the body says.
    const license = licenseRefOf(body);
    const common = license && !body.userToken && !body.borrowUntil && !body.ticketId;
    return this.deviceSeats.checkout(
      token,
      common ? { license, fingerprint: body.fingerprint, clientName: body.clientName } : null,
      async (principal) =>
        this.checkouts.checkout({
          ...(await seatRequest(this.identity, principal, body)),
          borrowUntil: body.borrowUntil,
          returnKeyHash: body.returnKeyHash ?? null,
          ticketId: body.ticketId ?? null,
        }),
    );
  }

  @Post(':leaseId/heartbeat')
  @Authenticate('device-token')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({
    type: HeartbeatAnswerDto,
    description:
      'Extended by one lease TTL (a borrowed lease answers unchanged), with the container `revision` and `updateAvailable` (body `knownRevision`, optional).',
  })
  @ClientErrors(
    {
      status: 409,
      description:
        'LEASE_EXPIRED (check out again) / SESSION_STOPPED (an admin stopped it, or its user was removed) / LICENSE_REVOKED',
    },
    { status: 403, description: `${LICENSE_CODES} / CONTAINER_ACCESS_REVOKED` },
  )
  heartbeat(
    @CurrentPrincipal() token: DeviceToken,
    @IdParam('leaseId') leaseId: string,
    @Body() body: HeartbeatDto,
  ): Promise<HeartbeatView> {
    return this.deviceSeats.heartbeat(token, leaseId, body.knownRevision);
  }

  @Post(':leaseId/release')
  @Authenticate('device-token')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({
    type: EndedLeaseDto,
    description:
      'The seat is free. A borrowed one is returned early only with `returnKey` (the proof the borrow committed to); it counts towards the churn limit. Releasing again answers how the lease ended.',
  })
  @ClientErrors(
    {
      status: 403,
      description:
        'RETURN_PROOF_INVALID: a borrowed seat without (the right) returnKey, or borrowed without returnKeyHash: held until borrowUntil',
    },
    {
      status: 409,
      description:
        'ACTIVATION_CHURN_LIMIT: too many deactivations and early returns on this container in 30 days; allowed again after details.retryAfter seconds (no `Retry-After` header: this is not a rate limit)',
    },
  )
  release(
    @CurrentPrincipal() token: DeviceToken,
    @IdParam('leaseId') leaseId: string,
    @Body() body: ReleaseDto,
  ): Promise<EndedLeaseView> {
    return this.deviceSeats.release(token, leaseId, body?.returnKey ?? null);
  }

  @Post(':leaseId/borrow')
  @Authenticate('device')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({
    type: LeaseDto,
    description: 'The live lease is borrowed until `borrowUntil` (or its borrow moved there).',
  })
  @ClientErrors(
    {
      status: 403,
      description: `BORROW_NOT_ALLOWED / ${LICENSE_CODES} / CONTAINER_ACCESS_REVOKED / RETURN_PROOF_INVALID (moving a borrow earlier is an early return: release with returnKey; or another returnKeyHash)`,
    },
    { status: 409, description: 'LEASE_EXPIRED / SESSION_STOPPED / LICENSE_REVOKED' },
    { status: 422, description: 'BORROW_TOO_LONG / BORROW_PAST_LICENSE_EXPIRY / BORROW_UNTIL_IN_PAST' },
  )
  borrow(
    @CurrentPrincipal() principal: DevicePrincipal,
    @IdParam('leaseId') leaseId: string,
    @Body() body: BorrowDto,
  ): Promise<LeaseView> {
    return this.seats.borrow(principal.containerId, leaseId, body.borrowUntil, body.returnKeyHash ?? null);
  }
}
