import { ApiProperty } from '@nestjs/swagger';
import { PageMetaDto, PageQueryDto } from '@leasehold/db';

/** The vendor lists live leases page by page (routes `…/sessions`: in paths, a session is a live lease). */
export class LiveLeaseQueryDto extends PageQueryDto {}

export class SeatQueueEntryDto {
  @ApiProperty({ format: 'uuid', description: 'The ticket id.' }) id!: string;
  @ApiProperty({ format: 'uuid' }) licenseId!: string;
  @ApiProperty({ format: 'uuid' }) containerId!: string;
  @ApiProperty() fingerprint!: string;
  @ApiProperty({ nullable: true, type: String, description: 'Host or user name the program reported.' }) clientName!:
    | string
    | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) userId!: string | null;
  @ApiProperty({
    enum: ['WAITING', 'HELD'],
    description: 'HELD: a freed seat is held for the ticket until `expiresAt`.',
  })
  status!: string;
  @ApiProperty({ nullable: true, type: Number, description: 'WAITING: 1 = served next.' }) position!: number | null;
  @ApiProperty({ description: 'Since when it waits.' }) queuedAt!: Date;
  @ApiProperty({ description: 'WAITING: lapses then unless the program renews it; HELD: the end of the claim window.' })
  expiresAt!: Date;
  @ApiProperty({ nullable: true, type: Date }) grantedAt!: Date | null;
}

export class SeatQueuePageDto extends PageMetaDto {
  @ApiProperty({ type: [SeatQueueEntryDto], description: 'In the order they are served.' }) data!: SeatQueueEntryDto[];
}
