// The HTTP shapes of offline activation by code (request / release code in, response code out),
// shared by the vendor route and the portal's, so both OpenAPI documents describe one schema each.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { EndedLeaseDto } from '@leasehold/domain-seats';

export class SubmitOfflineCodeDto {
  @ApiProperty({
    example: '2C0D4-0G8Z3-…',
    description:
      'The request code (activate, borrow) or release code (deactivate) the program showed; case, spaces, line breaks and dashes do not matter.',
  })
  @IsString()
  @Length(1, 400)
  code!: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'The license the response names, when the container holds several usable ones.',
  })
  @IsOptional()
  @IsUUID()
  licenseId?: string;

  @ApiPropertyOptional({ example: 'cargo-office', description: 'Or the product code of that license.' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  product?: string;

  @ApiPropertyOptional({
    example: 'Test bench 4',
    description: 'Shown in device and session lists (the code carries no name).',
  })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  deviceName?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description:
      'Required for a borrow code: when the borrowed seat frees itself (≤ maxBorrowDays, ≤ offlinePeriodDays, ≤ the license expiry).',
  })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  borrowUntil?: Date;
}

class OfflineDeviceDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) containerId!: string;
  @ApiProperty({ description: 'For an offline device: "offline " + its fingerprint digest.' }) fingerprint!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ['ONLINE', 'OFFLINE'] }) method!: string;
  @ApiProperty() active!: boolean;
  @ApiProperty({ format: 'date-time' }) activatedAt!: Date;
  @ApiProperty({ format: 'date-time', nullable: true, type: Date }) deactivatedAt!: Date | null;
}

export class OfflineCodeResultDto {
  @ApiProperty({ enum: ['activate', 'deactivate', 'borrow'] }) kind!: string;
  @ApiProperty({ description: 'The submitted code, canonical (upper case, groups of 5).' }) requestCode!: string;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Carry this to the program (activate, borrow); null for a release code.',
  })
  responseCode!: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) licenseId!: string | null;
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: Date,
    description: 'When the activation or borrow ends (null: no end).',
  })
  validUntil!: Date | null;
  @ApiProperty({
    type: OfflineDeviceDto,
    nullable: true,
    description: 'The device activated or deactivated (PERSONAL containers).',
  })
  device!: OfflineDeviceDto | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'The borrowed seat (borrow).' }) leaseId!:
    | string
    | null;
  @ApiProperty({ type: [EndedLeaseDto], description: 'Seats returned by a release code (ENTERPRISE containers).' })
  returnedLeases!: EndedLeaseDto[];
}

export class UpdateRequestedDto {
  @ApiProperty({ format: 'uuid' }) containerId!: string;
  @ApiProperty({ description: "The container's revision (programs waiting with it are told to fetch anyway)." })
  revision!: number;
}
