import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsUUID } from 'class-validator';
import { PageMetaDto, PageQueryDto } from '@leasehold/db';

/** Filters of the group's live leases (routes `/v1/group/sessions`: in paths, a session is a live lease). */
export class LiveLeaseQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Only live leases of this license (of your group).' })
  @IsOptional()
  @IsUUID()
  licenseId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Only live leases on this container (of your group).' })
  @IsOptional()
  @IsUUID()
  containerId?: string;
}

export class SeatQueueQueryDto extends LiveLeaseQueryDto {}

export class SeatQueueEntryDto {
  @ApiProperty({ format: 'uuid', description: 'The ticket id.' }) id!: string;
  @ApiProperty({ format: 'uuid' }) licenseId!: string;
  @ApiProperty({ format: 'uuid' }) containerId!: string;
  @ApiProperty({ description: "The waiting device's fingerprint." }) fingerprint!: string;
  @ApiProperty({ nullable: true, type: String, description: 'Who: the host or user name the program reported.' })
  clientName!: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'Who: the user, when known.' }) userId!:
    | string
    | null;
  @ApiProperty({
    enum: ['WAITING', 'HELD'],
    description: 'HELD: a freed seat is held for this program until `expiresAt`.',
  })
  status!: string;
  @ApiProperty({ nullable: true, type: Number, description: 'WAITING: 1 = next to get a seat.' }) position!:
    | number
    | null;
  @ApiProperty({ description: 'Waiting since.' }) queuedAt!: Date;
  @ApiProperty({
    description: 'WAITING: leaves the queue then unless the program renews; HELD: the end of its claim window.',
  })
  expiresAt!: Date;
  @ApiProperty({ nullable: true, type: Date, description: 'HELD: since when.' }) grantedAt!: Date | null;
}

export class SeatQueuePageDto extends PageMetaDto {
  @ApiProperty({ type: [SeatQueueEntryDto], description: 'In the order they get seats.' }) data!: SeatQueueEntryDto[];
}
