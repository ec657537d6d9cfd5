import { createHash } from 'node:crypto';
import type { ClockGuard } from './clock-guard';
import type { PinnedKeys } from './keys';
import type { Storage } from './storage';
import type { Transport } from './transport';

// LeaseholdClient's parts (validation.ts, seats.ts, license-files.ts, offline-activation.ts) are
// functions of what one client holds: this device, the pinned keys, the guarded clock, the storage
// and the connection to license-central. Internal: index.ts does not export it.

export interface ClientContext {
  readonly fingerprint: string;
  readonly publicKeys: PinnedKeys;
  readonly clock: ClockGuard;
  readonly storage: Storage;
  readonly transport: Transport;
  /** The client's options, read when a call needs them. */
  readonly options: {
    product?: string;
    offlineGraceSeconds?: number;
    heartbeat?: { jitter?: number; backoffMs?: number };
  };
  /** The revision of the last validation answer: leases and the update stream start from it. */
  knownRevision?: number;
}

/** The storage key of an answer kept per product (and feature): `<kind>.<16 hex>.json`. */
export function cacheKey(kind: string, ...parts: (string | undefined)[]): string {
  const suffix = createHash('sha256')
    .update(JSON.stringify(parts.map((p) => p ?? null)))
    .digest('hex')
    .slice(0, 16);
  return `${kind}.${suffix}.json`;
}
