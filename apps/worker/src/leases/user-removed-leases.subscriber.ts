import { Injectable } from '@nestjs/common';
import { DomainEventView, OutboxSubscriber, OutboxSubscription } from '@leasehold/domain-events';
import { SessionsService } from '@leasehold/domain-seats';

/**
 * `user.removed`: every lease of the user ends now (USER_REMOVED) and its seat is free. Runs from
 * the outbox relay, so a committed removal is never missed; idempotent if delivered twice.
 */
@OutboxSubscription()
@Injectable()
export class UserRemovedLeasesSubscriber implements OutboxSubscriber {
  constructor(private readonly sessions: SessionsService) {}

  handles(type: string): boolean {
    return type === 'user.removed';
  }

  async handle(event: DomainEventView): Promise<void> {
    await this.sessions.onUserRemoved(event.vendorId, event.aggregateId);
  }
}
