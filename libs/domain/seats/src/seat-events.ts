import { DomainEventInput } from '@leasehold/domain-events';
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
