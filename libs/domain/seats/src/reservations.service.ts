import { Injectable } from '@nestjs/common';
import { AuditService } from '@leasehold/domain-audit';
import { PgPool, SqlExecutor, uuidV7 } from '@leasehold/db';
import { OutboxRepository } from '@leasehold/domain-events';
import { DomainError } from '@leasehold/errors';
import { LockedLicense, ReservationRow, ReservationsRepository } from './reservations.repository';

// Seat reservations: k seats of an ENTERPRISE license held for a named set of users of
// the container's group ("2 seats always for the night shift"). The sum of a license's
// reservations never exceeds its quantity: every change runs under the license row lock that
// quantity changes take too (and a trigger re-checks it). How checkouts honour them:
// ReservationsRepository / SeatCheckoutService.checkout. Every change is audited (who,
// before/after, the license's group, so its admins see it) in the change's own transaction, on
// PgPool as every seat transaction (SessionsService says why one engine).

export interface ReservationInput {
  name: string;
  seats: number;
  /** Members of the container's group; a user is in at most one reservation per license. */
  userIds: string[];
}

/** Vendors pass nothing; group admins pass their group, so another group's license is 404. */
export interface ReservationScope {
  groupId?: string;
}

export type ReservationView = ReservationRow;

@Injectable()
export class ReservationsService {
  constructor(
    private readonly pg: PgPool,
    private readonly reservations: ReservationsRepository,
    private readonly outbox: OutboxRepository,
    private readonly audit: AuditService,
  ) {}

  async list(licenseId: string, scope: ReservationScope = {}): Promise<ReservationView[]> {
    return this.pg.transaction(async (tx) => {
      await this.license(tx, licenseId, scope);
      return this.reservations.list(tx, licenseId);
    });
  }

  async create(licenseId: string, input: ReservationInput, scope: ReservationScope = {}): Promise<ReservationView> {
    return this.write(licenseId, null, input, scope);
  }

  /** Replaces the name, seats and users of a reservation. */
  async update(
    licenseId: string,
    reservationId: string,
    input: ReservationInput,
    scope: ReservationScope = {},
  ): Promise<ReservationView> {
    return this.write(licenseId, reservationId, input, scope);
  }

  async remove(licenseId: string, reservationId: string, scope: ReservationScope = {}): Promise<ReservationView> {
    return this.pg.transaction(async (tx) => {
      const license = await this.license(tx, licenseId, scope);
      const removed = await this.reservations.delete(tx, licenseId, reservationId);
      if (!removed) throw DomainError.notFound('Reservation', reservationId);
      await this.announce(tx, removed, 'deleted');
      await this.record(tx, license, 'deleted', removed, null);
      return removed;
    });
  }

  private async write(
    licenseId: string,
    reservationId: string | null,
    input: ReservationInput,
    scope: ReservationScope,
  ): Promise<ReservationView> {
    return this.pg.transaction(async (tx) => {
      const license = await this.license(tx, licenseId, scope);
      if (license.kind !== 'ENTERPRISE' || !license.groupId) {
        throw new DomainError(
          'CONTAINER_KIND_MISMATCH',
          'Seats can be reserved only on licenses of ENTERPRISE containers of a group',
        );
      }
      const [before] = reservationId ? await this.reservations.list(tx, licenseId, reservationId) : [];
      if (reservationId && !before) throw DomainError.notFound('Reservation', reservationId);
      const userIds = [...new Set(input.userIds)];
      const members = new Set(await this.reservations.membersOf(tx, license.groupId, userIds));
      const outsiders = userIds.filter((id) => !members.has(id));
      if (outsiders.length) {
        throw new DomainError(
          'RESERVATION_USER_NOT_IN_GROUP',
          "Seats can be reserved only for members of the container's group",
          { userIds: outsiders },
        );
      }
      const elsewhere = await this.reservations.usersReservedElsewhere(tx, licenseId, userIds, reservationId);
      if (elsewhere.length) {
        throw new DomainError('RESERVATION_USER_TAKEN', 'A user is in at most one reservation of a license', {
          userIds: elsewhere,
        });
      }
      if (await this.reservations.nameTaken(tx, licenseId, input.name, reservationId)) {
        throw new DomainError('RESERVATION_NAME_TAKEN', `The license already has a reservation named "${input.name}"`, {
          name: input.name,
        });
      }
      const others = await this.reservations.reservedSeats(tx, licenseId, reservationId);
      if (others + input.seats > license.quantity) {
        throw new DomainError(
          'RESERVATIONS_EXCEED_QUANTITY',
          `The license has ${license.quantity} seats; ${others} are already reserved`,
          {
            quantity: license.quantity,
            reserved: others,
            requested: input.seats,
          },
        );
      }
      const id = reservationId ?? uuidV7();
      await this.reservations.save(
        tx,
        { id, licenseId, name: input.name, seats: input.seats, userIds },
        reservationId === null,
      );
      const [row] = await this.reservations.list(tx, licenseId, id);
      await this.announce(tx, row, reservationId ? 'updated' : 'created');
      await this.record(tx, license, reservationId ? 'updated' : 'created', before ?? null, row);
      return row;
    });
  }

  private async license(tx: SqlExecutor, licenseId: string, scope: ReservationScope): Promise<LockedLicense> {
    const license = await this.reservations.lockLicense(tx, licenseId, scope.groupId);
    if (!license) throw DomainError.notFound('License', licenseId);
    return license;
  }

  /** The audit entry of a change: the reservation as it was and as it is (name, seats, users). */
  private async record(
    tx: SqlExecutor,
    license: LockedLicense,
    change: 'created' | 'updated' | 'deleted',
    before: ReservationRow | null,
    after: ReservationRow | null,
  ): Promise<void> {
    const state = (row: ReservationRow | null) =>
      row ? { licenseId: row.licenseId, name: row.name, seats: row.seats, userIds: row.userIds } : null;
    await this.audit.record(tx, {
      action: `reservation.${change}`,
      entityType: 'seat_reservation',
      entityId: after?.id ?? before?.id ?? null,
      groupId: license.groupId,
      before: state(before),
      after: state(after),
    });
  }

  private async announce(
    tx: SqlExecutor,
    row: ReservationRow,
    change: 'created' | 'updated' | 'deleted',
  ): Promise<void> {
    const reservedSeats = await this.reservations.reservedSeats(tx, row.licenseId);
    await this.outbox.append(tx, {
      type: 'license.reservation_changed',
      aggregateType: 'license',
      aggregateId: row.licenseId,
      payload: {
        licenseId: row.licenseId,
        reservationId: row.id,
        change,
        name: row.name,
        seats: row.seats,
        userIds: row.userIds,
        reservedSeats,
      },
    });
  }
}
