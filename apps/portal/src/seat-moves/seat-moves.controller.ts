import { Body, Controller, Get, Post, Put } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticate, CurrentPrincipal } from '@leasehold/auth';
import { adminGroupOf } from '@leasehold/domain-customers';
import type { PortalPrincipal } from '@leasehold/domain-identity';
import { GroupBorrowingService, PurchaseSplitService } from '@leasehold/domain-licensing';
import { GroupAdminErrors } from '../error-responses';
import { GroupBorrowingDto, MoveSeatsDto, SeatMoveDto, SetGroupBorrowingDto, toSeatMoveDto } from './seat-moves.dto';

/**
 * The group admin decides how many seats of a purchase each installation (ENTERPRISE container)
 * gets, and whether the group's containers may borrow seats. docs/seats.md.
 */
@ApiTags('group')
@Authenticate('portal-jwt')
@GroupAdminErrors()
@Controller('v1/group')
export class GroupSeatsController {
  constructor(
    private readonly split: PurchaseSplitService,
    private readonly borrowing: GroupBorrowingService,
  ) {}

  @Post('seat-moves')
  @ApiCreatedResponse({
    type: SeatMoveDto,
    description:
      'Moves seats of a purchase from a license to the license of the same purchase in another ENTERPRISE container of the group (created if missing). ' +
      'The purchase total never changes; the source keeps its seats in use. Both licenses raise their revision (events license.changed / license.created and license.seats_moved).',
  })
  @GroupAdminErrors(
    {
      status: 409,
      description:
        'SEATS_IN_USE (details.movable: the seats free now) / LICENSE_NOT_FROM_PURCHASE / CONTAINER_KIND_MISMATCH (a PERSONAL container) / LICENSE_REVOKED / PURCHASE_SEATS_EXCEEDED',
    },
    { status: 403, description: 'LICENSE_SUSPENDED (the source or the target license is suspended)' },
  )
  async move(@CurrentPrincipal() me: PortalPrincipal, @Body() body: MoveSeatsDto): Promise<SeatMoveDto> {
    return toSeatMoveDto(await this.split.move({ ...body, groupId: adminGroupOf(me) }));
  }

  @Get('borrowing')
  @ApiOkResponse({ type: GroupBorrowingDto })
  async getBorrowing(@CurrentPrincipal() me: PortalPrincipal): Promise<GroupBorrowingDto> {
    return GroupBorrowingDto.of(await this.borrowing.get(adminGroupOf(me)));
  }

  @Put('borrowing')
  @ApiOkResponse({
    type: GroupBorrowingDto,
    description:
      'Switches borrowing on or off for every container of the group; their revision rises so devices learn of it. Borrows already made run to their end.',
  })
  async setBorrowing(
    @CurrentPrincipal() me: PortalPrincipal,
    @Body() body: SetGroupBorrowingDto,
  ): Promise<GroupBorrowingDto> {
    return GroupBorrowingDto.of(await this.borrowing.set(adminGroupOf(me), body.borrowingAllowed));
  }
}
