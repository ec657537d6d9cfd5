import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsOptional, IsString, Length, Matches } from 'class-validator';
import { PageMetaDto } from '@leasehold/http';
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

export enum VendorStatusDto {
  ACTIVE = 'ACTIVE',
  SUSPENDED = 'SUSPENDED',
}

export class SetVendorStatusDto {
  @ApiProperty({ enum: VendorStatusDto })
  @IsEnum(VendorStatusDto)
  status!: VendorStatusDto;
}

export class VendorDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() slug!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: VendorStatusDto }) status!: VendorStatusDto;
  @ApiProperty() createdAt!: Date;
}

export class CreatedVendorDto {
  @ApiProperty({ type: VendorDto }) vendor!: VendorDto;
  @ApiProperty({ type: CreatedApiKeyDto }) apiKey!: CreatedApiKeyDto;
}

export class VendorPageDto extends PageMetaDto {
  @ApiProperty({ type: [VendorDto] }) data!: VendorDto[];
}
