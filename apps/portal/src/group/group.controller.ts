import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticate, CurrentPrincipal } from '@leasehold/auth';
import { AuditEntryView } from '@leasehold/domain-audit';
import { GroupInvitationAnswer, GroupPortalService, GroupView, UserView } from '@leasehold/domain-customers';
import type { PortalPrincipal } from '@leasehold/domain-identity';
import { IdParam } from '@leasehold/http';
import { Page, paginate } from '@leasehold/db';
import { GroupAdminErrors } from '../error-responses';
import {
  AuditPageDto,
  AuditQueryDto,
  ChangeRoleDto,
  GroupDto,
  GroupInvitationDto,
  InvitedUserDto,
  InviteMemberDto,
  MemberListQueryDto,
  UpdateGroupDto,
  UserPageDto,
} from './group.dto';
import { UserDto } from '../me/me.dto';

/** The caller's own group, for its admins. Members get GROUP_ADMIN_REQUIRED; other groups do not exist here. */
@ApiTags('group')
@Authenticate('portal-jwt')
@GroupAdminErrors()
@Controller('v1/group')
export class GroupController {
  constructor(private readonly groups: GroupPortalService) {}

  @Get()
  @ApiOkResponse({ type: GroupDto })
  get(@CurrentPrincipal() me: PortalPrincipal): Promise<GroupView> {
    return this.groups.getGroup(me);
  }

  @Patch()
  @ApiOkResponse({ type: GroupDto })
  update(@CurrentPrincipal() me: PortalPrincipal, @Body() body: UpdateGroupDto): Promise<GroupView> {
    return this.groups.updateGroup(me, body);
  }

  @Get('members')
  @ApiOkResponse({ type: UserPageDto })
  async listMembers(
    @CurrentPrincipal() me: PortalPrincipal,
    @Query() query: MemberListQueryDto,
  ): Promise<Page<UserView>> {
    return paginate(query, (window) =>
      this.groups.listMembers(me, {
        search: query.search,
        status: query.status,
        role: query.role,
        ...window,
      }),
    );
  }

  @Post('members')
  @HttpCode(202)
  @ApiAcceptedResponse({
    type: GroupInvitationDto,
    description:
      'A new email becomes an INVITED member of the group (it appears in the member list) and gets an invitation token (event `user.invited`). ' +
      'An email that already has an account at the vendor, in this group or another, is left alone: the answer is the same, so it reveals nothing about the account (the vendor sees `user.invitation_not_sent` in its audit trail).',
  })
  invite(@CurrentPrincipal() me: PortalPrincipal, @Body() body: InviteMemberDto): Promise<GroupInvitationAnswer> {
    return this.groups.invite(me, body);
  }

  @Get('members/:userId')
  @ApiOkResponse({ type: UserDto })
  getMember(@CurrentPrincipal() me: PortalPrincipal, @IdParam('userId') userId: string): Promise<UserView> {
    return this.groups.getMember(me, userId);
  }

  @Patch('members/:userId')
  @ApiOkResponse({ type: UserDto })
  @GroupAdminErrors({ status: 409, description: 'LAST_GROUP_ADMIN (the group would keep members but no admin)' })
  changeRole(
    @CurrentPrincipal() me: PortalPrincipal,
    @IdParam('userId') userId: string,
    @Body() body: ChangeRoleDto,
  ): Promise<UserView> {
    return this.groups.changeRole(me, userId, body.role);
  }

  @Delete('members/:userId')
  @HttpCode(204)
  @ApiNoContentResponse({
    description: 'The member leaves the group; their sessions end at once (next request 401 TOKEN_REVOKED).',
  })
  @GroupAdminErrors({ status: 409, description: 'LAST_GROUP_ADMIN' })
  removeMember(@CurrentPrincipal() me: PortalPrincipal, @IdParam('userId') userId: string): Promise<void> {
    return this.groups.removeMember(me, userId);
  }

  @Post('members/:userId/invitation')
  @ApiCreatedResponse({ type: InvitedUserDto, description: 'A fresh invitation; earlier tokens stop working.' })
  @GroupAdminErrors({ status: 409, description: 'USER_NOT_INVITED' })
  resendInvitation(
    @CurrentPrincipal() me: PortalPrincipal,
    @IdParam('userId') userId: string,
  ): Promise<{ user: UserView; invitationExpiresAt: Date }> {
    return this.groups.resendInvitation(me, userId);
  }

  @Get('audit')
  @ApiOkResponse({ type: AuditPageDto, description: "The group's audit trail (changes to the group and its members)." })
  async audit(@CurrentPrincipal() me: PortalPrincipal, @Query() query: AuditQueryDto): Promise<Page<AuditEntryView>> {
    return paginate(query, (window) =>
      this.groups.listAudit(me, {
        actorType: query.actorType,
        actorId: query.actorId,
        entityType: query.entityType,
        entityId: query.entityId,
        from: query.from,
        to: query.to,
        ...window,
      }),
    );
  }
}
