import { Body, Controller, Delete, Get, Post, Put } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticate, CurrentPrincipal } from '@leasehold/auth';
import { adminGroupOf } from '@leasehold/domain-customers';
import type { PortalPrincipal } from '@leasehold/domain-identity';
import {
  ReservationBodyDto,
  ReservationDto,
  ReservationListDto,
  ReservationsService,
  ReservationView,
} from '@leasehold/domain-seats';
import { IdParam } from '@leasehold/http';
import { GroupAdminErrors } from '../error-responses';

const WRITE_ERRORS = [
  {
    status: 409,
    description:
      'RESERVATIONS_EXCEED_QUANTITY / RESERVATION_USER_TAKEN / RESERVATION_NAME_TAKEN / CONTAINER_KIND_MISMATCH',
  },
  { status: 422, description: 'RESERVATION_USER_NOT_IN_GROUP (a user who is not a member of your group)' },
];

/** Seat reservations of a license on one of the group's containers ("2 seats always for the night shift"). */
@ApiTags('group reservations')
@Authenticate('portal-jwt')
@GroupAdminErrors()
@Controller('v1/group/licenses')
export class GroupReservationsController {
  constructor(private readonly reservations: ReservationsService) {}

  @Get(':licenseId/reservations')
  @ApiOkResponse({ type: ReservationListDto })
  async list(
    @CurrentPrincipal() me: PortalPrincipal,
    @IdParam('licenseId') licenseId: string,
  ): Promise<{ data: ReservationView[] }> {
    return { data: await this.reservations.list(licenseId, { groupId: adminGroupOf(me) }) };
  }

  @Post(':licenseId/reservations')
  @ApiCreatedResponse({
    type: ReservationDto,
    description: 'Seats held for these members; others cannot take them while the members may.',
  })
  @GroupAdminErrors(...WRITE_ERRORS)
  create(
    @CurrentPrincipal() me: PortalPrincipal,
    @IdParam('licenseId') licenseId: string,
    @Body() body: ReservationBodyDto,
  ): Promise<ReservationView> {
    return this.reservations.create(licenseId, body, { groupId: adminGroupOf(me) });
  }

  @Put(':licenseId/reservations/:reservationId')
  @ApiOkResponse({ type: ReservationDto, description: 'Replaces name, seats and members.' })
  @GroupAdminErrors(...WRITE_ERRORS)
  update(
    @CurrentPrincipal() me: PortalPrincipal,
    @IdParam('licenseId') licenseId: string,
    @IdParam('reservationId') reservationId: string,
    @Body() body: ReservationBodyDto,
  ): Promise<ReservationView> {
    return this.reservations.update(licenseId, reservationId, body, { groupId: adminGroupOf(me) });
  }

  @Delete(':licenseId/reservations/:reservationId')
  @ApiOkResponse({ type: ReservationDto, description: 'The reservation as it was; its seats are free for everyone.' })
  remove(
    @CurrentPrincipal() me: PortalPrincipal,
    @IdParam('licenseId') licenseId: string,
    @IdParam('reservationId') reservationId: string,
  ): Promise<ReservationView> {
    return this.reservations.remove(licenseId, reservationId, { groupId: adminGroupOf(me) });
  }
}
