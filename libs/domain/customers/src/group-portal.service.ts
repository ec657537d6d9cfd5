import { Injectable } from '@nestjs/common';
import { AuditEntryView, AuditFilter, AuditService } from '@leasehold/domain-audit';
import { DomainError } from '@leasehold/errors';
import { GroupsService } from './groups.service';
import { GroupInvitationAnswer, GroupRole, GroupView, PortalActor, UserFilter, UserView } from './customers.types';
import { UsersService } from './users.service';

// What a portal user may do with their group. Only an admin of the group acts on it; members see
// only themselves (through /me). Everything is addressed relative to the caller's own group, so a
// user id of another group, or of another vendor, is simply not found.

@Injectable()
export class GroupPortalService {
  constructor(
    private readonly groups: GroupsService,
    private readonly users: UsersService,
    private readonly audit: AuditService,
  ) {}

  getGroup(actor: PortalActor): Promise<GroupView> {
    return this.groups.get(adminGroupOf(actor));
  }

  updateGroup(actor: PortalActor, input: { name?: string }): Promise<GroupView> {
    return this.groups.update(adminGroupOf(actor), input);
  }

  listMembers(actor: PortalActor, filter: Omit<UserFilter, 'groupId'>): Promise<UserView[]> {
    return this.users.list({ ...filter, groupId: adminGroupOf(actor) });
  }

  async getMember(actor: PortalActor, userId: string): Promise<UserView> {
    const groupId = adminGroupOf(actor);
    const user = await this.users.get(userId);
    if (user.groupId !== groupId) throw DomainError.notFound('User', userId);
    return user;
  }

  /** Answers the same whether or not the email has an account (see UsersService.inviteToGroup). */
  invite(actor: PortalActor, input: { email: string; name: string; role?: GroupRole }): Promise<GroupInvitationAnswer> {
    return this.users.inviteToGroup(adminGroupOf(actor), input, actor.userId);
  }

  async resendInvitation(actor: PortalActor, userId: string): Promise<{ user: UserView; invitationExpiresAt: Date }> {
    await this.getMember(actor, userId);
    return this.users.resendInvitation(userId, { actingAdminId: actor.userId });
  }

  changeRole(actor: PortalActor, userId: string, role: GroupRole): Promise<UserView> {
    return this.users.setMembership(userId, adminGroupOf(actor), role, { actingAdminId: actor.userId });
  }

  async removeMember(actor: PortalActor, userId: string): Promise<void> {
    await this.users.removeFromGroup(userId, adminGroupOf(actor), { actingAdminId: actor.userId });
  }

  listAudit(actor: PortalActor, filter: Omit<AuditFilter, 'groupId'>): Promise<AuditEntryView[]> {
    return this.audit.list({ ...filter, groupId: adminGroupOf(actor) });
  }
}

/**
 * The group the actor administers; GROUP_ADMIN_REQUIRED when they administer none. Other portal
 * routes of group admins (containers, devices, sessions, usage) scope their queries with it.
 */
export function adminGroupOf(actor: PortalActor): string {
  if (!actor.groupId || actor.role !== 'ADMIN')
    throw new DomainError('GROUP_ADMIN_REQUIRED', 'Only an admin of your group may do this');
  return actor.groupId;
}
