import { Injectable } from '@nestjs/common';
import { advisoryLockKey, ContainerKind, Prisma, SqlExecutor, TenantPrisma } from '@leasehold/db';
import { capacitySql } from './seat-capacity';
import { SLOT_HELD, seatsHeldOf } from './seat-queue.predicates';
import { LicenseKey, leaseHoldsSeat, licenseKey, seatsInUseOf } from './seat-rules.sql';

// Seat reservations in SQL. The rule a checkout must pass (`reservationAdmits`) is one predicate
// of the slot claim (SeatCheckoutRepository.claimSlot): a user of a reservation with seats of it
// unused may take any free seat; anyone else only while the seats still held for reservations stay
// free (seats taken + 1 + unused reserved seats ≤ the license's capacity). A seat held for a wait-queue
// ticket counts as taken, and as used by the reservation of the ticket's user. Checkouts and grant
// passes of a license with reservations run one after another under `lockForCheckout`, so the
// counts the predicate reads are exact (releases and expiries only ever free seats).

/**
 * Per reservation of license `license`: its seats, how many of its users'
 * leases hold a seat now (`used`), and how many seats are held for its users' wait-queue tickets (`held`).
 */
function reservationUse(license: LicenseKey): Prisma.Sql {
  return Prisma.sql`(SELECT r.id, r.seats,
            (SELECT count(*) FROM seat_leases x
               JOIN seat_slots s ON ${leaseHoldsSeat('x', 's')}
               JOIN seat_reservation_users ru ON ru."vendorId" = r."vendorId" AND ru."reservationId" = r.id AND ru."userId" = x."userId"
              WHERE x."vendorId" = r."vendorId" AND x."licenseId" = r."licenseId")::int AS used,
            (SELECT count(*) FROM seat_slots s
               JOIN seat_queue_tickets t ON t."vendorId" = s."vendorId" AND t.id = s."heldTicketId"
               JOIN seat_reservation_users ru ON ru."vendorId" = r."vendorId" AND ru."reservationId" = r.id AND ru."userId" = t."userId"
              WHERE s."vendorId" = r."vendorId" AND s."licenseId" = r."licenseId" AND ${SLOT_HELD})::int AS held
       FROM seat_reservations r WHERE r."vendorId" = ${license.vendorId} AND r."licenseId" = ${license.id})`;
}

/**
 * Unused reserved seats of the license: Σ max(0, seats − used − held) over its reservations, or with
 * `user` (a uuid SQL expression) over the reservations that user is in.
 */
export function reservedUnusedSql(license: LicenseKey, user?: Prisma.Sql): Prisma.Sql {
  const theirs = user
    ? Prisma.sql`JOIN seat_reservation_users ru ON ru."vendorId" = ${license.vendorId} AND ru."reservationId" = u.id AND ru."userId" = ${user}`
    : Prisma.empty;
  return Prisma.sql`(SELECT COALESCE(sum(GREATEST(u.seats - u.used - u.held, 0)), 0) FROM ${reservationUse(license)} u ${theirs})`;
}

/** `user` and `other` (uuid SQL expressions) are users of one reservation of license `license`. */
export function sameReservation(license: LicenseKey, user: Prisma.Sql, other: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`EXISTS (SELECT 1 FROM seat_reservation_users a
                             JOIN seat_reservation_users b ON b."vendorId" = a."vendorId" AND b."reservationId" = a."reservationId" AND b."userId" = ${other}
                            WHERE a."vendorId" = ${license.vendorId} AND a."licenseId" = ${license.id} AND a."userId" = ${user})`;
}

/**
 * The reservation rule as a count: how many seats of the license `user`
 * (a uuid SQL expression, NULL for a checkout without a user) may take now. With `free` = capacity
 * − seats in use − seats held for wait-queue tickets: anyone may take the free seats beyond the
 * unused reserved ones, and a user of a reservation also the unused seats of their own (a user is
 * in at most one reservation of a license): max(free − reserved unused, 0) + min(own unused, free).
 * Without reservations it is `free`. The slot claim admits a checkout when this is ≥ 1
 * (`reservationAdmits`), the wait queue's grant pass a ticket (SeatQueueService); validation
 * answers it as the seats available (seat-availability.sql.ts), so all read one rule.
 */
export function reservationSeatsOpenTo(license: LicenseKey, user: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`(SELECT GREATEST(t.free - t.reserved, 0) + LEAST(t.own, t.free) FROM (
      SELECT GREATEST((SELECT ${capacitySql('q')} FROM licenses q WHERE q."vendorId" = ${license.vendorId} AND q.id = ${license.id})
                      - ${seatsInUseOf(license)} - ${seatsHeldOf(license)}, 0) AS free,
             ${reservedUnusedSql(license)} AS reserved,
             ${reservedUnusedSql(license, user)} AS own) t)`;
}

/**
 * The claim predicate: may this user (null: a checkout without a user) take a seat of the license
 * now? Reads the reservations and the seats in use in the claim's own statement. (The claim has a
 * free slot within the capacity, so free ≥ 1 there: this is "own unused seats, or seats in use + 1
 * + unused reserved seats ≤ capacity".)
 */
export function reservationAdmits(vendorId: string, licenseId: string, userId: string | null): Prisma.Sql {
  return Prisma.sql`(${reservationSeatsOpenTo(licenseKey(vendorId, licenseId), Prisma.sql`${userId}::uuid`)} >= 1)`;
}

export interface ReservationRow {
  id: string;
  licenseId: string;
  name: string;
  seats: number;
  userIds: string[];
  /** Seats of the license that the reservation's users hold now. */
  inUse: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface LockedLicense {
  licenseId: string;
  quantity: number;
  kind: ContainerKind;
  groupId: string | null;
}

@Injectable()
export class ReservationsRepository {
  constructor(private readonly db: TenantPrisma) {}

  /** The claim predicate (`reservationAdmits`) for a license of the current vendor. */
  admits(licenseId: string, userId: string | null): Prisma.Sql {
    return reservationAdmits(this.db.vendorId, licenseId, userId);
  }

  /** The license has seat reservations. */
  async exist(tx: SqlExecutor, licenseId: string): Promise<boolean> {
    const rows = await tx.$queryRaw<{ found: boolean }[]>`
      SELECT EXISTS (SELECT 1 FROM seat_reservations WHERE "licenseId" = ${licenseId}::uuid AND "vendorId" = ${this.db.vendorId}::uuid) AS found`;
    return rows[0].found;
  }

  /** Serialises the checkouts (and wait-queue grant passes) of one license with reservations (taken before its slot claim). */
  async lockForCheckout(tx: SqlExecutor, licenseId: string): Promise<void> {
    const key = advisoryLockKey(`seat-reservations:${licenseId}`);
    await tx.$queryRaw`SELECT pg_advisory_xact_lock(${BigInt.asIntN(64, key).toString()}::bigint)::text AS locked`;
  }

  /**
   * How many seats of the license `userId` (null: a checkout without a user) may take now: the
   * claim's reservation rule (`reservationSeatsOpenTo`) as a number, for checkout's deny-only fast path.
   */
  async seatsOpenTo(tx: SqlExecutor, licenseId: string, userId: string | null): Promise<number> {
    const rows = await tx.$queryRaw<{ n: number }[]>`
      SELECT ${reservationSeatsOpenTo(licenseKey(this.db.vendorId, licenseId), Prisma.sql`${userId}::uuid`)}::int AS n`;
    return rows[0].n;
  }

  /** Unused reserved seats of the license (the "try again later" answer says how many are held back). */
  async reservedUnused(tx: SqlExecutor, licenseId: string): Promise<number> {
    const rows = await tx.$queryRaw<{ n: number }[]>`
      SELECT ${reservedUnusedSql(licenseKey(this.db.vendorId, licenseId))}::int AS n`;
    return rows[0].n;
  }

  /**
   * Locks the license row (FOR NO KEY UPDATE, as SeatPoolService.resize does), so reservation
   * changes and quantity changes of one license run one after another. Narrowed to a group for
   * group admins; null when not found.
   */
  async lockLicense(tx: SqlExecutor, licenseId: string, groupId?: string): Promise<LockedLicense | null> {
    const group = groupId ? Prisma.sql`AND c."groupId" = ${groupId}::uuid` : Prisma.empty;
    const rows = await tx.$queryRaw<LockedLicense[]>`
      SELECT l.id AS "licenseId", l.quantity, c.kind::text AS kind, c."groupId"
        FROM licenses l JOIN containers c ON c.id = l."containerId" AND c."vendorId" = l."vendorId"
       WHERE l.id = ${licenseId}::uuid AND l."vendorId" = ${this.db.vendorId}::uuid ${group}
         FOR NO KEY UPDATE OF l`;
    return rows[0] ?? null;
  }

  /** The given users that are members of the group (other vendors' users never are). */
  async membersOf(tx: SqlExecutor, groupId: string, userIds: string[]): Promise<string[]> {
    const rows = await tx.$queryRaw<{ id: string }[]>`
      SELECT id FROM users WHERE "vendorId" = ${this.db.vendorId}::uuid AND "groupId" = ${groupId}::uuid AND id = ANY(${userIds}::uuid[])`;
    return rows.map((r) => r.id);
  }

  /** Seats reserved on the license, leaving one reservation out (the one being changed). */
  async reservedSeats(tx: SqlExecutor, licenseId: string, except: string | null = null): Promise<number> {
    const rows = await tx.$queryRaw<{ n: number }[]>`
      SELECT COALESCE(sum(seats), 0)::int AS n FROM seat_reservations
       WHERE "licenseId" = ${licenseId}::uuid AND "vendorId" = ${this.db.vendorId}::uuid AND id IS DISTINCT FROM ${except}::uuid`;
    return rows[0].n;
  }

  /** Users of the list already in another reservation of the license. */
  async usersReservedElsewhere(
    tx: SqlExecutor,
    licenseId: string,
    userIds: string[],
    except: string | null,
  ): Promise<string[]> {
    const rows = await tx.$queryRaw<{ userId: string }[]>`
      SELECT "userId" FROM seat_reservation_users
       WHERE "licenseId" = ${licenseId}::uuid AND "vendorId" = ${this.db.vendorId}::uuid AND "userId" = ANY(${userIds}::uuid[])
         AND "reservationId" IS DISTINCT FROM ${except}::uuid`;
    return rows.map((r) => r.userId);
  }

  async nameTaken(tx: SqlExecutor, licenseId: string, name: string, except: string | null): Promise<boolean> {
    const rows = await tx.$queryRaw<{ taken: boolean }[]>`
      SELECT EXISTS (SELECT 1 FROM seat_reservations WHERE "licenseId" = ${licenseId}::uuid AND name = ${name}
                        AND id IS DISTINCT FROM ${except}::uuid) AS taken`;
    return rows[0].taken;
  }

  /** Writes the reservation (insert, or replace name, seats and users of an existing one). */
  async save(
    tx: SqlExecutor,
    input: { id: string; licenseId: string; name: string; seats: number; userIds: string[] },
    isNew: boolean,
  ): Promise<boolean> {
    const vendorId = this.db.vendorId;
    if (isNew) {
      await tx.$executeRaw`
        INSERT INTO seat_reservations (id, "vendorId", "licenseId", name, seats, "updatedAt")
        VALUES (${input.id}::uuid, ${vendorId}::uuid, ${input.licenseId}::uuid, ${input.name}, ${input.seats}::int, now())`;
    } else {
      const n = await tx.$executeRaw`
        UPDATE seat_reservations SET name = ${input.name}, seats = ${input.seats}::int, "updatedAt" = now()
         WHERE id = ${input.id}::uuid AND "licenseId" = ${input.licenseId}::uuid AND "vendorId" = ${vendorId}::uuid`;
      if (n === 0) return false;
      await tx.$executeRaw`DELETE FROM seat_reservation_users WHERE "reservationId" = ${input.id}::uuid AND "vendorId" = ${vendorId}::uuid`;
    }
    await tx.$executeRaw`
      INSERT INTO seat_reservation_users ("vendorId", "licenseId", "reservationId", "userId")
      SELECT ${vendorId}::uuid, ${input.licenseId}::uuid, ${input.id}::uuid, u FROM unnest(${input.userIds}::uuid[]) AS u`;
    return true;
  }

  async delete(tx: SqlExecutor, licenseId: string, reservationId: string): Promise<ReservationRow | null> {
    const [row] = await this.list(tx, licenseId, reservationId);
    if (!row) return null;
    await tx.$executeRaw`
      DELETE FROM seat_reservations WHERE id = ${reservationId}::uuid AND "licenseId" = ${licenseId}::uuid AND "vendorId" = ${this.db.vendorId}::uuid`;
    return row;
  }

  /** The license's reservations (or one of them), oldest first, with their users and seats in use. */
  async list(tx: SqlExecutor, licenseId: string, reservationId?: string): Promise<ReservationRow[]> {
    const one = reservationId ? Prisma.sql`AND r.id = ${reservationId}::uuid` : Prisma.empty;
    return tx.$queryRaw<ReservationRow[]>`
      SELECT r.id, r."licenseId", r.name, r.seats, r."createdAt", r."updatedAt",
             COALESCE((SELECT array_agg(ru."userId" ORDER BY ru."userId") FROM seat_reservation_users ru WHERE ru."vendorId" = r."vendorId" AND ru."reservationId" = r.id), '{}') AS "userIds",
             u.used AS "inUse"
        FROM seat_reservations r JOIN ${reservationUse(licenseKey(this.db.vendorId, licenseId))} u ON u.id = r.id
       WHERE r."licenseId" = ${licenseId}::uuid AND r."vendorId" = ${this.db.vendorId}::uuid ${one}
       ORDER BY r.id`;
  }
}
