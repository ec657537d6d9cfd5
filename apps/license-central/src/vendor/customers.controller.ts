import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticate } from '@leasehold/auth';
import { GroupsService, GroupView, UsersService, UserView } from '@leasehold/domain-customers';
import { IdParam, IdempotentWrites } from '@leasehold/http';
import { Page, paginate } from '@leasehold/db';
import { VendorErrors } from '../error-responses';
import {
  CreateGroupDto,
  CreateUserDto,
  GroupDto,
  GroupListQueryDto,
  GroupPageDto,
  InvitedUserDto,
  MembershipDto,
  UpdateGroupDto,
  UpdateUserDto,
  UserDto,
  UserListQueryDto,
  UserPageDto,
} from './customers.dto';

@ApiTags('groups')
@Authenticate('vendor-key')
@VendorErrors()
@IdempotentWrites()
@Controller('v1/groups')
export class GroupsController {
  constructor(
    private readonly groups: GroupsService,
    private readonly users: UsersService,
  ) {}

  @Get()
  @ApiOkResponse({ type: GroupPageDto })
  async list(@Query() query: GroupListQueryDto): Promise<Page<GroupView>> {
    return paginate(query, (window) => this.groups.list({ search: query.search, ...window }));
  }

  @Post()
  @ApiCreatedResponse({ type: GroupDto })
  @VendorErrors(409)
  create(@Body() body: CreateGroupDto): Promise<GroupView> {
    return this.groups.create(body);
  }

  @Get(':groupId')
  @ApiOkResponse({ type: GroupDto })
  get(@IdParam('groupId') groupId: string): Promise<GroupView> {
    return this.groups.get(groupId);
  }

  @Patch(':groupId')
  @ApiOkResponse({ type: GroupDto })
  @VendorErrors(409)
  update(@IdParam('groupId') groupId: string, @Body() body: UpdateGroupDto): Promise<GroupView> {
    return this.groups.update(groupId, body);
  }

  @Delete(':groupId')
  @HttpCode(204)
  @ApiNoContentResponse({
    description: 'Only an empty group (no users, no containers) can be deleted: GROUP_NOT_EMPTY otherwise.',
  })
  @VendorErrors(409)
  remove(@IdParam('groupId') groupId: string): Promise<void> {
    return this.groups.delete(groupId);
  }

  @Get(':groupId/members')
  @ApiOkResponse({ type: UserPageDto })
  async listMembers(@IdParam('groupId') groupId: string, @Query() query: UserListQueryDto): Promise<Page<UserView>> {
    await this.groups.get(groupId);
    return paginate(query, (window) => this.users.list({ ...query, groupId, ...window }));
  }

  @Put(':groupId/members/:userId')
  @ApiOkResponse({
    type: UserDto,
    description: 'Adds the user to the group with the role, or changes their role there.',
  })
  @VendorErrors(409)
  setMember(
    @IdParam('groupId') groupId: string,
    @IdParam('userId') userId: string,
    @Body() body: MembershipDto,
  ): Promise<UserView> {
    return this.users.setMembership(userId, groupId, body.role);
  }

  @Delete(':groupId/members/:userId')
  @HttpCode(204)
  @ApiNoContentResponse({
    description: 'The user leaves the group; their portal sessions end at once and `user.removed` is published.',
  })
  @VendorErrors(409)
  async removeMember(@IdParam('groupId') groupId: string, @IdParam('userId') userId: string): Promise<void> {
    await this.users.removeFromGroup(userId, groupId);
  }
}

@ApiTags('users')
@Authenticate('vendor-key')
@VendorErrors()
@IdempotentWrites()
@Controller('v1/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @ApiOkResponse({ type: UserPageDto })
  async list(@Query() query: UserListQueryDto): Promise<Page<UserView>> {
    return paginate(query, (window) => this.users.list({ ...query, ...window }));
  }

  @Post()
  @ApiCreatedResponse({
    type: InvitedUserDto,
    description: 'The user starts INVITED; the invitation token goes out in the `user.invited` event.',
  })
  @VendorErrors(409)
  create(@Body() body: CreateUserDto): Promise<{ user: UserView; invitationExpiresAt: Date }> {
    return this.users.create(body);
  }

  @Get(':userId')
  @ApiOkResponse({ type: UserDto })
  get(@IdParam('userId') userId: string): Promise<UserView> {
    return this.users.get(userId);
  }

  @Patch(':userId')
  @ApiOkResponse({ type: UserDto })
  @VendorErrors(409)
  update(@IdParam('userId') userId: string, @Body() body: UpdateUserDto): Promise<UserView> {
    return this.users.update(userId, body);
  }

  @Delete(':userId')
  @HttpCode(204)
  @ApiNoContentResponse()
  @VendorErrors(409)
  remove(@IdParam('userId') userId: string): Promise<void> {
    return this.users.delete(userId);
  }

  @Post(':userId/invitation')
  @ApiCreatedResponse({ type: InvitedUserDto, description: 'A fresh invitation; earlier tokens stop working.' })
  @VendorErrors(409)
  resendInvitation(@IdParam('userId') userId: string): Promise<{ user: UserView; invitationExpiresAt: Date }> {
    return this.users.resendInvitation(userId);
  }
}
