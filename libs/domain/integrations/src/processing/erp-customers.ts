import { Injectable } from '@nestjs/common';
import { TenantTransaction } from '@leasehold/db';
import { GroupsService, GroupView, UsersService, UserView } from '@leasehold/domain-customers';
import { IntegrationsRepository } from '../integrations.repository';
import { CustomerUpdated, OrderCreated } from '../erp-events.schema';
import { CustomerUpdatedResult } from './erp-processing.types';

// The ERP's customers as our groups and users, matched by externalId (the ERP's customer and
// contact ids). The customers domain keeps its rules (unique email, one group per user, the
// invitation); this only decides "find, else create" under a lock on the externalId.

@Injectable()
export class ErpCustomers {
  constructor(
    private readonly groups: GroupsService,
    private readonly users: UsersService,
    private readonly integrations: IntegrationsRepository,
  ) {}

  /** The order's group, created when new. */
  async group(
    tx: TenantTransaction,
    group: NonNullable<OrderCreated['group']>,
  ): Promise<{ group: GroupView; created: boolean }> {
    await this.integrations.lockKey(tx, `group:${group.externalId}`);
    const existing = await this.groups.findByExternalIdIn(tx, group.externalId);
    if (existing) return { group: existing, created: false };
    return { group: await this.groups.createIn(tx, { name: group.name, externalId: group.externalId }), created: true };
  }

  /**
   * The order's user, created (invited) when new: in the order's group as its ADMIN when the group
   * is new too (the buyer administers what they bought), as a MEMBER of an existing group; without
   * a group for a personal order. An existing user is taken as they are.
   */
  async user(
    tx: TenantTransaction,
    person: NonNullable<OrderCreated['user']>,
    group: { id: string; created: boolean } | null,
  ): Promise<{ user: UserView; created: boolean }> {
    await this.integrations.lockKey(tx, `user:${person.externalId}`);
    const existing = await this.users.findByExternalIdIn(tx, person.externalId);
    if (existing) return { user: existing, created: false };
    const { user } = await this.users.createIn(tx, {
      email: person.email,
      name: person.name,
      externalId: person.externalId,
      groupId: group?.id ?? null,
      ...(group ? { role: group.created ? 'ADMIN' : 'MEMBER' } : {}),
    });
    return { user, created: true };
  }

  /** customer.updated: renames the group, changes the user's name or email; unknown ids change nothing. */
  async update(tx: TenantTransaction, data: CustomerUpdated): Promise<CustomerUpdatedResult> {
    const result: CustomerUpdatedResult = { groupId: null, userId: null, unknown: [] };
    if (data.group) {
      const group = await this.groups.findByExternalIdIn(tx, data.group.externalId);
      if (!group) result.unknown.push(data.group.externalId);
      else {
        if (group.name !== data.group.name) await this.groups.updateIn(tx, group.id, { name: data.group.name });
        result.groupId = group.id;
      }
    }
    if (data.user) {
      const user = await this.users.findByExternalIdIn(tx, data.user.externalId);
      if (!user) result.unknown.push(data.user.externalId);
      else {
        const change = {
          ...(data.user.name !== undefined && data.user.name !== user.name ? { name: data.user.name } : {}),
          ...(data.user.email !== undefined && data.user.email.trim().toLowerCase() !== user.email
            ? { email: data.user.email }
            : {}),
        };
        if (Object.keys(change).length) await this.users.updateIn(tx, user.id, change);
        result.userId = user.id;
      }
    }
    return result;
  }
}
