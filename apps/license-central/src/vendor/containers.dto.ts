import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsEnum, IsInt, IsOptional, IsString, IsUUID, Length, Max, Min, ValidateIf } from 'class-validator';
import { ContainerKind, PageMetaDto, PageQueryDto } from '@leasehold/db';
import { PERSONAL_DEVICE_LIMIT } from '@leasehold/domain-licensing';

export class CreateContainerDto {
  @ApiProperty({
    enum: ContainerKind,
    description: `PERSONAL: one user, up to ${PERSONAL_DEVICE_LIMIT} devices. ENTERPRISE: a group, concurrent seats.`,
  })
  @IsEnum(ContainerKind)
  kind!: ContainerKind;

  @ApiProperty({ example: "Jane's Cargo Office" })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'PERSONAL: the user it is assigned to (required).' })
  @IsOptional()
  @IsUUID()
  userId?: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description: "ENTERPRISE: the group (required). PERSONAL: defaults to the user's group.",
  })
  @IsOptional()
  @IsUUID()
  groupId?: string;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: PERSONAL_DEVICE_LIMIT,
    default: PERSONAL_DEVICE_LIMIT,
    description: `PERSONAL only: distinct active devices (1–${PERSONAL_DEVICE_LIMIT}). An ENTERPRISE container has none (it hands out seats); giving one is 400 VALIDATION_FAILED.`,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000)
  deviceLimit?: number;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: "The container's id in the vendor's ERP/CRM; unique per vendor.",
  })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  externalId?: string | null;
}

export class UpdateContainerDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'PERSONAL: reassign to another user (also lifts a USER_REMOVED revocation).',
  })
  @IsOptional()
  @IsUUID()
  userId?: string;

  @ApiPropertyOptional({ format: 'uuid', type: String, nullable: true })
  @IsOptional()
  @ValidateIf((_o, v) => v !== null)
  @IsUUID()
  groupId?: string | null;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: PERSONAL_DEVICE_LIMIT,
    description: `PERSONAL only (1–${PERSONAL_DEVICE_LIMIT}).`,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000)
  deviceLimit?: number;

  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @ValidateIf((_o, v) => v !== null)
  @IsString()
  @Length(1, 200)
  externalId?: string | null;
}

export class ContainerListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ContainerKind })
  @IsOptional()
  @IsEnum(ContainerKind)
  kind?: ContainerKind;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  userId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  groupId?: string;
}

export class ContainerDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ContainerKind }) kind!: ContainerKind;
  @ApiProperty() name!: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) userId!: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) groupId!: string | null;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'PERSONAL: distinct active devices allowed. ENTERPRISE: null (it hands out seats, not device slots).',
  })
  deviceLimit!: number | null;
  @ApiProperty({ description: 'The secret starts with `lhc_<credentialPrefix>_`.' }) credentialPrefix!: string;
  @ApiProperty({ description: 'Raised by every credential reset.' }) credentialVersion!: number;
  @ApiProperty({
    nullable: true,
    type: Date,
    description:
      "Set when the container's user was removed from their group or disabled: validate answers USER_REMOVED / USER_DISABLED, every other program route CONTAINER_ACCESS_REVOKED.",
  })
  accessRevokedAt!: Date | null;
  @ApiProperty({
    nullable: true,
    enum: ['USER_REMOVED', 'USER_DISABLED'],
    description:
      'Why access was revoked. Reassigning the container (userId) lifts it; USER_DISABLED also lifts when the user is enabled again.',
  })
  accessRevokedReason!: 'USER_REMOVED' | 'USER_DISABLED' | null;
  @ApiProperty({
    description:
      'The container\'s own part of its revision, raised by every container-level change (credential reset, access revoked or restored, reassignment, "update now"). Devices see it plus the sum of the licenses\' revisions.',
  })
  revision!: number;
  @ApiProperty({ nullable: true, type: String }) externalId!: string | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export class ContainerWithSecretDto extends ContainerDto {
  @ApiProperty({
    description:
      'The access secret for the licensed program (`lhc_…`). Shown in this answer only; only its hash is stored.',
  })
  secret!: string;
}

export class ContainerPageDto extends PageMetaDto {
  @ApiProperty({ type: [ContainerDto] }) data!: ContainerDto[];
}

export class DeviceListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ type: Boolean, default: false, description: 'Also list deactivated devices (history).' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  includeInactive = false;
}

export class DeviceDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) containerId!: string;
  @ApiProperty() fingerprint!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ nullable: true, type: String }) platform!: string | null;
  @ApiProperty({ enum: ['ONLINE', 'OFFLINE'] }) method!: string;
  @ApiProperty() active!: boolean;
  @ApiProperty() activatedAt!: Date;
  @ApiProperty({ nullable: true, type: Date }) lastSeenAt!: Date | null;
  @ApiProperty({ nullable: true, type: Date }) deactivatedAt!: Date | null;
  @ApiProperty({ nullable: true, type: String, enum: ['VENDOR_KEY', 'PORTAL_USER', 'OPERATOR', 'DEVICE', 'SYSTEM'] })
  deactivatedBy!: string | null;
  @ApiProperty({
    nullable: true,
    type: Date,
    description: 'OFFLINE devices: when the offline grant ends (the slot is free then; SYSTEM deactivates it).',
  })
  offlineUntil!: Date | null;
}

export class DevicePageDto extends PageMetaDto {
  @ApiProperty({ type: [DeviceDto] }) data!: DeviceDto[];
}
