import { Injectable } from '@nestjs/common';
import { DomainEventView, OutboxSubscriber, OutboxSubscription } from '@leasehold/domain-events';
import { UpdateSignal } from './update-signal.service';

/** Event types after which a container's devices should fetch their license again. */
const UPDATE_EVENTS = new Set(['license.created', 'license.changed', 'license.renewed', 'license.expired', 'license.suspended', 'license.resumed', 'license.revoked']);

/**
 * The outbox relay's path for update wake-ups: every license event that committed, whoever made
 * it (vendor API, ERP intake, renewals in the worker), wakes the container's waiting programs.
 * The licensing service also announces right after its own commits, which is faster than the
 * relay's one-second cycle; a second notice for one change is harmless (waiters re-read the
 * revision). Idempotent: publishing twice wakes twice, nothing is written.
 */
@OutboxSubscription()
@Injectable()
export class LicenseUpdateAnnouncer implements OutboxSubscriber {
  constructor(private readonly signal: UpdateSignal) {}

  handles(type: string): boolean {
    return UPDATE_EVENTS.has(type);
  }

  async handle(event: DomainEventView): Promise<void> {
    const containerId = event.payload['containerId'];
    if (typeof containerId !== 'string') return;
    await this.signal.announce({ vendorId: event.vendorId, containerId, reason: 'LICENSE_CHANGED' });
  }
}
