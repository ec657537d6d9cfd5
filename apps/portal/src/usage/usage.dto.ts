import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsEnum, IsOptional } from 'class-validator';
import { type LeaseHistoryView, UsageOverageDto, UsageReservationsDto } from '@leasehold/domain-seats';
import { PageMetaDto, PageQueryDto } from '@leasehold/http';

export enum UsageGranularityDto {
  hour = 'hour',
  day = 'day',
}

export class UsageQueryDto {
  @ApiProperty({ type: String, format: 'date-time', description: 'Start (rounded down to the bucket, UTC).' })
  @Type(() => Date)
  @IsDate({ message: 'from must be an ISO 8601 date-time' })
  from!: Date;

  @ApiProperty({ type: String, format: 'date-time', description: 'End, exclusive (rounded up to the bucket). At most 93 days hourly or 3 years daily.' })
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
  @ApiProperty({ type: [UsagePointDto], description: 'Every bucket from `from` to `to` in order, zeros included: plot it as it is.' }) series!: UsagePointDto[];
  @ApiProperty({ type: UsageTotalsDto }) totals!: UsageTotalsDto;
  @ApiProperty({ type: UsageOverageDto, description: 'Time above the quantity (minutes, peak, episodes); docs/seats.md "Overage".' }) overage!: UsageOverageDto;
  @ApiProperty({ type: UsageReservationsDto, description: 'Seat reservations of the license now.' }) reservations!: UsageReservationsDto;
}

export class LeaseHistoryQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Only leases still running at or after this time.' })
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'from must be an ISO 8601 date-time' })
  from?: Date;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Only leases started before this time (exclusive); must be after `from`.' })
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'to must be an ISO 8601 date-time' })
  to?: Date;
}

export class LeaseHistoryDto {
  @ApiProperty({ format: 'uuid', description: 'The lease id.' }) id!: string;
  @ApiProperty({ format: 'uuid' }) licenseId!: string;
  @ApiProperty({ format: 'uuid' }) containerId!: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: "Who: the lease's user, else the owner of its PERSONAL container, when known." }) userId!: string | null;
  @ApiProperty({ nullable: true, type: String }) userName!: string | null;
  @ApiProperty({ nullable: true, type: String }) userEmail!: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) deviceId!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The activated device (PERSONAL containers).' }) deviceName!: string | null;
  @ApiProperty({ description: "The device's fingerprint." }) fingerprint!: string;
  @ApiProperty({ nullable: true, type: String, description: 'The host or user name the program reported.' }) clientName!: string | null;
  @ApiProperty() startedAt!: Date;
  @ApiProperty({ nullable: true, type: Date, description: 'Null while the seat is held; an expired lease not yet swept ends at its expiry.' }) endedAt!: Date | null;
  @ApiProperty({ nullable: true, type: String, enum: ['RELEASED', 'EXPIRED', 'STOPPED', 'RETURNED', 'USER_REMOVED', 'LICENSE_CHANGED'] }) endReason!: string | null;
  @ApiProperty({ description: 'The lease holds its seat now.' }) live!: boolean;
  @ApiProperty({ type: 'integer', description: 'Whole seconds from start to end (to now while live).' }) durationSeconds!: number;
}

export class LeaseHistoryPageDto extends PageMetaDto {
  @ApiProperty({ type: [LeaseHistoryDto] }) data!: LeaseHistoryDto[];
}

export const toLeaseHistoryDto = (l: LeaseHistoryView): LeaseHistoryDto => ({
  id: l.id,
  licenseId: l.licenseId,
  containerId: l.containerId,
  userId: l.userId,
  userName: l.userName,
  userEmail: l.userEmail,
  deviceId: l.deviceId,
  deviceName: l.deviceName,
  fingerprint: l.fingerprint,
  clientName: l.clientName,
  startedAt: l.startedAt,
  endedAt: l.endedAt,
  endReason: l.endReason,
  live: l.live,
  durationSeconds: l.durationSeconds,
});
