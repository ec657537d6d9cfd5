import { Prisma } from '@leasehold/db';
import { reservationSeatsOpenTo } from './reservations.repository';
import { SLOT_OPEN_TO_CHECKOUT } from './seat-queue.predicates';
import { seatClaimable } from './seat-rules.sql';

// What a checkout would get, as SQL other statements embed (the validation statement answers it as
// `availability.available`), built from the very predicates the slot claim uses, so a program is
// never told a seat is free that its checkout is then refused: the capacity
// (seat-capacity.ts), the wait queue (seat-queue.predicates.ts) and the reservations
// (reservations.repository.ts).

/**
 * How many seats of license `license` (a uuid SQL expression) plain checkouts (no queue ticket) by
 * `user` (a uuid SQL expression; NULL: without a user) could take now: the free slots a plain
 * checkout may claim (none held for a ticket, none while tickets wait), at most what the
 * reservation rule leaves this user within the capacity (quantity + overage allowance).
 */
export function seatsOpenToCheckoutSql(license: Prisma.Sql, user: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`LEAST((SELECT count(*) FROM seat_slots s WHERE s."licenseId" = ${license} AND ${seatClaimable('s')} AND ${SLOT_OPEN_TO_CHECKOUT}),
                         ${reservationSeatsOpenTo(license, user)})::int`;
}
