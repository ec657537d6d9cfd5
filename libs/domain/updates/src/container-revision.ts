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
