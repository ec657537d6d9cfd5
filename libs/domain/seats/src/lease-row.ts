import { Prisma } from '@leasehold/db';
import { LeaseEndReason, SessionScope } from './seats.types';

// What the seat statements of every caller (checkout, lease, sessions) read back of a lease, and
// how an admin's scope narrows a statement on lease `l` joined with its container `c`.

export interface LeaseRow {
  id: string;
  licenseId: string;
  containerId: string;
  slot: number;
  deviceId: string | null;
  fingerprint: string;
  startedAt: Date;
  expiresAt: Date;
  borrowUntil: Date | null;
  /** Borrowed seats: what an early return must prove (SHA-256 of the program's return key). */
  returnKeyHash: string | null;
  endedAt: Date | null;
  endReason: LeaseEndReason | null;
  /** Checked out above the license's quantity (within its overage allowance). */
  overage: boolean;
}

/** What an ended lease's answer tells (`toEnded`): the hot path of release reads back only this. */
export type ReleasedRow = Pick<LeaseRow, 'id' | 'licenseId' | 'expiresAt' | 'endedAt' | 'endReason'>;

/** The columns of a `LeaseRow`, of lease `l`. */
export const LEASE_COLUMNS = Prisma.sql`l.id, l."licenseId", l."containerId", l.slot, l."deviceId", l.fingerprint, l."startedAt", l."expiresAt",
  l."borrowUntil", l."returnKeyHash", l."endedAt", l."endReason"::text AS "endReason", l.overage`;

/** Conditions narrowing a statement on lease `l` joined with its container `c` (a license, a container, a group). */
export function leaseScopeSql(scope: SessionScope): Prisma.Sql {
  const parts: Prisma.Sql[] = [];
  if (scope.licenseId) parts.push(Prisma.sql`AND l."licenseId" = ${scope.licenseId}::uuid`);
  if (scope.containerId) parts.push(Prisma.sql`AND l."containerId" = ${scope.containerId}::uuid`);
  if (scope.groupId) parts.push(Prisma.sql`AND c."groupId" = ${scope.groupId}::uuid`);
  return parts.length ? Prisma.join(parts, ' ') : Prisma.empty;
}
