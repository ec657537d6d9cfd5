import { Injectable } from '@nestjs/common';
import { AuditService } from '@leasehold/domain-audit';
import { OutboxRepository } from '@leasehold/domain-events';
import { UpdateSignal } from '@leasehold/domain-updates';
import { DomainError } from '@leasehold/errors';
import { GroupBorrowingRepository } from './group-borrowing.repository';

// A group's admin may switch borrowing off for the group's containers ("deactivate this
// function"): new borrows, online or by offline code, are refused (BORROW_DISABLED_BY_ADMIN, in
// the seats domain); borrows already made run to their end. Every container of the group raises
// its revision, so its devices learn of the switch on every update channel.

export interface GroupBorrowingView {
  groupId: string;
  borrowingAllowed: boolean;
}

@Injectable()
export class GroupBorrowingService {
  constructor(
    private readonly groups: GroupBorrowingRepository,
    private readonly audit: AuditService,
    private readonly outbox: OutboxRepository,
    private readonly updates: UpdateSignal,
  ) {}

  async get(groupId: string): Promise<GroupBorrowingView> {
    const group = await this.groups.find(groupId);
    if (!group) throw DomainError.notFound('Group', groupId);
    return { groupId, borrowingAllowed: group.borrowingAllowed };
  }

  async set(groupId: string, allowed: boolean): Promise<GroupBorrowingView> {
    const containerIds = await this.groups.transaction(async (tx) => {
      const before = await this.groups.lockGroup(tx, groupId);
      if (!before) throw DomainError.notFound('Group', groupId);
      if (before.borrowingAllowed === allowed) return [];
      await this.groups.setBorrowingAllowed(tx, groupId, allowed);
      const ids = await this.groups.raiseRevisions(tx, groupId);
      await this.audit.record(tx, {
        action: 'group.updated',
        entityType: 'group',
        entityId: groupId,
        groupId,
        before: { borrowingAllowed: before.borrowingAllowed },
        after: { borrowingAllowed: allowed },
      });
      await this.outbox.append(
        tx,
        {
          type: 'group.updated',
          aggregateType: 'group',
          aggregateId: groupId,
          payload: { groupId, changes: ['borrowingAllowed'], borrowingAllowed: allowed },
        },
        ...ids.map((containerId) => ({
          type: 'container.updated' as const,
          aggregateType: 'container',
          aggregateId: containerId,
          payload: { containerId, groupId, cause: 'group.borrowing_changed', borrowingAllowed: allowed },
        })),
      );
      return ids;
    });
    for (const containerId of containerIds) this.updates.announceLicenseChange(containerId);
    return { groupId, borrowingAllowed: allowed };
  }
}
