import { DomainEventInput } from '@leasehold/domain-events';
import { Prisma } from '@leasehold/db';
import { LeaseRow } from './lease-row';

/** The outbox event for a change of a lease (aggregate `seat`, id = the lease id). */
export function seatEvent(
  type: DomainEventInput['type'],
  row: Omit<LeaseRow, 'returnKeyHash' | 'overage'> & { overage?: boolean },
): DomainEventInput {
  return {
    type,
    aggregateType: 'seat',
    aggregateId: row.id,
    payload: {
      leaseId: row.id,
      licenseId: row.licenseId,
      containerId: row.containerId,
      slot: row.slot,
      deviceId: row.deviceId,
      fingerprint: row.fingerprint,
      expiresAt: row.expiresAt.toISOString(),
      borrowUntil: row.borrowUntil?.toISOString() ?? null,
      ...(row.overage ? { overage: true } : {}),
      ...(row.endedAt ? { endedAt: row.endedAt.toISOString(), endReason: row.endReason } : {}),
    },
  };
}

/** A timestamptz column as JSON's `toISOString()` form (UTC, milliseconds); NULL stays NULL. */
function isoSql(column: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/**
 * `seatEvent`'s payload in SQL, over the lease row aliased `e` (LEASE_COLUMNS), for the hot paths
 * that append their event in the statement that makes the change: the same keys and values, an
 * ended lease's `endedAt` and `endReason` with `ended`. Never for an overage lease (the statements
 * that use it leave licenses with overage tracking to the general path).
 */
export function seatEventPayloadSql(e: string, options: { ended?: boolean } = {}): Prisma.Sql {
  const E = Prisma.raw(e);
  const ended = options.ended
    ? Prisma.sql`, 'endedAt', ${isoSql(Prisma.sql`${E}."endedAt"`)}, 'endReason', ${E}."endReason"`
    : Prisma.empty;
  return Prisma.sql`jsonb_build_object('leaseId', ${E}.id, 'licenseId', ${E}."licenseId", 'containerId', ${E}."containerId", 'slot', ${E}.slot,
                                  'deviceId', ${E}."deviceId", 'fingerprint', ${E}.fingerprint, 'expiresAt', ${isoSql(Prisma.sql`${E}."expiresAt"`)},
                                  'borrowUntil', ${isoSql(Prisma.sql`${E}."borrowUntil"`)}${ended})`;
}
