import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDate,
  IsEnum,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  Min,
  ValidateIf,
} from 'class-validator';
import { LicenseStatus, PageMetaDto, PageQueryDto, RenewalPolicy } from '@leasehold/db';

export class CreateLicenseDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  productId!: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description: "Draw the quantity from a purchase of the container's group (never above its seats in total).",
  })
  @IsOptional()
  @IsUUID()
  purchaseId?: string;

  @ApiPropertyOptional({
    type: [String],
    example: ['export-pdf'],
    description: "Feature codes of the license's product.",
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(500)
  @IsString({ each: true })
  @Length(1, 64, { each: true })
  features?: string[];

  @ApiProperty({
    minimum: 1,
    description: 'PERSONAL: devices that may run at once (≤ deviceLimit). ENTERPRISE: concurrent seats.',
  })
  @IsInt()
  @Min(1)
  @Max(100_000)
  quantity!: number;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Defaults to now.' })
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'validFrom must be an ISO 8601 date-time' })
  validFrom?: Date;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Never expires when absent or null.',
  })
  @IsOptional()
  @ValidateIf((_o, v) => v !== null)
  @Type(() => Date)
  @IsDate({ message: 'expiresAt must be an ISO 8601 date-time' })
  expiresAt?: Date | null;

  @ApiPropertyOptional({
    minimum: 60,
    maximum: 86_400,
    default: 3600,
    description: 'Lease TTL / idle timeout of a seat.',
  })
  @IsOptional()
  @IsInt()
  @Min(60)
  @Max(86_400)
  leaseTtlSeconds?: number;

  @ApiPropertyOptional({
    minimum: 10,
    maximum: 3600,
    default: 300,
    description: 'Heartbeat interval hint for programs.',
  })
  @IsOptional()
  @IsInt()
  @Min(10)
  @Max(3600)
  heartbeatIntervalSeconds?: number;

  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @IsBoolean()
  borrowAllowed?: boolean;

  @ApiPropertyOptional({ minimum: 1, maximum: 365, default: 7 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(365)
  maxBorrowDays?: number;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 365,
    default: 30,
    description:
      'Offline period: how many days a machine may run without contacting the server. Bounds every offline activation grant (also of a perpetual license), every borrow and every license file refreshBy.',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(365)
  offlinePeriodDays?: number;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: 1000,
    default: 5,
    description: 'Device deactivations allowed per rolling 30 days (activation churn limit).',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1000)
  maxDeactivationsPer30Days?: number;

  @ApiPropertyOptional({ enum: RenewalPolicy, default: RenewalPolicy.NONE })
  @IsOptional()
  @IsEnum(RenewalPolicy)
  renewalPolicy?: RenewalPolicy;

  @ApiPropertyOptional({ type: 'integer', nullable: true, minimum: 1, maximum: 3660 })
  @IsOptional()
  @ValidateIf((_o, v) => v !== null)
  @IsInt()
  @Min(1)
  @Max(3660)
  renewalTermDays?: number | null;

  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  externalId?: string | null;
}

export class UpdateLicenseDto extends PartialType(
  OmitType(CreateLicenseDto, ['productId', 'purchaseId', 'externalId'] as const),
) {}

export class LicenseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) containerId!: string;
  @ApiProperty({ format: 'uuid' }) productId!: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) purchaseId!: string | null;
  @ApiProperty({ type: [String] }) features!: string[];
  @ApiProperty() quantity!: number;
  @ApiProperty() validFrom!: Date;
  @ApiProperty({ nullable: true, type: Date }) expiresAt!: Date | null;
  @ApiProperty({ enum: LicenseStatus }) status!: LicenseStatus;
  @ApiProperty({ description: 'Rises with every change; programs compare it to learn of updates.' }) revision!: number;
  @ApiProperty() leaseTtlSeconds!: number;
  @ApiProperty() heartbeatIntervalSeconds!: number;
  @ApiProperty() borrowAllowed!: boolean;
  @ApiProperty() maxBorrowDays!: number;
  @ApiProperty({
    description: 'Days a machine may run without contacting the server (offline grants, borrows, license files).',
  })
  offlinePeriodDays!: number;
  @ApiProperty() maxDeactivationsPer30Days!: number;
  @ApiProperty({ enum: RenewalPolicy }) renewalPolicy!: RenewalPolicy;
  @ApiProperty({ nullable: true, type: Number }) renewalTermDays!: number | null;
  @ApiProperty({ nullable: true, type: String }) externalId!: string | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export class LicensePageDto extends PageMetaDto {
  @ApiProperty({ type: [LicenseDto] }) data!: LicenseDto[];
}

export class CreatePurchaseDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  groupId!: string;

  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  productId!: string;

  @ApiProperty({ minimum: 1, description: 'Seats bought; licenses drawing on the purchase never hold more in total.' })
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  seats!: number;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: "The order's id in the vendor's ERP; unique per vendor.",
  })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  externalId?: string | null;
}

export class PurchaseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) groupId!: string;
  @ApiProperty({ format: 'uuid' }) productId!: string;
  @ApiProperty() seats!: number;
  @ApiProperty({ description: 'Seats held by the licenses (not revoked) that draw on this purchase.' })
  allocated!: number;
  @ApiProperty({ nullable: true, type: String }) externalId!: string | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export class PurchasePageDto extends PageMetaDto {
  @ApiProperty({ type: [PurchaseDto] }) data!: PurchaseDto[];
}

export class PurchaseListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  groupId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  productId?: string;
}
