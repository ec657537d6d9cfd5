import { ApiProperty, PickType } from '@nestjs/swagger';
import { CheckoutDto } from './seats.dto';
import { UpdatesQueryDto } from './updates.dto';

/** Join the wait queue: the license (by id or product code) and the device, as for a checkout. */
export class JoinSeatQueueDto extends PickType(CheckoutDto, [
  'fingerprint',
  'licenseId',
  'product',
  'clientName',
  'userToken',
] as const) {}

/** `wait`: the longest wait in seconds for a waiting ticket to change (0–25, default 25; 0: answer at once), as the updates long-poll's. */
export class AwaitSeatQueueQueryDto extends PickType(UpdatesQueryDto, ['wait'] as const) {}

export class SeatQueueTicketDto {
  @ApiProperty({ format: 'uuid', description: 'Claim the held seat with `ticketId` in a checkout.' }) ticketId!: string;
  @ApiProperty({ format: 'uuid' }) licenseId!: string;
  @ApiProperty({ format: 'uuid' }) containerId!: string;
  @ApiProperty() fingerprint!: string;
  @ApiProperty({ nullable: true, type: String }) clientName!: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) userId!: string | null;
  @ApiProperty({
    enum: ['WAITING', 'HELD', 'CLAIMED', 'LAPSED', 'CANCELLED'],
    description:
      'WAITING in the queue; HELD: a seat is held for it until `expiresAt` (check out with `ticketId`); CLAIMED (`leaseId`); LAPSED (not renewed, or not claimed in time); CANCELLED.',
  })
  status!: string;
  @ApiProperty({ nullable: true, type: Number, description: 'WAITING: 1 = served next.' }) position!: number | null;
  @ApiProperty() queuedAt!: Date;
  @ApiProperty({
    description: 'WAITING: lapses then unless renewed (GET the ticket); HELD: the end of the claim window.',
  })
  expiresAt!: Date;
  @ApiProperty({ nullable: true, type: Date }) grantedAt!: Date | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) leaseId!: string | null;
  @ApiProperty({ description: 'Renew a waiting ticket (GET it) at least this often.' }) renewIntervalSeconds!: number;
}
