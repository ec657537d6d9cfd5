// The catalogue of domain event types. Every state change writes one of these to the outbox
// (table domain_events) in the same transaction as the change; the worker publishes them.

export const DOMAIN_EVENT_TYPES = [
  'user.created',
  'user.updated',
  'user.removed',
  'user.deleted',
  // Carry the one-time token to the vendor (webhook), who mails it: Leasehold sends no mail.
  // The only events that hold a secret; the token is single-use and expires.
  'user.invited',
  'user.password_reset_requested',
  'group.created',
  'group.updated',
  'group.deleted',
  'container.created',
  'container.updated',
  'container.credentials_reset',
  'license.created',
  'license.changed',
  'license.renewed',
  'license.expired',
  'license.suspended',
  'license.resumed',
  'license.revoked',
  // A group admin moved seats of a purchase from one license to another (both also announce license.changed/created).
  'license.seats_moved',
  // Seat reservations: a reservation of the license was created, changed or deleted.
  'license.reservation_changed',
  // Overage: the seats in use first exceeded the quantity / fell back to it (for billing).
  'license.overage_started',
  'license.overage_ended',
  'device.activated',
  'device.deactivated',
  'seat.checked_out',
  'seat.denied',
  'seat.released',
  'seat.expired',
  'seat.stopped',
  'seat.borrowed',
  'seat.returned',
  // The wait queue for a seat (aggregate seat_queue_ticket): joined, a freed seat held for the
  // ticket (claim window until payload.expiresAt), not renewed or not claimed in time, left.
  'seat.queued',
  'seat.queue_granted',
  'seat.queue_lapsed',
  'seat.queue_cancelled',
  'renewal.due',
  'renewal.succeeded',
  'renewal.failed',
  // Outbound webhooks: an endpoint that kept failing was switched off (payload: endpointId, url, reason).
  'webhook_endpoint.disabled',
  // Sent only to the endpoint named in aggregateId, on the vendor's request ("send test event").
  'webhook_endpoint.ping',
] as const;

export type DomainEventType = (typeof DOMAIN_EVENT_TYPES)[number];

export interface DomainEventInput {
  type: DomainEventType;
  /** The kind of thing that changed: 'user', 'group', 'container', 'license', 'device', 'seat', … */
  aggregateType: string;
  aggregateId: string;
  /** Ids and the facts a subscriber needs; never secrets. */
  payload: Record<string, unknown>;
}

export interface DomainEventView extends DomainEventInput {
  id: string;
  vendorId: string;
  createdAt: Date;
  publishedAt: Date | null;
}

/**
 * How a user loses access, read from an event of the customers domain: `user.removed` (from their
 * group), or `user.updated` with status DISABLED. Null for any other event. The reactions (revoke
 * the personal containers, end the user's leases) subscribe to both types and ask this.
 */
export function userAccessEnded(
  event: Pick<DomainEventView, 'type' | 'payload'>,
): 'USER_REMOVED' | 'USER_DISABLED' | null {
  if (event.type === 'user.removed') return 'USER_REMOVED';
  if (event.type === 'user.updated' && event.payload['status'] === 'DISABLED') return 'USER_DISABLED';
  return null;
}
