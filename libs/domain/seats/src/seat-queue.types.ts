import type { LicenseRef } from './seats.types';

export type QueueTicketStatus = 'WAITING' | 'HELD' | 'CLAIMED' | 'LAPSED' | 'CANCELLED';

/** A program asking to wait for a seat (the checkout's checks apply, see SeatQueueService.enqueue). */
export interface EnqueueInput {
  containerId: string;
  license: LicenseRef;
  fingerprint: string;
  clientName?: string | null;
  /** The user of a user-bound credential (as CheckoutInput.user). */
  user?: { id: string; groupId: string | null };
}

/** A wait-queue ticket as the program and admins see it. */
export interface QueueTicketView {
  ticketId: string;
  licenseId: string;
  containerId: string;
  fingerprint: string;
  clientName: string | null;
  userId: string | null;
  status: QueueTicketStatus;
  /** WAITING: 1 = served next; null otherwise. */
  position: number | null;
  queuedAt: Date;
  /** WAITING: lapses then unless renewed (GET the ticket); HELD: the end of the claim window. */
  expiresAt: Date;
  /** HELD: since when the seat is held for the ticket. */
  grantedAt: Date | null;
  /** CLAIMED: the lease the held seat became. */
  leaseId: string | null;
  /** Renew (GET the ticket, which may wait) at least this often. */
  renewIntervalSeconds: number;
}

/** A ticket still in the queue as admins see it (in sessions): who waits, since when, in which place. */
export type QueueEntryView = { id: string } & Pick<
  QueueTicketView,
  | 'licenseId'
  | 'containerId'
  | 'fingerprint'
  | 'clientName'
  | 'userId'
  | 'status'
  | 'position'
  | 'queuedAt'
  | 'expiresAt'
  | 'grantedAt'
>;

/** Which queue an admin looks at: a license or container of the vendor, or the admin's group. */
export interface QueueFilter {
  licenseId?: string;
  containerId?: string;
  groupId?: string;
  take: number;
  cursor?: string;
}
