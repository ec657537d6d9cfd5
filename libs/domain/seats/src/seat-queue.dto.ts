import { ApiProperty } from '@nestjs/swagger';
import { PageMetaDto } from '@leasehold/db';

// The HTTP shapes of the seat wait queue as admins see it (vendor API and portal): one schema each.

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
