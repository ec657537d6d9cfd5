import { DomainEventView, OutboxHandler, OutboxSubscriber } from '@leasehold/domain-events';
import { UpdateSignal } from './update-signal.service';

/**
 * The outbox relay's path for update wake-ups: every committed change of what a container's
 * devices may do (a license event, a credential reset, a container change such as its user's
 * removal, a device deactivated), whoever made it (vendor API, portal, ERP intake, the worker), wakes the container's
 * waiting programs. The API services also announce right after their own commits, which is faster
 * than the relay's one-second cycle; a second notice for one change is harmless (waiters re-read
 * the revision). Idempotent: publishing twice wakes twice, nothing is written.
 */
@OutboxSubscriber(
  'license.created',
  'license.changed',
  'license.renewed',
  'license.expired',
  'license.suspended',
  'license.resumed',
  'license.revoked',
  'container.updated',
  'container.credentials_reset',
  'device.deactivated',
)
export class LicenseUpdateAnnouncer implements OutboxHandler {
  constructor(private readonly signal: UpdateSignal) {}

  async handle(event: DomainEventView): Promise<void> {
    const containerId = event.payload['containerId'];
    if (typeof containerId !== 'string') return;
    await this.signal.announce({ vendorId: event.vendorId, containerId, reason: 'LICENSE_CHANGED' });
  }
}
