import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { PageMetaDto, VendorStatus } from '@leasehold/db';
import { CreatedApiKeyDto } from '../vendor/api-keys.dto';

export class CreateVendorDto {
  @ApiProperty({ example: 'acme-software', description: 'Unique, URL-safe name of the vendor.' })
  @IsString()
  @Length(2, 64)
  @Matches(/^[a-z0-9][a-z0-9-]*$/, { message: 'slug may contain lower-case letters, digits and "-"' })
  slug!: string;

  @ApiProperty({ example: 'ACME Software GmbH' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiPropertyOptional({ example: 'default', description: 'Name of the first API key.' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  firstApiKeyName?: string;
}

export class SetVendorStatusDto {
  @ApiProperty({ enum: VendorStatus })
  @IsEnum(VendorStatus)
  status!: VendorStatus;
}

const LIMIT = { type: 'integer', nullable: true, minimum: 1, maximum: 1_000_000 } as const;

/** A vendor's rate-limit plan: each value replaces the installation's default (RATE_LIMIT_*); null means the default. */
export class VendorLimitsDto {
  @ApiProperty({
    ...LIMIT,
    description: 'Requests per minute per API key (vendor API). Default: RATE_LIMIT_VENDOR_API_PER_KEY.',
  })
  apiRequestsPerMinute!: number | null;
  @ApiProperty({
    ...LIMIT,
    description:
      'Requests per minute per container credential (device API). Default: RATE_LIMIT_DEVICE_PER_CREDENTIAL.',
  })
  deviceRequestsPerMinute!: number | null;
  @ApiProperty({
    ...LIMIT,
    description:
      'Concurrent update streams (SSE and long-poll) per container. Default: RATE_LIMIT_UPDATE_STREAMS_PER_CONTAINER.',
  })
  updateStreamsPerContainer!: number | null;
}

/** Fields left out stay as they are; null puts a limit back to the installation's default. */
export class SetVendorLimitsDto {
  @ApiPropertyOptional({ ...LIMIT, description: 'Requests per minute per API key; null: the default.' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  apiRequestsPerMinute?: number | null;

  @ApiPropertyOptional({ ...LIMIT, description: 'Requests per minute per container credential; null: the default.' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  deviceRequestsPerMinute?: number | null;

  @ApiPropertyOptional({ ...LIMIT, description: 'Concurrent update streams per container; null: the default.' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  updateStreamsPerContainer?: number | null;
}

export class VendorDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() slug!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: VendorStatus }) status!: VendorStatus;
  @ApiProperty() createdAt!: Date;
  @ApiProperty({ type: VendorLimitsDto }) limits!: VendorLimitsDto;
}

export class CreatedVendorDto {
  @ApiProperty({ type: VendorDto }) vendor!: VendorDto;
  @ApiProperty({ type: CreatedApiKeyDto }) apiKey!: CreatedApiKeyDto;
}

export class VendorPageDto extends PageMetaDto {
  @ApiProperty({ type: [VendorDto] }) data!: VendorDto[];
}
