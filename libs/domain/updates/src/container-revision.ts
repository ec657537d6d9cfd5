import { Prisma } from '@leasehold/db';

// A container's revision, and when a program should fetch its license again: one rule for the
// three channels (validate and heartbeat answers, the long-poll GET /client/v1/updates, and the
// stream GET /client/v1/updates/stream), so they never disagree (docs/auto-update.md).
//
// The revision is containers.revision (raised by every container-level change: credential reset,
// access revoked or restored, reassignment, device limit, "update now") plus the sum of the
// container's licenses' revisions (each license change raises its own by one; a new license adds
// its own). Every repository that reads it (validation, seat leases, updates) computes exactly that.

/**
 * True when the program's known revision is not the current one, in either direction: higher
 * (the program was told of a state that no longer exists, e.g. a license was deleted, or it holds
 * a revision of another container) is as much a reason to fetch as lower. Unknown: false.
 */
export function isUpdateAvailable(knownRevision: number | null | undefined, revision: number): boolean {
  return knownRevision != null && knownRevision !== revision;
}

/**
 * The revision of container `c` (its alias in the statement) in SQL, as an int: its own revision
 * plus the sum of its licenses' revisions (a sub-select on the index licenses(vendorId, containerId)).
 * Every statement that answers a revision (validation, heartbeat, lease state) uses this.
 */
export function containerRevisionSql(c: string): Prisma.Sql {
  const C = Prisma.raw(c);
  return Prisma.sql`(${C}.revision + (SELECT COALESCE(SUM(r.revision), 0) FROM licenses r WHERE r."vendorId" = ${C}."vendorId" AND r."containerId" = ${C}.id))::int`;
}
