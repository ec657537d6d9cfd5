import { TenantContext } from '@leasehold/db';
import { DomainEventView, OutboxHandler, OutboxSubscriber } from '@leasehold/domain-events';
import { UpdateSignal } from '@leasehold/domain-updates';
import { SeatQueueService } from './seat-queue.service';

/**
 * A seat freed (released, returned, stopped, expired), a ticket left the queue or the license's
 * reservations changed (a waiting ticket may now be admitted): the license's grant pass holds
 * free seats for the next waiting tickets. Idempotent (a pass with nothing to
 * grant changes nothing), so a redelivery is harmless.
 */
@OutboxSubscriber(
  'seat.released',
  'seat.returned',
  'seat.stopped',
  'seat.expired',
  'seat.queue_lapsed',
  'seat.queue_cancelled',
  'license.reservation_changed',
)
export class ServeSeatQueue implements OutboxHandler {
  constructor(
    private readonly queue: SeatQueueService,
    private readonly tenant: TenantContext,
  ) {}

  async handle(event: DomainEventView): Promise<void> {
    const licenseId = event.payload['licenseId'];
    if (typeof licenseId !== 'string') return;
    await this.tenant.run(event.vendorId, () => this.queue.serve(licenseId));
  }
}

/**
 * A ticket was granted a seat or lapsed: wake the container's programs waiting on their tickets
 * (GET /client/v1/seat-queue/{ticketId}) on every replica. The notice carries no state; a woken
 * wait reads its ticket from Postgres.
 */
@OutboxSubscriber('seat.queue_granted', 'seat.queue_lapsed')
export class AnnounceSeatQueueChange implements OutboxHandler {
  constructor(private readonly signal: UpdateSignal) {}

  async handle(event: DomainEventView): Promise<void> {
    const containerId = event.payload['containerId'];
    if (typeof containerId !== 'string') return;
    await this.signal.announce({ vendorId: event.vendorId, containerId, reason: 'SEAT_QUEUE' });
  }
}
