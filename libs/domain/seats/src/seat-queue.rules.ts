import { DomainError } from '@leasehold/errors';
import { QUEUE_TICKET_TTL_SECONDS } from './seat-queue.predicates';
import type { TicketRow } from './seat-queue.repository';
import type { QueueEntryView, QueueTicketView } from './seat-queue.types';

// Why a checkout with a wait-queue ticket did not get the held seat (one code per outcome), and
// how a ticket reads to the program.

/** Renew a waiting ticket at least this often (well inside its TTL). */
const RENEW_INTERVAL_SECONDS = Math.floor(QUEUE_TICKET_TTL_SECONDS / 3);

/**
 * The refusal for a ticket the claim could not use: unknown to this container, license and
 * device (404, like another vendor's id), still waiting, or out of the queue. Null for a ticket
 * that holds a seat (the claim failed for another reason, which the checkout explains).
 */
export function ticketRefusal(ticket: TicketRow | null, ticketId: string, fingerprint: string): DomainError | null {
  if (!ticket || ticket.fingerprint !== fingerprint) return DomainError.notFound('Seat queue ticket', ticketId);
  if (ticket.status === 'WAITING') {
    return new DomainError(
      'QUEUE_TICKET_WAITING',
      'No seat is held for this ticket yet; wait on GET /client/v1/seat-queue/{ticketId}',
      {
        ticketId,
        position: ticket.position,
      },
    );
  }
  if (ticket.status === 'HELD') return null;
  return new DomainError(
    'QUEUE_TICKET_ENDED',
    `The ticket is ${ticket.status.toLowerCase()}; check out or join the queue again`,
    {
      ticketId,
      status: ticket.status,
      leaseId: ticket.leaseId,
    },
  );
}

export function toTicketView(row: TicketRow): QueueTicketView {
  const { id, ...entry } = toQueueEntryView(row);
  return { ticketId: id, ...entry, leaseId: row.leaseId, renewIntervalSeconds: RENEW_INTERVAL_SECONDS };
}

export function toQueueEntryView(row: TicketRow): QueueEntryView {
  return {
    id: row.id,
    licenseId: row.licenseId,
    containerId: row.containerId,
    fingerprint: row.fingerprint,
    clientName: row.clientName,
    userId: row.userId,
    status: row.status,
    position: row.position,
    queuedAt: row.createdAt,
    expiresAt: row.expiresAt,
    grantedAt: row.grantedAt,
  };
}
