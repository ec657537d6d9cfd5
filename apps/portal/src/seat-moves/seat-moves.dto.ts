import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsUUID, Max, Min } from 'class-validator';
import type { GroupBorrowingView, LicenseView, SeatMoveView } from '@leasehold/domain-licensing';

export class MoveSeatsDto {
  @ApiProperty({
    format: 'uuid',
    description: 'The license (of a group purchase, in one of the group’s ENTERPRISE containers) the seats leave.',
  })
  @IsUUID()
  fromLicenseId!: string;

  @ApiProperty({
    format: 'uuid',
    description:
      'Another ENTERPRISE container of the group: its license of the same purchase gets the seats (created with the source’s terms if it has none).',
  })
  @IsUUID()
  toContainerId!: string;

  @ApiProperty({
    minimum: 1,
    maximum: 100000,
    example: 2,
    description: 'How many seats move; at most the seats of the source not in use right now.',
  })
  @IsInt()
  @Min(1)
  @Max(100_000)
  seats!: number;
}

class MovedLicenseDto {
  @ApiProperty({ format: 'uuid' }) licenseId!: string;
  @ApiProperty({ format: 'uuid' }) containerId!: string;
  @ApiProperty({ description: 'Seats of the license after the move.' }) quantity!: number;
  @ApiProperty({ description: 'The license revision after the move (devices of its container learn of it).' })
  revision!: number;
}

export class SeatMoveDto {
  @ApiProperty({ format: 'uuid' }) purchaseId!: string;
  @ApiProperty() seats!: number;
  @ApiProperty({ type: MovedLicenseDto }) from!: MovedLicenseDto;
  @ApiProperty({ type: MovedLicenseDto }) to!: MovedLicenseDto;
  @ApiProperty({
    description:
      'The target container had no license of the purchase; it was created with the source’s product, features, term and settings.',
  })
  createdTarget!: boolean;
}

const moved = (l: LicenseView): MovedLicenseDto => ({
  licenseId: l.id,
  containerId: l.containerId,
  quantity: l.quantity,
  revision: l.revision,
});

export const toSeatMoveDto = (m: SeatMoveView): SeatMoveDto => ({
  purchaseId: m.purchaseId,
  seats: m.seats,
  from: moved(m.from),
  to: moved(m.to),
  createdTarget: m.createdTarget,
});

export class GroupBorrowingDto {
  @ApiProperty({ format: 'uuid' }) groupId!: string;
  @ApiProperty({
    description:
      'false: new borrows (online and by offline code) on the group’s containers are refused with BORROW_DISABLED_BY_ADMIN.',
  })
  borrowingAllowed!: boolean;

  static of(view: GroupBorrowingView): GroupBorrowingDto {
    return { groupId: view.groupId, borrowingAllowed: view.borrowingAllowed };
  }
}

export class SetGroupBorrowingDto {
  @ApiProperty({ example: false })
  @IsBoolean()
  borrowingAllowed!: boolean;
}
