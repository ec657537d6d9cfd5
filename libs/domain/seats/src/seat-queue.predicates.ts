import { Prisma } from '@leasehold/db';
import type { LicenseKey } from './seat-rules.sql';

// The wait queue's conditions on a seat slot `s`, shared by every statement that takes a slot
// (checkout claim, queue grant, pool trim), so "a seat held for a ticket is nobody else's" is
// written once. A hold lasts until heldUntil; after that the slot is ordinary again.

/** How long a freed seat is held for the first waiting ticket (the claim window), in seconds. */
export const QUEUE_CLAIM_WINDOW_SECONDS = 60;
/** A waiting ticket lapses this long after its last renewal (each long-poll renews it), in seconds. */
export const QUEUE_TICKET_TTL_SECONDS = 60;

/** The slot is not held for any ticket (never held, or the hold ran out). */
export const SLOT_NOT_HELD = Prisma.sql`(s."heldTicketId" IS NULL OR s."heldUntil" <= now())`;

/** Slot `s` is held for a ticket in its claim window (the opposite of `SLOT_NOT_HELD`). */
export const SLOT_HELD = Prisma.sql`(s."heldTicketId" IS NOT NULL AND s."heldUntil" > now())`;

/**
 * Seats of license `license` held for tickets now, as an int. A held seat
 * is as taken as one in use: the seat rules count both (reservations.repository.ts).
 */
export function seatsHeldOf(license: LicenseKey): Prisma.Sql {
  return Prisma.sql`(SELECT count(*)::int FROM seat_slots s WHERE s."vendorId" = ${license.vendorId} AND s."licenseId" = ${license.id} AND ${SLOT_HELD})`;
}

/** Tickets of license `license` still waiting, aliased `q`: `FROM` and `WHERE` of a select. */
export function waitingTicketsOf(license: LicenseKey): Prisma.Sql {
  return Prisma.sql`seat_queue_tickets q WHERE q."vendorId" = ${license.vendorId} AND q."licenseId" = ${license.id} AND q.status = 'WAITING' AND q."expiresAt" > now()`;
}

/** The slot is held, in its claim window, for this ticket of this device (fingerprint). */
export function slotHeldFor(ticketId: string, fingerprint: string): Prisma.Sql {
  return Prisma.sql`s."heldTicketId" = ${ticketId}::uuid AND s."heldUntil" > now()
           AND EXISTS (SELECT 1 FROM seat_queue_tickets q
                        WHERE q."vendorId" = s."vendorId" AND q.id = ${ticketId}::uuid AND q."licenseId" = s."licenseId" AND q.fingerprint = ${fingerprint} AND q.status = 'HELD')`;
}
