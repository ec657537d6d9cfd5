import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsEnum } from 'class-validator';
import { UsageOverageDto, UsageReservationsDto } from '@leasehold/domain-seats';

export enum UsageGranularityDto {
  hour = 'hour',
  day = 'day',
}

export class UsageQueryDto {
  @ApiProperty({ format: 'date-time', description: 'Start (rounded down to the bucket, UTC).' })
  @Type(() => Date)
  @IsDate()
  from!: Date;

  @ApiProperty({ format: 'date-time', description: 'End, exclusive (rounded up to the bucket). At most 93 days hourly or 3 years daily.' })
  @Type(() => Date)
  @IsDate()
  to!: Date;

  @ApiProperty({ enum: UsageGranularityDto })
  @IsEnum(UsageGranularityDto)
  granularity!: UsageGranularityDto;
}

export class UsagePointDto {
  @ApiProperty({ description: 'Start of the hour or day (UTC).' }) start!: Date;
  @ApiProperty({ description: 'Most seats in use at the same time within the bucket.' }) peakSeats!: number;
  @ApiProperty({ description: 'Seat time within the bucket, in hours.' }) seatHours!: number;
  @ApiProperty({ description: 'Refused checkouts (NO_SEAT_AVAILABLE).' }) denials!: number;
}

export class UsageTotalsDto {
  @ApiProperty() peakSeats!: number;
  @ApiProperty() seatHours!: number;
  @ApiProperty() denials!: number;
}

export class UsageHistoryDto {
  @ApiProperty({ format: 'uuid' }) licenseId!: string;
  @ApiProperty({ description: 'Seats bought (current quantity), to draw as the limit line.' }) quantity!: number;
  @ApiProperty({ enum: UsageGranularityDto }) granularity!: UsageGranularityDto;
  @ApiProperty() from!: Date;
  @ApiProperty() to!: Date;
  @ApiProperty({ type: [UsagePointDto], description: 'Every bucket from `from` to `to`, zeros included.' }) series!: UsagePointDto[];
  @ApiProperty({ type: UsageTotalsDto }) totals!: UsageTotalsDto;
  @ApiProperty({ type: UsageOverageDto, description: 'Time above the quantity (minutes, peak, episodes); docs/seats.md "Overage".' }) overage!: UsageOverageDto;
  @ApiProperty({ type: UsageReservationsDto, description: 'Seat reservations of the license now.' }) reservations!: UsageReservationsDto;
}
