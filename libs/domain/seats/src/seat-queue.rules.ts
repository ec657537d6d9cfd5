import { DomainError } from '@leasehold/errors';
import type { TicketRow } from './seat-queue.repository';

// Why a checkout with a wait-queue ticket did not get the held seat: one code per outcome.

/**
 * The refusal for a ticket the claim could not use: unknown to this container, license and
 * device (404, like another vendor's id), still waiting, or out of the queue. Null for a ticket
 * that holds a seat (the claim failed for another reason, which the checkout explains).
 */
export function ticketRefusal(ticket: TicketRow | null, ticketId: string, fingerprint: string): DomainError | null {
  if (!ticket || ticket.fingerprint !== fingerprint) return DomainError.notFound('Seat queue ticket', ticketId);
  if (ticket.status === 'WAITING') {
    return new DomainError('QUEUE_TICKET_WAITING', 'No seat is held for this ticket yet; wait on GET /client/v1/seat-queue/{ticketId}', {
      ticketId,
      position: ticket.position,
    });
  }
  if (ticket.status === 'HELD') return null;
  return new DomainError('QUEUE_TICKET_ENDED', `The ticket is ${ticket.status.toLowerCase()}; check out or join the queue again`, {
    ticketId,
    status: ticket.status,
    leaseId: ticket.leaseId,
  });
}
