import { hostname, platform, arch } from 'node:os';
import type { OfflineCodeKind, OfflineRequest, OfflineResponse } from '@leasehold/license-file';
import { ClientContext } from './client-context';
import { ClockGuard } from './clock-guard';
import { LeaseholdError } from './errors';
import { deviceFingerprint } from './fingerprint';
import { PinnedKeys, toPinnedKeys } from './keys';
import { Lease } from './lease';
import * as licenseFiles from './license-files';
import type { LicenseFileResult } from './license-files';
import * as offline from './offline-activation';
import * as seats from './seats';
import type { LicenseRef } from './seats';
import { MemoryStorage, Storage } from './storage';
import { FetchLike, Transport } from './transport';
import { UpdateStream, UpdateStreamOptions } from './updates';
import * as validation from './validation';
import type { ValidationResult } from './validation';
import type { ActivateBody, Device, SeatQueueTicket } from './wire';

// The client's calls are implemented by concern in validation.ts, seats.ts, license-files.ts and
// offline-activation.ts, over what one client holds (client-context.ts); transport.ts speaks HTTP.
export type { LicenseFileResult } from './license-files';
export type { ValidationPayload, ValidationResult } from './validation';

export interface LeaseholdClientOptions {
  /** license-central's base URL, e.g. https://licensing.example.com */
  baseUrl: string;
  /** The container's access secret (`lhc_…`). */
  secret: string;
  /** The vendor's public keys, pinned in the program: keyId → PEM (or the signing-keys answer). */
  publicKeys: PinnedKeys | { data: { keyId: string; publicKeyPem: string }[] };
  /** This device's fingerprint; default `deviceFingerprint({ salt: product })`. */
  fingerprint?: string;
  /** The product code used when a call names none. */
  product?: string;
  /** Where to keep the clock mark, cached answers, license files, return keys (default: memory only). */
  storage?: Storage;
  /**
   * How long a good validation answer stands in when the server cannot be reached (seconds from its
   * signed `issuedAt`; default 0: never).
   */
  offlineGraceSeconds?: number;
  /** How far the clock may lag a trusted server time or jump back (seconds; default 300). */
  clockToleranceSeconds?: number;
  /** The system clock the guard checks (default Date.now; tests turn it back and forward). */
  clock?: { now?: () => number; monotonic?: () => number };
  fetch?: FetchLike;
  timeoutMs?: number;
  /** Heartbeat jitter and first backoff of leases (tests; defaults 0.1 and 1000 ms). */
  heartbeat?: { jitter?: number; backoffMs?: number };
}

/**
 * The licensed program's side of Leasehold: activate, validate, check seats out (a Lease heartbeats
 * by itself), borrow and return, license files for offline use, offline codes, update stream.
 * Every failure is a LeaseholdError with a stable `code`.
 */
export class LeaseholdClient {
  readonly fingerprint: string;
  readonly publicKeys: PinnedKeys;
  readonly clock: ClockGuard;
  readonly storage: Storage;
  private readonly context: ClientContext;

  constructor(options: LeaseholdClientOptions) {
    if (!options.baseUrl || !options.secret)
      throw new LeaseholdError({ code: 'USAGE', message: 'baseUrl and secret are required' });
    this.publicKeys = toPinnedKeys(options.publicKeys);
    if (Object.keys(this.publicKeys).length === 0)
      throw new LeaseholdError({ code: 'USAGE', message: 'Pin at least one vendor public key' });
    this.fingerprint = options.fingerprint ?? deviceFingerprint({ salt: options.product });
    this.storage = options.storage ?? new MemoryStorage();
    this.clock = new ClockGuard({
      storage: this.storage,
      toleranceSeconds: options.clockToleranceSeconds,
      now: options.clock?.now,
      monotonic: options.clock?.monotonic,
    });
    const transport = new Transport({
      baseUrl: options.baseUrl,
      token: options.secret,
      fetch: options.fetch,
      timeoutMs: options.timeoutMs,
    });
    this.context = {
      fingerprint: this.fingerprint,
      publicKeys: this.publicKeys,
      clock: this.clock,
      storage: this.storage,
      transport,
      options,
    };
  }

  // ---- devices (PERSONAL containers) ----

  /** Activates this device. `created: false` when it already was (the same device, not a second one). */
  async activate(input: { name?: string; platform?: string } = {}): Promise<{ device: Device; created: boolean }> {
    const body: ActivateBody = {
      fingerprint: this.fingerprint,
      name: input.name ?? hostname(),
      platform: input.platform ?? `${platform()}-${arch()}`,
    };
    const { body: device, status } = await this.context.transport.json<Device>('/client/v1/activations', {
      method: 'POST',
      body,
    });
    return { device, created: status === 201 };
  }

  /** Deactivates this device (counts against the container's churn limit). */
  async deactivate(): Promise<Device> {
    return (
      await this.context.transport.json<Device>('/client/v1/activations/deactivate', {
        method: 'POST',
        body: { fingerprint: this.fingerprint },
      })
    ).body;
  }

  // ---- validation ----

  /**
   * Asks the server, verifies the signed answer (pinned keys, this call's nonce, this device) and
   * keeps it. When the server cannot be reached (network, 5xx) the last good answer stands in for
   * `offlineGraceSeconds` after its signed `issuedAt` (`fromCache: true`). The clock guard runs
   * first: CLOCK_TAMPERED when the clock is behind a trusted time.
   */
  validate(input: { feature?: string; product?: string } = {}): Promise<ValidationResult> {
    return validation.validate(this.context, input);
  }

  // ---- seats ----

  /**
   * Checks a seat out and returns a Lease that heartbeats by itself. `NO_SEAT_AVAILABLE` throws a
   * LeaseholdError with `retryAfter` (seconds).
   */
  checkout(input: LicenseRef & { clientName?: string; releaseOnExit?: boolean } = {}): Promise<Lease> {
    return seats.checkout(this.context, input);
  }

  /**
   * Checks a seat out, waiting in the license's queue if none is free (docs/seats.md, "Waiting for
   * a seat"): on `NO_SEAT_AVAILABLE` it joins the queue, waits on its ticket (long-poll, which also
   * keeps the ticket alive) until a seat is held for it, and claims it. `timeoutMs` (default: no
   * limit) leaves the queue and throws `SEAT_WAIT_TIMEOUT`; `onQueued` reports the ticket (position).
   */
  waitForSeat(
    input: LicenseRef & {
      clientName?: string;
      releaseOnExit?: boolean;
      timeoutMs?: number;
      onQueued?: (ticket: SeatQueueTicket) => void;
    } = {},
  ): Promise<Lease> {
    return seats.waitForSeat(this.context, input);
  }

  /**
   * Borrows a seat for offline use until `until` (checkout and borrow in one call). The return key
   * stays in the storage; `lease.release()` (or `returnBorrowed(leaseId)` after a restart) returns
   * the seat early with it.
   */
  borrow(input: LicenseRef & { until: Date; clientName?: string }): Promise<Lease> {
    return seats.borrow(this.context, input);
  }

  /** Returns a borrowed seat early by its lease id (e.g. after a restart), with the stored return key. */
  returnBorrowed(leaseId: string): Promise<{ leaseId: string; endReason: string; endedAt: string }> {
    return seats.returnBorrowed(this.context, leaseId);
  }

  /** Releases a lease by id (a lease object from another process, or after a restart). */
  release(leaseId: string): Promise<{ leaseId: string; endReason: string; endedAt: string }> {
    return seats.release(this.context, leaseId);
  }

  // ---- license files (offline use) ----

  /** Downloads this device's signed license file, verifies it with the pinned keys and stores it. */
  downloadLicenseFile(input: { product?: string } = {}): Promise<LicenseFileResult> {
    return licenseFiles.downloadLicenseFile(this.context, input);
  }

  /**
   * Offline check of the stored license file, against the guarded clock: CLOCK_TAMPERED when the
   * clock was turned back; the verification's status (VALID, EXPIRED, REFRESH_REQUIRED, …) otherwise.
   */
  verifyOffline(input: { product?: string } = {}): LicenseFileResult {
    return licenseFiles.verifyOffline(this.context, input);
  }

  /**
   * The license file to run on: the stored one while it is more than `refreshMarginSeconds`
   * (default: a fifth of its refresh window) before `refreshBy`, else a fresh download; when the
   * download fails for a retryable reason, the stored one as long as it still verifies.
   */
  licenseFile(
    input: { product?: string; refreshMarginSeconds?: number; force?: boolean } = {},
  ): Promise<LicenseFileResult> {
    return licenseFiles.licenseFile(this.context, input);
  }

  // ---- offline codes (never-online machines) ----

  /**
   * A request code to show the admin (portal) or vendor; the request is kept to check the answer.
   * An `activate` or `borrow` request commits to a secret return key: the SDK draws it once per
   * container, keeps it in `storage` (`offline-return-key.<containerId>`) and reuses it, so a later
   * request is a renewal of the same activation or borrow. `kind: 'deactivate'` is `createReleaseCode`.
   */
  createRequestCode(input: { containerId: string; kind?: OfflineCodeKind }): OfflineRequest {
    return offline.requestCode(this.context, input);
  }

  /**
   * The release code that gives this machine's offline activation (or offline borrow) of the
   * container back: it reveals the stored return key, so only this program can make it. The
   * activation is removed from `storage` first (response, request and key): once the code is shown,
   * this machine no longer runs on it. `RETURN_KEY_MISSING` when no key is stored for the container.
   */
  createReleaseCode(input: { containerId: string }): OfflineRequest {
    return offline.releaseCode(this.context, input);
  }

  /** Verifies the admin's response code against the kept request and this device, and stores it. */
  applyResponseCode(code: string): OfflineResponse {
    return offline.applyResponseCode(this.context, code);
  }

  /** The stored offline activation, re-verified against the guarded clock (EXPIRED after validUntil). */
  offlineActivation(): OfflineResponse {
    return offline.offlineActivation(this.context);
  }

  // ---- updates ----

  /** Server-sent update notifications with reconnect and Last-Event-ID. Call `close()` when done. */
  watchUpdates(options: UpdateStreamOptions = {}): UpdateStream {
    return new UpdateStream(this.context.transport, {
      knownRevision: options.knownRevision ?? this.context.knownRevision ?? 0,
      ...options,
    });
  }
}
