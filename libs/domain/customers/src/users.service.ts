import { Injectable } from '@nestjs/common';
import { TenantTransaction } from '@leasehold/db';
import { AuditService } from '@leasehold/domain-audit';
import { DomainEventInput, OutboxRepository } from '@leasehold/domain-events';
import { AccountTokensService, INVITATION_TTL_MS } from '@leasehold/domain-identity';
import { DomainError } from '@leasehold/errors';
import { CustomersRepository } from './customers.repository';
import {
  CreateUserCommand,
  GroupInvitationAnswer,
  GroupRole,
  UserFilter,
  UserStatus,
  UserView,
} from './customers.types';

// Users and their group membership. The rules live here:
// - a user belongs to at most one group, as ADMIN or MEMBER;
// - a change that takes an admin away (demote, remove, disable, delete) is refused with
//   LAST_GROUP_ADMIN when the group would keep members but no active admin. Each such change
//   locks the group row first (CustomersRepository.lockGroup), so concurrent changes to one group
//   are serialised and the admin count they check is current;
// - removing a user from their group ends their sessions at once (tokenVersion, refresh tokens)
//   and writes `user.removed` in the same transaction (containers consume it).

const normaliseEmail = (email: string) => email.trim().toLowerCase();

export interface UserUpdate {
  email?: string;
  name?: string;
  externalId?: string | null;
  status?: 'ACTIVE' | 'DISABLED';
}

export interface MembershipOptions {
  /** A portal admin acting: re-checked under the group lock, so a just-demoted admin cannot act. */
  actingAdminId?: string;
}

@Injectable()
export class UsersService {
  constructor(
    private readonly customers: CustomersRepository,
    private readonly accountTokens: AccountTokensService,
    private readonly audit: AuditService,
    private readonly outbox: OutboxRepository,
  ) {}

  list(filter: UserFilter): Promise<UserView[]> {
    return this.customers.listUsers(filter);
  }

  async get(id: string): Promise<UserView> {
    const user = await this.customers.findUser(id);
    if (!user) throw DomainError.notFound('User', id);
    return user;
  }

  /** The user with this externalId (an ERP contact id), read in the caller's transaction. */
  findByExternalIdIn(tx: TenantTransaction, externalId: string): Promise<UserView | null> {
    return this.customers.findUserByExternalId(externalId, tx);
  }

  /** Creates an invited user (no password yet) and issues their invitation. */
  create(
    command: CreateUserCommand,
    options: MembershipOptions = {},
  ): Promise<{ user: UserView; invitationExpiresAt: Date }> {
    return this.customers.transaction((tx) => this.createIn(tx, command, options));
  }

  /** create in the caller's transaction (the ERP intake applies a whole event in one). */
  async createIn(
    tx: TenantTransaction,
    command: CreateUserCommand,
    options: MembershipOptions = {},
  ): Promise<{ user: UserView; invitationExpiresAt: Date }> {
    const groupId = command.groupId ?? null;
    if (groupId) await this.lockGroupFor(tx, groupId, options);
    const user = await this.customers.createUser(tx, {
      email: normaliseEmail(command.email),
      name: command.name,
      groupId,
      role: groupId ? (command.role ?? 'MEMBER') : null,
      externalId: command.externalId ?? null,
      status: 'INVITED',
    });
    const { expiresAt } = await this.accountTokens.issueInvitation(tx, user, options.actingAdminId ?? null);
    await this.audit.record(tx, {
      action: 'user.created',
      entityType: 'user',
      entityId: user.id,
      groupId,
      after: user,
    });
    await this.outbox.append(tx, {
      type: 'user.created',
      aggregateType: 'user',
      aggregateId: user.id,
      payload: { userId: user.id, groupId, role: user.role, status: user.status },
    });
    return { user, invitationExpiresAt: expiresAt };
  }

  /**
   * A group admin's invitation (portal). A new email becomes an INVITED member of the group with an
   * invitation, as `create`. An email that already has an account at the vendor is left alone and
   * answered the same way (a 409 USER_EMAIL_TAKEN told an admin that the person had an
   * account in another group); the vendor sees the attempt in its audit trail, the group does not.
   */
  async inviteToGroup(
    groupId: string,
    command: { email: string; name: string; role?: GroupRole },
    actingAdminId: string,
  ): Promise<GroupInvitationAnswer> {
    const email = normaliseEmail(command.email);
    try {
      const { invitationExpiresAt } = await this.create({ ...command, email, groupId }, { actingAdminId });
      return { email, invitationExpiresAt };
    } catch (error) {
      if (!(error instanceof DomainError && error.code === 'USER_EMAIL_TAKEN')) throw error;
    }
    return this.customers.transaction(async (tx) => {
      await this.lockGroupFor(tx, groupId, { actingAdminId });
      const existing = await this.customers.findUserByEmail(email, tx);
      await this.audit.record(tx, {
        action: 'user.invitation_not_sent',
        entityType: 'user',
        entityId: existing?.id ?? null,
        groupId: null, // the vendor's trail only: the inviting group must not learn of the account
        after: { email, invitedToGroupId: groupId, invitedByUserId: actingAdminId, reason: 'EMAIL_HAS_ACCOUNT' },
      });
      return { email, invitationExpiresAt: new Date(Date.now() + INVITATION_TTL_MS) };
    });
  }

  /** Sends a fresh invitation (earlier ones stop working) to a user who has not accepted yet. */
  resendInvitation(
    id: string,
    options: MembershipOptions = {},
  ): Promise<{ user: UserView; invitationExpiresAt: Date }> {
    return this.customers.transaction(async (tx) => {
      const user = await this.customers.findUser(id, tx);
      if (!user) throw DomainError.notFound('User', id);
      if (user.status !== 'INVITED')
        throw new DomainError('USER_NOT_INVITED', `User ${id} has already accepted their invitation`);
      const { expiresAt } = await this.accountTokens.issueInvitation(tx, user, options.actingAdminId ?? null);
      await this.audit.record(tx, {
        action: 'user.invitation_sent',
        entityType: 'user',
        entityId: id,
        groupId: user.groupId,
      });
      return { user, invitationExpiresAt: expiresAt };
    });
  }

  /** Profile fields and status. Disabling ends the user's sessions and counts as losing an admin. */
  update(id: string, input: UserUpdate): Promise<UserView> {
    return this.customers.transaction((tx) => this.updateIn(tx, id, input));
  }

  /** update in the caller's transaction. */
  async updateIn(tx: TenantTransaction, id: string, input: UserUpdate): Promise<UserView> {
    let before = await this.customers.findUser(id, tx);
    if (!before) throw DomainError.notFound('User', id);
    const disabling = input.status === 'DISABLED' && before.status !== 'DISABLED';
    if (disabling && before.groupId) {
      await this.customers.lockGroup(tx, before.groupId);
      before = (await this.customers.findUser(id, tx))!;
      if (before.role === 'ADMIN') await this.assertGroupKeepsAdmin(tx, before.groupId!, id);
    }
    // Re-enabling a user who never set a password sends them back to INVITED.
    let status: UserStatus | undefined;
    if (disabling) status = 'DISABLED';
    else if (input.status === 'ACTIVE' && before.status === 'DISABLED')
      status = (await this.customers.hasPassword(tx, id)) ? 'ACTIVE' : 'INVITED';
    const user = await this.customers.updateUser(tx, id, {
      ...(input.email !== undefined ? { email: normaliseEmail(input.email) } : {}),
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.externalId !== undefined ? { externalId: input.externalId } : {}),
      ...(status ? { status } : {}),
    });
    if (disabling) await this.accountTokens.endSessions(tx, id);
    await this.audit.record(tx, {
      action: disabling ? 'user.disabled' : 'user.updated',
      entityType: 'user',
      entityId: id,
      groupId: user.groupId,
      before,
      after: user,
    });
    await this.outbox.append(tx, {
      type: 'user.updated',
      aggregateType: 'user',
      aggregateId: id,
      payload: { userId: id, groupId: user.groupId, status: user.status },
    });
    return user;
  }

  /**
   * Puts the user in the group with the role, or changes their role there. A user of another group
   * must be removed from it first (USER_IN_ANOTHER_GROUP).
   */
  setMembership(userId: string, groupId: string, role: GroupRole, options: MembershipOptions = {}): Promise<UserView> {
    return this.customers.transaction(async (tx) => {
      await this.lockGroupFor(tx, groupId, options);
      const before = await this.customers.findUser(userId, tx);
      if (!before || (options.actingAdminId && before.groupId !== groupId)) throw DomainError.notFound('User', userId);
      if (before.groupId && before.groupId !== groupId) {
        throw new DomainError(
          'USER_IN_ANOTHER_GROUP',
          `User ${userId} belongs to another group; remove them from it first`,
          { groupId: before.groupId },
        );
      }
      if (before.groupId === groupId && before.role === role) return before;
      if (before.role === 'ADMIN' && role !== 'ADMIN') await this.assertGroupKeepsAdmin(tx, groupId, userId);
      const user = await this.customers.updateUser(tx, userId, { groupId, role });
      const action = before.groupId ? 'user.role_changed' : 'user.added_to_group';
      await this.audit.record(tx, {
        action,
        entityType: 'user',
        entityId: userId,
        groupId,
        before: membership(before),
        after: membership(user),
      });
      await this.outbox.append(tx, {
        type: 'user.updated',
        aggregateType: 'user',
        aggregateId: userId,
        payload: { userId, groupId, role },
      });
      return user;
    });
  }

  /** Removes the user from the group: their access ends at once, and `user.removed` is written. */
  removeFromGroup(userId: string, groupId: string, options: MembershipOptions = {}): Promise<UserView> {
    return this.customers.transaction(async (tx) => {
      await this.lockGroupFor(tx, groupId, options);
      const before = await this.customers.findUser(userId, tx);
      if (!before || before.groupId !== groupId) throw DomainError.notFound('User', userId);
      if (before.role === 'ADMIN') await this.assertGroupKeepsAdmin(tx, groupId, userId);
      const user = await this.customers.updateUser(tx, userId, { groupId: null, role: null });
      await this.accountTokens.endSessions(tx, userId);
      await this.audit.record(tx, {
        action: 'user.removed',
        entityType: 'user',
        entityId: userId,
        groupId,
        before: membership(before),
        after: membership(user),
      });
      await this.outbox.append(tx, {
        type: 'user.removed',
        aggregateType: 'user',
        aggregateId: userId,
        payload: { userId, groupId },
      });
      return user;
    });
  }

  /** Deletes the user (and their sessions and tokens). Refused while containers are assigned to them. */
  delete(id: string): Promise<void> {
    return this.customers.transaction(async (tx) => {
      let before = await this.customers.findUser(id, tx);
      if (!before) throw DomainError.notFound('User', id);
      if (before.groupId) {
        await this.customers.lockGroup(tx, before.groupId);
        before = (await this.customers.findUser(id, tx))!;
        if (before.role === 'ADMIN') await this.assertGroupKeepsAdmin(tx, before.groupId!, id);
      }
      if (!(await this.customers.deleteUser(tx, id)))
        throw new DomainError('USER_HAS_CONTAINERS', `User ${id} still has containers`);
      await this.audit.record(tx, {
        action: 'user.deleted',
        entityType: 'user',
        entityId: id,
        groupId: before.groupId,
        before,
      });
      const events: DomainEventInput[] = [
        {
          type: 'user.deleted',
          aggregateType: 'user',
          aggregateId: id,
          payload: { userId: id, groupId: before.groupId },
        },
      ];
      if (before.groupId)
        events.unshift({
          type: 'user.removed',
          aggregateType: 'user',
          aggregateId: id,
          payload: { userId: id, groupId: before.groupId },
        });
      await this.outbox.append(tx, ...events);
    });
  }

  private async lockGroupFor(tx: TenantTransaction, groupId: string, options: MembershipOptions): Promise<void> {
    if (!(await this.customers.lockGroup(tx, groupId))) throw DomainError.notFound('Group', groupId);
    if (options.actingAdminId) {
      const actor = await this.customers.findUser(options.actingAdminId, tx);
      if (!actor || actor.groupId !== groupId || actor.role !== 'ADMIN' || actor.status !== 'ACTIVE') {
        throw new DomainError('GROUP_ADMIN_REQUIRED', 'Only an admin of this group may do this');
      }
    }
  }

  /** Call with the group locked: refuses when the user's admin role is the group's last while others remain. */
  private async assertGroupKeepsAdmin(tx: TenantTransaction, groupId: string, userId: string): Promise<void> {
    const others = await this.customers.countOthers(tx, groupId, userId);
    if (others.members > 0 && others.admins === 0) {
      throw new DomainError(
        'LAST_GROUP_ADMIN',
        'This would leave the group without an admin; make another member admin first',
        { groupId },
      );
    }
  }
}

const membership = (u: UserView) => ({ groupId: u.groupId, role: u.role });
