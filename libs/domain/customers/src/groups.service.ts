import { Injectable } from '@nestjs/common';
import { TenantTransaction } from '@leasehold/db';
import { AuditService } from '@leasehold/domain-audit';
import { OutboxRepository } from '@leasehold/domain-events';
import { DomainError } from '@leasehold/errors';
import { CustomersRepository } from './customers.repository';
import { GroupFilter, GroupView } from './customers.types';

// Groups are a vendor's customer companies. A group can only be deleted once it has no users and
// no containers, so nothing a customer paid for is orphaned by accident.

@Injectable()
export class GroupsService {
  constructor(
    private readonly customers: CustomersRepository,
    private readonly audit: AuditService,
    private readonly outbox: OutboxRepository,
  ) {}

  list(filter: GroupFilter): Promise<GroupView[]> {
    return this.customers.listGroups(filter);
  }

  async get(id: string): Promise<GroupView> {
    const group = await this.customers.findGroup(id);
    if (!group) throw DomainError.notFound('Group', id);
    return group;
  }

  /** The group with this externalId (an ERP customer id), read in the caller's transaction. */
  findByExternalIdIn(tx: TenantTransaction, externalId: string): Promise<GroupView | null> {
    return this.customers.findGroupByExternalId(externalId, tx);
  }

  create(input: { name: string; externalId?: string | null }): Promise<GroupView> {
    return this.customers.transaction((tx) => this.createIn(tx, input));
  }

  /** create in the caller's transaction (the ERP intake applies a whole event in one). */
  async createIn(tx: TenantTransaction, input: { name: string; externalId?: string | null }): Promise<GroupView> {
    const group = await this.customers.createGroup(tx, input);
    await this.audit.record(tx, {
      action: 'group.created',
      entityType: 'group',
      entityId: group.id,
      groupId: group.id,
      after: group,
    });
    await this.outbox.append(tx, {
      type: 'group.created',
      aggregateType: 'group',
      aggregateId: group.id,
      payload: { groupId: group.id, name: group.name },
    });
    return group;
  }

  update(id: string, input: { name?: string; externalId?: string | null }): Promise<GroupView> {
    return this.customers.transaction((tx) => this.updateIn(tx, id, input));
  }

  /** update in the caller's transaction. */
  async updateIn(
    tx: TenantTransaction,
    id: string,
    input: { name?: string; externalId?: string | null },
  ): Promise<GroupView> {
    const before = await this.customers.findGroup(id, tx);
    if (!before) throw DomainError.notFound('Group', id);
    const group = await this.customers.updateGroup(tx, id, input);
    await this.audit.record(tx, {
      action: 'group.updated',
      entityType: 'group',
      entityId: id,
      groupId: id,
      before,
      after: group,
    });
    await this.outbox.append(tx, {
      type: 'group.updated',
      aggregateType: 'group',
      aggregateId: id,
      payload: { groupId: id, changes: Object.keys(input) },
    });
    return group;
  }

  delete(id: string): Promise<void> {
    return this.customers.transaction(async (tx) => {
      if (!(await this.customers.lockGroup(tx, id))) throw DomainError.notFound('Group', id);
      const before = await this.customers.findGroup(id, tx);
      const members = await this.customers.countMembers(tx, id);
      if (members > 0)
        throw new DomainError('GROUP_NOT_EMPTY', `Group ${id} still has ${members} user(s)`, { users: members });
      if (!(await this.customers.deleteGroup(tx, id)))
        throw new DomainError('GROUP_NOT_EMPTY', `Group ${id} still has containers`);
      await this.audit.record(tx, { action: 'group.deleted', entityType: 'group', entityId: id, groupId: id, before });
      await this.outbox.append(tx, {
        type: 'group.deleted',
        aggregateType: 'group',
        aggregateId: id,
        payload: { groupId: id },
      });
    });
  }
}
