import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsUUID } from 'class-validator';
import type { EndedLeaseView, SessionView } from '@leasehold/domain-seats';
import { PageMetaDto, PageQueryDto } from '@leasehold/db';

export class SessionListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Only sessions of this license (of your group).' })
  @IsOptional()
  @IsUUID()
  licenseId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Only sessions on this container (of your group).' })
  @IsOptional()
  @IsUUID()
  containerId?: string;
}

export class SessionDto {
  @ApiProperty({ format: 'uuid', description: 'The lease id: stop the session with it.' }) id!: string;
  @ApiProperty({ format: 'uuid' }) licenseId!: string;
  @ApiProperty({ format: 'uuid' }) containerId!: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'Who: the user of a PERSONAL container, when known.' }) userId!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Who: the host or user name the program reported.' }) clientName!: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) deviceId!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The activated device (PERSONAL containers).' }) deviceName!: string | null;
  @ApiProperty({ description: "The device's fingerprint." }) fingerprint!: string;
  @ApiProperty({ description: 'Since when.' }) startedAt!: Date;
  @ApiProperty() lastHeartbeatAt!: Date;
  @ApiProperty({ description: 'The seat is free at this time unless a heartbeat extends it.' }) expiresAt!: Date;
  @ApiProperty({ description: 'A borrowed (detached) seat cannot be stopped: it ends when returned or at `borrowUntil`.' }) borrowed!: boolean;
  @ApiProperty({ nullable: true, type: Date }) borrowUntil!: Date | null;
  @ApiProperty({ description: 'Checked out above the quantity (overage).' }) overage!: boolean;
}

export class SessionPageDto extends PageMetaDto {
  @ApiProperty({ type: [SessionDto] }) data!: SessionDto[];
}

export class StoppedSessionDto {
  @ApiProperty({ format: 'uuid' }) leaseId!: string;
  @ApiProperty({ format: 'uuid' }) licenseId!: string;
  @ApiProperty() endedAt!: Date;
  @ApiProperty({ enum: ['STOPPED'] }) endReason!: string;
}

export const toSessionDto = (s: SessionView): SessionDto => ({
  id: s.id,
  licenseId: s.licenseId,
  containerId: s.containerId,
  userId: s.userId,
  clientName: s.clientName,
  deviceId: s.deviceId,
  deviceName: s.deviceName,
  fingerprint: s.fingerprint,
  startedAt: s.startedAt,
  lastHeartbeatAt: s.lastHeartbeatAt,
  expiresAt: s.expiresAt,
  borrowed: s.borrowed,
  borrowUntil: s.borrowUntil,
  overage: s.overage,
});

export const toStoppedSessionDto = (e: EndedLeaseView): StoppedSessionDto => ({ leaseId: e.leaseId, licenseId: e.licenseId, endedAt: e.endedAt, endReason: e.endReason });

export class SeatQueueQueryDto extends SessionListQueryDto {}

export class SeatQueueEntryDto {
  @ApiProperty({ format: 'uuid', description: 'The ticket id.' }) id!: string;
  @ApiProperty({ format: 'uuid' }) licenseId!: string;
  @ApiProperty({ format: 'uuid' }) containerId!: string;
  @ApiProperty({ description: "The waiting device's fingerprint." }) fingerprint!: string;
  @ApiProperty({ nullable: true, type: String, description: 'Who: the host or user name the program reported.' }) clientName!: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'Who: the user, when known.' }) userId!: string | null;
  @ApiProperty({ enum: ['WAITING', 'HELD'], description: 'HELD: a freed seat is held for this program until `expiresAt`.' }) status!: string;
  @ApiProperty({ nullable: true, type: Number, description: 'WAITING: 1 = next to get a seat.' }) position!: number | null;
  @ApiProperty({ description: 'Waiting since.' }) queuedAt!: Date;
  @ApiProperty({ description: 'WAITING: leaves the queue then unless the program renews; HELD: the end of its claim window.' }) expiresAt!: Date;
  @ApiProperty({ nullable: true, type: Date, description: 'HELD: since when.' }) grantedAt!: Date | null;
}

export class SeatQueuePageDto extends PageMetaDto {
  @ApiProperty({ type: [SeatQueueEntryDto], description: 'In the order they get seats.' }) data!: SeatQueueEntryDto[];
}
