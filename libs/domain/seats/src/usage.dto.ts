// The usage chart's HTTP shapes, shared by the vendor API and the portal.
import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsEnum } from 'class-validator';
import { UsageOverageDto, UsageReservationsDto } from './reservations.dto';

export enum UsageGranularityDto {
  hour = 'hour',
  day = 'day',
}

export class UsageQueryDto {
  @ApiProperty({ type: String, format: 'date-time', description: 'Start (rounded down to the bucket, UTC).' })
  @Type(() => Date)
  @IsDate({ message: 'from must be an ISO 8601 date-time' })
  from!: Date;

  @ApiProperty({
    type: String,
    format: 'date-time',
    description: 'End, exclusive (rounded up to the bucket). At most 93 days hourly or 3 years daily.',
  })
  @Type(() => Date)
  @IsDate({ message: 'to must be an ISO 8601 date-time' })
  to!: Date;

  @ApiProperty({ enum: UsageGranularityDto })
  @IsEnum(UsageGranularityDto)
  granularity!: UsageGranularityDto;
}

export class UsagePointDto {
  @ApiProperty({ description: 'Start of the hour or day (UTC): the x value.' }) start!: Date;
  @ApiProperty({ description: 'Most seats in use at the same time within the bucket.' }) peakSeats!: number;
  @ApiProperty({ description: 'Seat time within the bucket, in hours.' }) seatHours!: number;
  @ApiProperty({
    description: "Time within the bucket with more seats in use than the license's quantity (overage), in minutes.",
  })
  overageMinutes!: number;
  @ApiProperty({ type: 'integer', description: 'Leases that started within the bucket.' }) sessionsStarted!: number;
  @ApiProperty({ type: 'integer', description: 'Distinct users among the leases of the bucket.' })
  distinctUsers!: number;
  @ApiProperty({ type: 'integer', description: 'Distinct workstations (fingerprints) among the leases of the bucket.' })
  distinctDevices!: number;
  @ApiProperty({ description: 'Refused checkouts (NO_SEAT_AVAILABLE).' }) denials!: number;
}

export class UsageTotalsDto {
  @ApiProperty() peakSeats!: number;
  @ApiProperty() seatHours!: number;
  @ApiProperty() sessionsStarted!: number;
  @ApiProperty() denials!: number;
}

export class UsageHistoryDto {
  @ApiProperty({ format: 'uuid' }) licenseId!: string;
  @ApiProperty({ description: 'Seats bought (current quantity), to draw as the limit line.' }) quantity!: number;
  @ApiProperty({ enum: UsageGranularityDto }) granularity!: UsageGranularityDto;
  @ApiProperty() from!: Date;
  @ApiProperty() to!: Date;
  @ApiProperty({
    nullable: true,
    type: Date,
    description:
      "Whole buckets before this come from the worker's aggregates, later ones are computed from the lease history (null: no aggregate written yet). See docs/usage.md.",
  })
  aggregatedUntil!: Date | null;
  @ApiProperty({
    type: [UsagePointDto],
    description: 'Every bucket from `from` to `to` in order, zeros included: plot it as it is.',
  })
  series!: UsagePointDto[];
  @ApiProperty({ type: UsageTotalsDto }) totals!: UsageTotalsDto;
  @ApiProperty({
    type: UsageOverageDto,
    description: 'Time above the quantity (minutes, peak, episodes); docs/seats.md "Overage".',
  })
  overage!: UsageOverageDto;
  @ApiProperty({ type: UsageReservationsDto, description: 'Seat reservations of the license now.' })
  reservations!: UsageReservationsDto;
}
