import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { PageMetaDto, PageQueryDto } from '@leasehold/db';
import type { LeaseHistoryFilter, LeaseHistoryView } from './seats.types';

// The lease history's HTTP shapes, shared by the vendor API and the portal (one definition, so
// the two OpenAPI documents and CSV files cannot drift apart). docs/usage.md describes them.

export class LeaseHistoryRangeDto {
  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description: 'Only leases still running at or after this time (ended after it, or live).',
  })
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'from must be an ISO 8601 date-time' })
  from?: Date;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description: 'Only leases started before this time (exclusive); must be after `from`.',
  })
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'to must be an ISO 8601 date-time' })
  to?: Date;
}

export class LeaseHistoryFilterDto extends LeaseHistoryRangeDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Only leases of this license.' })
  @IsOptional()
  @IsUUID('all', { message: 'licenseId must be a UUID' })
  licenseId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Only leases of this user.' })
  @IsOptional()
  @IsUUID('all', { message: 'userId must be a UUID' })
  userId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Only leases of this activated device (PERSONAL containers).' })
  @IsOptional()
  @IsUUID('all', { message: 'deviceId must be a UUID' })
  deviceId?: string;

  @ApiPropertyOptional({
    description: 'Only leases of this workstation (the fingerprint the program sent).',
    maxLength: 256,
  })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  fingerprint?: string;
}

export class LeaseHistoryPageQueryDto extends IntersectionType(LeaseHistoryFilterDto, PageQueryDto) {}
export class LeaseHistoryRangePageQueryDto extends IntersectionType(LeaseHistoryRangeDto, PageQueryDto) {}

export class LeaseHistoryDto {
  @ApiProperty({ format: 'uuid', description: 'The lease id.' }) id!: string;
  @ApiProperty({ format: 'uuid' }) licenseId!: string;
  @ApiProperty({ description: "The licensed product's code." }) productCode!: string;
  @ApiProperty({ format: 'uuid' }) containerId!: string;
  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description:
      "Who: the user of the lease (PERSONAL: the container's user; ENTERPRISE: the user who checked out with a user token), when known.",
  })
  userId!: string | null;
  @ApiProperty({ nullable: true, type: String }) userName!: string | null;
  @ApiProperty({ nullable: true, type: String }) userEmail!: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) deviceId!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The activated device (PERSONAL containers).' })
  deviceName!: string | null;
  @ApiProperty({ description: "The workstation's fingerprint." }) fingerprint!: string;
  @ApiProperty({ nullable: true, type: String, description: 'The host or user name the program reported.' })
  clientName!: string | null;
  @ApiProperty() startedAt!: Date;
  @ApiProperty({
    nullable: true,
    type: Date,
    description: 'Null while the seat is held; an expired lease not yet swept ends at its expiry.',
  })
  endedAt!: Date | null;
  @ApiProperty({
    nullable: true,
    type: String,
    enum: ['RELEASED', 'EXPIRED', 'STOPPED', 'RETURNED', 'USER_REMOVED', 'LICENSE_CHANGED'],
  })
  endReason!: string | null;
  @ApiProperty({ description: 'The lease holds its seat now.' }) live!: boolean;
  @ApiProperty({ description: 'A borrowed (detached) seat.' }) borrowed!: boolean;
  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: 'Whole seconds from start to end; null while live (see startedAt).',
  })
  durationSeconds!: number | null;
}

export class LeaseHistoryPageDto extends PageMetaDto {
  @ApiProperty({ type: [LeaseHistoryDto] }) data!: LeaseHistoryDto[];
}

/** The filter a query names (the caller adds the group for the portal). */
export function leaseHistoryFilterOf(q: LeaseHistoryFilterDto): Omit<LeaseHistoryFilter, 'take' | 'cursor'> {
  return {
    licenseId: q.licenseId,
    userId: q.userId,
    deviceId: q.deviceId,
    fingerprint: q.fingerprint,
    from: q.from,
    to: q.to,
  };
}

/** The CSV export's columns, in order (docs/usage.md, "CSV export"). */
/** One CSV column: its header and how to read it from a row (the shape `csvDownload` of @leasehold/http takes). */
export interface LeaseHistoryCsvColumn {
  header: string;
  value: (row: LeaseHistoryView) => string | number | boolean | Date | null;
}

export const LEASE_HISTORY_CSV_COLUMNS: readonly LeaseHistoryCsvColumn[] = [
  { header: 'leaseId', value: (l) => l.id },
  { header: 'licenseId', value: (l) => l.licenseId },
  { header: 'productCode', value: (l) => l.productCode },
  { header: 'containerId', value: (l) => l.containerId },
  { header: 'userId', value: (l) => l.userId },
  { header: 'userEmail', value: (l) => l.userEmail },
  { header: 'userName', value: (l) => l.userName },
  { header: 'deviceId', value: (l) => l.deviceId },
  { header: 'deviceName', value: (l) => l.deviceName },
  { header: 'fingerprint', value: (l) => l.fingerprint },
  { header: 'clientName', value: (l) => l.clientName },
  { header: 'startedAt', value: (l) => l.startedAt },
  { header: 'endedAt', value: (l) => l.endedAt },
  { header: 'endReason', value: (l) => l.endReason },
  { header: 'live', value: (l) => l.live },
  { header: 'borrowed', value: (l) => l.borrowed },
  { header: 'durationSeconds', value: (l) => l.durationSeconds },
];

/** `lease-history-<UTC timestamp>.csv` */
export function leaseHistoryCsvName(now = new Date()): string {
  return `lease-history-${now.toISOString().replace(/[:.]/g, '-')}.csv`;
}
