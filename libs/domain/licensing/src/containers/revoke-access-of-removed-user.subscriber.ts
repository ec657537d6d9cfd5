import { TenantContext } from '@leasehold/db';
import { DomainEventView, OutboxHandler, OutboxSubscriber, userAccessEnded } from '@leasehold/domain-events';
import { ContainersService } from './containers.service';

/**
 * A user removed from their group or disabled loses their PERSONAL containers at once: validate
 * answers USER_REMOVED / USER_DISABLED, checkout, heartbeat, activation, license files and offline
 * requests refuse with CONTAINER_ACCESS_REVOKED, and after a removal the old group's admins no
 * longer see the container. A user enabled again gets back what disabling took. Idempotent.
 */
@OutboxSubscriber('user.removed', 'user.updated')
export class RevokeAccessOfRemovedUser implements OutboxHandler {
  constructor(
    private readonly containers: ContainersService,
    private readonly tenant: TenantContext,
  ) {}

  async handle(event: DomainEventView): Promise<void> {
    const change = userAccessEnded(event) === 'USER_REMOVED' ? 'USER_REMOVED' : 'USER_UPDATED';
    await this.tenant.run(event.vendorId, () => this.containers.reconcileAccessOfUser(event.aggregateId, change));
  }
}
