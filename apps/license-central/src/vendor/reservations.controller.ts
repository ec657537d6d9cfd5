import { Body, Controller, Delete, Get, Post, Put } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticate } from '@leasehold/auth';
import {
  allowanceFromBody,
  OverageAllowanceService,
  OverageAllowanceView,
  OverageBodyDto,
  OverageDto,
  ReservationBodyDto,
  ReservationDto,
  ReservationListDto,
  ReservationsService,
  ReservationView,
} from '@leasehold/domain-seats';
import { IdParam, IdempotentWrites } from '@leasehold/http';
import { VendorErrors } from '../error-responses';

/** Seat reservations and the overage allowance of a license (docs/seats.md). */
@ApiTags('licenses')
@Authenticate('vendor-key')
@VendorErrors()
@IdempotentWrites()
@Controller('v1/licenses')
export class LicenseSeatRulesController {
  constructor(
    private readonly reservations: ReservationsService,
    private readonly overage: OverageAllowanceService,
  ) {}

  @Get(':licenseId/reservations')
  @ApiOkResponse({ type: ReservationListDto })
  async listReservations(@IdParam('licenseId') licenseId: string): Promise<{ data: ReservationView[] }> {
    return { data: await this.reservations.list(licenseId) };
  }

  @Post(':licenseId/reservations')
  @ApiCreatedResponse({
    type: ReservationDto,
    description: 'Seats held for these users; others cannot take them while the users may.',
  })
  @VendorErrors(409, 422)
  createReservation(
    @IdParam('licenseId') licenseId: string,
    @Body() body: ReservationBodyDto,
  ): Promise<ReservationView> {
    return this.reservations.create(licenseId, body);
  }

  @Put(':licenseId/reservations/:reservationId')
  @ApiOkResponse({ type: ReservationDto, description: 'Replaces name, seats and users.' })
  @VendorErrors(409, 422)
  updateReservation(
    @IdParam('licenseId') licenseId: string,
    @IdParam('reservationId') reservationId: string,
    @Body() body: ReservationBodyDto,
  ): Promise<ReservationView> {
    return this.reservations.update(licenseId, reservationId, body);
  }

  @Delete(':licenseId/reservations/:reservationId')
  @ApiOkResponse({ type: ReservationDto, description: 'The reservation as it was; its seats are free for everyone.' })
  deleteReservation(
    @IdParam('licenseId') licenseId: string,
    @IdParam('reservationId') reservationId: string,
  ): Promise<ReservationView> {
    return this.reservations.remove(licenseId, reservationId);
  }

  @Get(':licenseId/overage')
  @ApiOkResponse({ type: OverageDto })
  getOverage(@IdParam('licenseId') licenseId: string): Promise<OverageAllowanceView> {
    return this.overage.get(licenseId);
  }

  @Put(':licenseId/overage')
  @ApiOkResponse({
    type: OverageDto,
    description: 'Checkouts above the quantity succeed up to the capacity, marked overage: true.',
  })
  setOverage(@IdParam('licenseId') licenseId: string, @Body() body: OverageBodyDto): Promise<OverageAllowanceView> {
    return this.overage.set(licenseId, allowanceFromBody(body));
  }

  @Delete(':licenseId/overage')
  @ApiOkResponse({ type: OverageDto, description: 'No overage any more; running sessions keep their seats.' })
  removeOverage(@IdParam('licenseId') licenseId: string): Promise<OverageAllowanceView> {
    return this.overage.set(licenseId, null);
  }
}
