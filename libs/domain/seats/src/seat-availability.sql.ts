import { Prisma } from '@leasehold/db';
import { reservationSeatsOpenTo, reservedUnusedSql, sameReservation } from './reservations.repository';
import { SLOT_NOT_HELD, waitingTicketsOf } from './seat-queue.predicates';
import { LicenseKey, seatClaimable } from './seat-rules.sql';

// Whether and how many seats a checkout without a ticket may take, as SQL the slot claim and the
// validation statement embed (validation answers it as `availability.available`), built from the
// very predicates the claim uses, so a program is never told a seat is free that its checkout is
// then refused: the capacity (seat-capacity.ts), the wait queue (seat-queue.predicates.ts) and the
// reservations (reservations.repository.ts).

/**
 * The wait queue lets a checkout without a ticket by `user` (a uuid SQL expression; NULL: without
 * a user) take free slot `s` of license `license`: the slot is not held
 * for a ticket, and no waiting ticket is ahead of the checkout. While tickets wait, freed seats
 * are theirs, in order (the grant pass holds them), so a checkout waits behind every ticket, except
 * one by a user of a reservation with a seat of it unused: that seat was never a waiting outsider's,
 * so such a checkout waits only behind tickets of users of the same reservation.
 */
export function queueAdmitsCheckout(license: LicenseKey, user: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`${SLOT_NOT_HELD}
           AND NOT EXISTS (SELECT 1 FROM ${waitingTicketsOf(license)}
                              AND (${reservedUnusedSql(license, user)} < 1 OR ${sameReservation(license, user, Prisma.sql`q."userId"`)}))`;
}

/**
 * `queueAdmitsCheckout` for a license without seat reservations (its exemption needs a
 * reservation): free slot `s` is not held for a ticket and no ticket waits. The one-statement
 * checkout (`claimCommon`) claims only where the license has no reservations.
 */
export function queueAdmitsCheckoutWithoutReservations(license: LicenseKey): Prisma.Sql {
  return Prisma.sql`${SLOT_NOT_HELD} AND NOT EXISTS (SELECT 1 FROM ${waitingTicketsOf(license)})`;
}

/**
 * How many seats of license `license` checkouts without a ticket by `user`
 * (a uuid SQL expression; NULL: without a user) could take now: the free slots such a checkout may
 * claim (`queueAdmitsCheckout`), at most what the reservation rule leaves this user within the
 * capacity (quantity + overage allowance).
 */
export function seatsOpenToCheckoutSql(license: LicenseKey, user: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`LEAST((SELECT count(*) FROM seat_slots s WHERE s."vendorId" = ${license.vendorId} AND s."licenseId" = ${license.id} AND ${seatClaimable('s')} AND ${queueAdmitsCheckout(license, user)}),
                         ${reservationSeatsOpenTo(license, user)})::int`;
}
