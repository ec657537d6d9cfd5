import { ApiProperty } from '@nestjs/swagger';
import { PageMetaDto, PageQueryDto } from '@leasehold/db';

export class SessionListQueryDto extends PageQueryDto {}

export class SessionDto {
  @ApiProperty({ format: 'uuid', description: 'The lease id.' }) id!: string;
  @ApiProperty({ format: 'uuid' }) licenseId!: string;
  @ApiProperty({ format: 'uuid' }) containerId!: string;
  @ApiProperty() slot!: number;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) deviceId!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The activated device (PERSONAL containers).' }) deviceName!: string | null;
  @ApiProperty() fingerprint!: string;
  @ApiProperty({ nullable: true, type: String, description: 'Host or user name the program reported.' }) clientName!: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) userId!: string | null;
  @ApiProperty({ description: 'Since when.' }) startedAt!: Date;
  @ApiProperty() lastHeartbeatAt!: Date;
  @ApiProperty() expiresAt!: Date;
  @ApiProperty({ description: 'A borrowed seat cannot be stopped.' }) borrowed!: boolean;
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

export class SeatQueueEntryDto {
  @ApiProperty({ format: 'uuid', description: 'The ticket id.' }) id!: string;
  @ApiProperty({ format: 'uuid' }) licenseId!: string;
  @ApiProperty({ format: 'uuid' }) containerId!: string;
  @ApiProperty() fingerprint!: string;
  @ApiProperty({ nullable: true, type: String, description: 'Host or user name the program reported.' }) clientName!: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) userId!: string | null;
  @ApiProperty({ enum: ['WAITING', 'HELD'], description: 'HELD: a freed seat is held for the ticket until `expiresAt`.' }) status!: string;
  @ApiProperty({ nullable: true, type: Number, description: 'WAITING: 1 = served next.' }) position!: number | null;
  @ApiProperty({ description: 'Since when it waits.' }) queuedAt!: Date;
  @ApiProperty({ description: 'WAITING: lapses then unless the program renews it; HELD: the end of the claim window.' }) expiresAt!: Date;
  @ApiProperty({ nullable: true, type: Date }) grantedAt!: Date | null;
}

export class SeatQueuePageDto extends PageMetaDto {
  @ApiProperty({ type: [SeatQueueEntryDto], description: 'In the order they are served.' }) data!: SeatQueueEntryDto[];
}
