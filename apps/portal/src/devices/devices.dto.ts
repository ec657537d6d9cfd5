import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';
import type { DeviceView } from '@leasehold/domain-licensing';
import { PageMetaDto, PageQueryDto } from '@leasehold/db';

export class DeviceListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ type: Boolean, default: false, description: 'Also list deactivated devices (history).' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'includeInactive must be true or false' })
  includeInactive = false;
}

export class DeviceDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) containerId!: string;
  @ApiProperty({ description: 'The fingerprint the licensed program reported.' }) fingerprint!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ nullable: true, type: String }) platform!: string | null;
  @ApiProperty({ enum: ['ONLINE', 'OFFLINE'] }) method!: string;
  @ApiProperty({ description: 'False once deactivated (the slot is free again).' }) active!: boolean;
  @ApiProperty() activatedAt!: Date;
  @ApiProperty({ nullable: true, type: Date }) lastSeenAt!: Date | null;
  @ApiProperty({ nullable: true, type: Date }) deactivatedAt!: Date | null;
  @ApiProperty({ nullable: true, type: String, enum: ['VENDOR_KEY', 'PORTAL_USER', 'OPERATOR', 'DEVICE', 'SYSTEM'] })
  deactivatedBy!: string | null;
}

export class DevicePageDto extends PageMetaDto {
  @ApiProperty({ type: [DeviceDto] }) data!: DeviceDto[];
}

export const toDeviceDto = (d: DeviceView): DeviceDto => ({
  id: d.id,
  containerId: d.containerId,
  fingerprint: d.fingerprint,
  name: d.name,
  platform: d.platform,
  method: d.method,
  active: d.active,
  activatedAt: d.activatedAt,
  lastSeenAt: d.lastSeenAt,
  deactivatedAt: d.deactivatedAt,
  deactivatedBy: d.deactivatedBy,
});
