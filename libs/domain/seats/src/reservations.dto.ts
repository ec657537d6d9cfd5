import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  Min,
} from 'class-validator';

// Request and answer shapes of the reservation and overage routes, shared by the vendor API
// (license-central) and the portal, which serve the same service (ReservationsService).

export class ReservationBodyDto {
  @ApiProperty({ minLength: 1, maxLength: 100, example: 'Night shift', description: 'Unique per license.' })
  @IsString()
  @Length(1, 100)
  name!: string;

  @ApiProperty({
    minimum: 1,
    example: 2,
    description: 'Seats held for the users; all reservations of a license together at most its quantity.',
  })
  @IsInt()
  @Min(1)
  @Max(100_000)
  seats!: number;

  @ApiProperty({
    type: [String],
    format: 'uuid',
    description: "Members of the container's group (at most one reservation per user and license).",
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @IsUUID('all', { each: true })
  userIds!: string[];
}

export class ReservationDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) licenseId!: string;
  @ApiProperty() name!: string;
  @ApiProperty() seats!: number;
  @ApiProperty({ type: [String], format: 'uuid' }) userIds!: string[];
  @ApiProperty({ description: "Seats of the license the reservation's users hold now." }) inUse!: number;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export class ReservationListDto {
  @ApiProperty({ type: [ReservationDto] }) data!: ReservationDto[];
}

export class OverageBodyDto {
  @ApiPropertyOptional({
    example: 1.5,
    description:
      'Up to factor × quantity seats (1.01 … 10, two decimals at most; rounded down). Exactly one of factor and extraSeats.',
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 2 })
  @Min(1.01)
  @Max(10)
  factor?: number;

  @ApiPropertyOptional({ example: 5, description: 'Up to quantity + extraSeats seats.' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100_000)
  extraSeats?: number;
}

export class OverageAllowanceDto {
  @ApiPropertyOptional({ example: 1.5 }) factor?: number;
  @ApiPropertyOptional({ example: 5 }) extraSeats?: number;
}

export class OverageDto {
  @ApiProperty({ format: 'uuid' }) licenseId!: string;
  @ApiProperty() quantity!: number;
  @ApiProperty({
    type: OverageAllowanceDto,
    nullable: true,
    description: 'null: no overage (checkouts stop at the quantity).',
  })
  allowance!: OverageAllowanceDto | null;
  @ApiProperty({ description: 'quantity + allowance: the most seats in use at once.' }) capacity!: number;
  @ApiProperty() inUse!: number;
  @ApiProperty({
    nullable: true,
    type: Date,
    description: 'Start of the running overage episode (seats in use above the quantity), else null.',
  })
  overageSince!: Date | null;
}

export class UsageOverageEpisodeDto {
  @ApiProperty() startedAt!: Date;
  @ApiProperty({ nullable: true, type: Date, description: 'null while it runs.' }) endedAt!: Date | null;
  @ApiProperty() peakSeats!: number;
}

export class UsageOverageDto {
  @ApiProperty({ type: OverageAllowanceDto, nullable: true }) allowance!: OverageAllowanceDto | null;
  @ApiProperty() capacity!: number;
  @ApiProperty({ description: 'Minutes in the range with more seats in use than the quantity.' }) minutes!: number;
  @ApiProperty({ description: 'Most seats in use at once while above the quantity (0: never).' }) peakSeats!: number;
  @ApiProperty({ description: 'Leases started in the range above the quantity (overage: true).' }) leases!: number;
  @ApiProperty({ type: [UsageOverageEpisodeDto] }) episodes!: UsageOverageEpisodeDto[];
}

export class UsageReservationDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() seats!: number;
  @ApiProperty({ type: [String], format: 'uuid' }) userIds!: string[];
  @ApiProperty() inUse!: number;
}

export class UsageReservationsDto {
  @ApiProperty({ description: 'Seats held by reservations now.' }) reservedSeats!: number;
  @ApiProperty({ type: [UsageReservationDto] }) items!: UsageReservationDto[];
}
