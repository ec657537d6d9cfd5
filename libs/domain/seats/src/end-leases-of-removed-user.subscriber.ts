import { TenantContext } from '@leasehold/db';
import { DomainEventView, OutboxHandler, OutboxSubscriber, userAccessEnded } from '@leasehold/domain-events';
import { SessionsService } from './sessions.service';

/**
 * A user removed from their group or disabled: every live lease of the user (leases that recorded
 * the user, and leases on the user's PERSONAL containers) ends now (USER_REMOVED) and its seat is
 * free; the program's next heartbeat answers SESSION_STOPPED. Idempotent: a second delivery finds
 * nothing left to end.
 */
@OutboxSubscriber('user.removed', 'user.updated')
export class EndLeasesOfRemovedUser implements OutboxHandler {
  constructor(
    private readonly sessions: SessionsService,
    private readonly tenant: TenantContext,
  ) {}

  async handle(event: DomainEventView): Promise<void> {
    if (!userAccessEnded(event)) return;
    await this.tenant.run(event.vendorId, () => this.sessions.endLeasesOfUser(event.aggregateId));
  }
}
