import { createHash, randomBytes } from 'node:crypto';
import { hostname, platform, arch } from 'node:os';
import {
  createReleaseCode,
  createRequestCode,
  LicenseFilePayload,
  LicenseFileVerification,
  OfflineCodeKind,
  OfflineRequest,
  OfflineResponse,
  openEnvelope,
  verifyLicenseFile,
  verifyResponseCode,
} from '@leasehold/license-file';
import { ClockGuard } from './clock-guard';
import { LeaseholdError } from './errors';
import { deviceFingerprint } from './fingerprint';
import { PinnedKeys, toPinnedKeys } from './keys';
import { Lease } from './lease';
import { newReturnKey } from './return-key';
import { MemoryStorage, Storage } from './storage';
import { errorFromAnswer, FetchLike, isRecord, Transport } from './transport';
import { UpdateStream, UpdateStreamOptions } from './updates';
import type {
  ActivateBody,
  CheckoutBody,
  Device,
  JoinSeatQueueBody,
  LeaseAnswer,
  SeatQueueTicket,
  ValidateBody,
  ValidationAnswer,
} from './wire';

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

/** A validation answer, verified: the fields are the signed payload's, not the clear copy's. */
export type ValidationPayload = Omit<ValidationAnswer, 'envelope'>;
export interface ValidationResult extends ValidationPayload {
  /** True when the server could not be reached and this is the last good answer, within the grace period. */
  fromCache: boolean;
  /** The signed envelope (keep it as proof). */
  envelope: ValidationAnswer['envelope'];
}

export interface LicenseFileResult {
  /** The file exactly as the server sent it. */
  text: string;
  verification: LicenseFileVerification;
  license?: LicenseFilePayload;
  /** True when the stored copy was used because the server could not be reached. */
  fromStorage: boolean;
}

type LicenseRef = { product?: string; licenseId?: string };

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
  private readonly transport: Transport;
  private knownRevision?: number;

  constructor(private readonly options: LeaseholdClientOptions) {
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
    this.transport = new Transport({
      baseUrl: options.baseUrl,
      token: options.secret,
      fetch: options.fetch,
      timeoutMs: options.timeoutMs,
    });
  }

  // ---- devices (PERSONAL containers) ----

  /** Activates this device. `created: false` when it already was (the same device, not a second one). */
  async activate(input: { name?: string; platform?: string } = {}): Promise<{ device: Device; created: boolean }> {
    const body: ActivateBody = {
      fingerprint: this.fingerprint,
      name: input.name ?? hostname(),
      platform: input.platform ?? `${platform()}-${arch()}`,
    };
    const { body: device, status } = await this.transport.json<Device>('/client/v1/activations', {
      method: 'POST',
      body,
    });
    return { device, created: status === 201 };
  }

  /** Deactivates this device (counts against the container's churn limit). */
  async deactivate(): Promise<Device> {
    return (
      await this.transport.json<Device>('/client/v1/activations/deactivate', {
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
  async validate(input: { feature?: string; product?: string } = {}): Promise<ValidationResult> {
    const product = input.product ?? this.options.product;
    const nonce = randomBytes(16).toString('base64url');
    const body: ValidateBody = {
      fingerprint: this.fingerprint,
      nonce,
      ...(input.feature ? { feature: input.feature } : {}),
      ...(product ? { product } : {}),
      ...(this.knownRevision !== undefined ? { knownRevision: this.knownRevision } : {}),
    };
    let answer: ValidationAnswer;
    try {
      answer = (await this.transport.json<ValidationAnswer>('/client/v1/validate', { method: 'POST', body })).body;
    } catch (error) {
      if (error instanceof LeaseholdError && error.retryable && error.code !== 'NO_SEAT_AVAILABLE')
        return this.cachedValidation(cacheKey('validation', product, input.feature), error);
      throw error;
    }
    const payload = this.openValidation(answer, nonce);
    this.clock.observe(payload.issuedAt);
    this.clock.now();
    this.knownRevision = payload.revision;
    if (payload.valid)
      this.storage.set(
        cacheKey('validation', product, input.feature),
        JSON.stringify({ payload, envelope: answer.envelope }),
      );
    return { ...payload, envelope: answer.envelope, fromCache: false };
  }

  private openValidation(answer: ValidationAnswer, nonce: string): ValidationPayload {
    const opened = openEnvelope(answer?.envelope, 'leasehold-validation', this.publicKeys);
    if (!opened.ok)
      throw new LeaseholdError({
        code: 'SIGNATURE_INVALID',
        message: `The validation answer does not verify with the pinned keys (${opened.reason})`,
        details: { reason: opened.reason },
      });
    const payload = opened.payload as ValidationPayload;
    if (
      !isRecord(payload) ||
      payload.nonce !== nonce ||
      payload.fingerprint !== this.fingerprint ||
      typeof payload.issuedAt !== 'string'
    ) {
      throw new LeaseholdError({
        code: 'SIGNATURE_INVALID',
        message: 'The signed validation answer is not the answer to this request (nonce or fingerprint differ)',
      });
    }
    return payload;
  }

  private cachedValidation(key: string, cause: LeaseholdError): ValidationResult {
    const text = this.storage.get(key);
    const grace = (this.options.offlineGraceSeconds ?? 0) * 1000;
    if (!text || grace <= 0) throw cause;
    const cached = JSON.parse(text) as { payload: ValidationPayload; envelope: ValidationAnswer['envelope'] };
    // Re-verify what was stored: the storage is on the user's disk.
    const opened = openEnvelope(cached.envelope, 'leasehold-validation', this.publicKeys);
    if (!opened.ok) throw cause;
    const payload = opened.payload as ValidationPayload;
    const now = this.clock.now(); // CLOCK_TAMPERED if the clock was turned back
    if (now.getTime() >= Date.parse(payload.issuedAt) + grace) throw cause;
    return { ...payload, envelope: cached.envelope, fromCache: true };
  }

  // ---- seats ----

  /**
   * Checks a seat out and returns a Lease that heartbeats by itself. `NO_SEAT_AVAILABLE` throws a
   * LeaseholdError with `retryAfter` (seconds).
   */
  async checkout(input: LicenseRef & { clientName?: string; releaseOnExit?: boolean } = {}): Promise<Lease> {
    const body: CheckoutBody = {
      fingerprint: this.fingerprint,
      ...this.licenseRef(input),
      ...(input.clientName ? { clientName: input.clientName } : {}),
    };
    const { body: answer } = await this.transport.json<LeaseAnswer>('/client/v1/seats/checkout', {
      method: 'POST',
      body,
    });
    const lease = this.lease(answer);
    if (input.releaseOnExit) lease.releaseOnExit();
    return lease;
  }

  /**
   * Checks a seat out, waiting in the license's queue if none is free (docs/seats.md, "Waiting for
   * a seat"): on `NO_SEAT_AVAILABLE` it joins the queue, waits on its ticket (long-poll, which also
   * keeps the ticket alive) until a seat is held for it, and claims it. `timeoutMs` (default: no
   * limit) leaves the queue and throws `SEAT_WAIT_TIMEOUT`; `onQueued` reports the ticket (position).
   */
  async waitForSeat(
    input: LicenseRef & {
      clientName?: string;
      releaseOnExit?: boolean;
      timeoutMs?: number;
      onQueued?: (ticket: SeatQueueTicket) => void;
    } = {},
  ): Promise<Lease> {
    try {
      return await this.checkout(input);
    } catch (error) {
      if (!(error instanceof LeaseholdError) || error.code !== 'NO_SEAT_AVAILABLE') throw error;
    }
    const join: JoinSeatQueueBody = {
      fingerprint: this.fingerprint,
      ...this.licenseRef(input),
      ...(input.clientName ? { clientName: input.clientName } : {}),
    };
    let ticket = (await this.transport.json<SeatQueueTicket>('/client/v1/seat-queue', { method: 'POST', body: join }))
      .body;
    input.onQueued?.(ticket);
    const deadline = input.timeoutMs === undefined ? Infinity : Date.now() + input.timeoutMs;
    while (ticket.status === 'WAITING') {
      const wait = Math.max(0, Math.min(25, Math.floor((deadline - Date.now()) / 1000)));
      if (wait === 0 && Date.now() >= deadline) {
        await this.transport.json<SeatQueueTicket>(`/client/v1/seat-queue/${ticket.ticketId}`, { method: 'DELETE' });
        throw new LeaseholdError({
          code: 'SEAT_WAIT_TIMEOUT',
          message: 'No seat was held for this program in time; it left the queue',
          details: { ticketId: ticket.ticketId },
        });
      }
      ticket = (
        await this.transport.json<SeatQueueTicket>(`/client/v1/seat-queue/${ticket.ticketId}?wait=${wait}`, {
          method: 'GET',
        })
      ).body;
    }
    if (ticket.status !== 'HELD') {
      throw new LeaseholdError({
        code: 'QUEUE_TICKET_ENDED',
        message: `The wait for a seat ended: the ticket is ${ticket.status}`,
        details: { ticketId: ticket.ticketId, status: ticket.status },
      });
    }
    const body: CheckoutBody = { ...join, ticketId: ticket.ticketId };
    const { body: answer } = await this.transport.json<LeaseAnswer>('/client/v1/seats/checkout', {
      method: 'POST',
      body,
    });
    const lease = this.lease(answer);
    if (input.releaseOnExit) lease.releaseOnExit();
    return lease;
  }

  /**
   * Borrows a seat for offline use until `until` (checkout and borrow in one call). The return key
   * stays in the storage; `lease.release()` (or `returnBorrowed(leaseId)` after a restart) returns
   * the seat early with it.
   */
  async borrow(input: LicenseRef & { until: Date; clientName?: string }): Promise<Lease> {
    const key = newReturnKey();
    const body: CheckoutBody & { returnKeyHash: string } = {
      fingerprint: this.fingerprint,
      ...this.licenseRef(input),
      ...(input.clientName ? { clientName: input.clientName } : {}),
      borrowUntil: input.until.toISOString(),
      returnKeyHash: key.returnKeyHash,
    };
    const { body: answer } = await this.transport.json<LeaseAnswer>('/client/v1/seats/checkout', {
      method: 'POST',
      body,
    });
    this.storage.set(`return-key.${answer.leaseId}`, key.returnKey);
    return this.lease(answer);
  }

  /** Returns a borrowed seat early by its lease id (e.g. after a restart), with the stored return key. */
  async returnBorrowed(leaseId: string): Promise<{ leaseId: string; endReason: string; endedAt: string }> {
    const returnKey = this.storage.get(`return-key.${leaseId}`);
    if (!returnKey)
      throw new LeaseholdError({ code: 'RETURN_KEY_MISSING', message: `No return key is stored for lease ${leaseId}` });
    const { body } = await this.transport.json<{ leaseId: string; endReason: string; endedAt: string }>(
      `/client/v1/seats/${leaseId}/release`,
      { method: 'POST', body: { returnKey } },
    );
    this.storage.delete(`return-key.${leaseId}`);
    return body;
  }

  /** Releases a lease by id (a lease object from another process, or after a restart). */
  async release(leaseId: string): Promise<{ leaseId: string; endReason: string; endedAt: string }> {
    const returnKey = this.storage.get(`return-key.${leaseId}`);
    const { body } = await this.transport.json<{ leaseId: string; endReason: string; endedAt: string }>(
      `/client/v1/seats/${leaseId}/release`,
      {
        method: 'POST',
        ...(returnKey ? { body: { returnKey } } : {}),
      },
    );
    if (returnKey) this.storage.delete(`return-key.${leaseId}`);
    return body;
  }

  private lease(answer: LeaseAnswer): Lease {
    return new Lease(answer, {
      transport: this.transport,
      knownRevision: this.knownRevision,
      jitter: this.options.heartbeat?.jitter,
      backoffMs: this.options.heartbeat?.backoffMs,
      releaseBody: (leaseId) => {
        const returnKey = this.storage.get(`return-key.${leaseId}`);
        return returnKey ? { returnKey } : undefined;
      },
      onEnded: (leaseId) => this.storage.delete(`return-key.${leaseId}`),
      borrow: async (lease, until) => {
        const key = newReturnKey();
        const { body } = await this.transport.json<LeaseAnswer>(`/client/v1/seats/${lease.id}/borrow`, {
          method: 'POST',
          body: { borrowUntil: until.toISOString(), returnKeyHash: key.returnKeyHash },
        });
        this.storage.set(`return-key.${lease.id}`, key.returnKey);
        return body;
      },
    });
  }

  private licenseRef(input: LicenseRef): { licenseId: string } | { product: string } {
    if (input.licenseId) return { licenseId: input.licenseId };
    const product = input.product ?? this.options.product;
    if (!product)
      throw new LeaseholdError({
        code: 'USAGE',
        message: 'Name the license: product (or licenseId), here or in the client options',
      });
    return { product };
  }

  // ---- license files (offline use) ----

  /** Downloads this device's signed license file, verifies it with the pinned keys and stores it. */
  async downloadLicenseFile(input: { product?: string } = {}): Promise<LicenseFileResult> {
    const product = input.product ?? this.options.product;
    const answer = await this.transport.raw('/client/v1/license-file', {
      query: { fingerprint: this.fingerprint, product },
    });
    if (answer.status !== 200) throw errorFromAnswer(answer);
    // Integrity first (a far-future instant makes only signature and binding matter), then record
    // the signed issuedAt as trusted time, then check the file against the guarded clock.
    const integrity = verifyLicenseFile(answer.text, {
      publicKeys: this.publicKeys,
      fingerprint: this.fingerprint,
      now: new Date(0),
    });
    if ('license' in integrity && integrity.status !== 'WRONG_FINGERPRINT')
      this.clock.observe(integrity.license.issuedAt);
    const verification = verifyLicenseFile(answer.text, {
      publicKeys: this.publicKeys,
      fingerprint: this.fingerprint,
      now: this.clock.now(),
    });
    if (verification.status !== 'VALID') {
      throw new LeaseholdError({
        code: 'LICENSE_FILE_INVALID',
        message: `The downloaded license file does not verify: ${verification.status}`,
        details: { status: verification.status },
      });
    }
    this.storage.set(cacheKey('license-file', product), answer.text);
    return { text: answer.text, verification, license: verification.license, fromStorage: false };
  }

  /**
   * Offline check of the stored license file, against the guarded clock: CLOCK_TAMPERED when the
   * clock was turned back; the verification's status (VALID, EXPIRED, REFRESH_REQUIRED, …) otherwise.
   */
  verifyOffline(input: { product?: string } = {}): LicenseFileResult {
    const text = this.storage.get(cacheKey('license-file', input.product ?? this.options.product));
    if (!text)
      throw new LeaseholdError({
        code: 'LICENSE_FILE_INVALID',
        message: 'No license file is stored; download one while online',
        details: { status: 'MISSING' },
      });
    const verification = verifyLicenseFile(text, {
      publicKeys: this.publicKeys,
      fingerprint: this.fingerprint,
      now: this.clock.now(),
    });
    return {
      text,
      verification,
      license: 'license' in verification ? verification.license : undefined,
      fromStorage: true,
    };
  }

  /**
   * The license file to run on: the stored one while it is more than `refreshMarginSeconds`
   * (default: a fifth of its refresh window) before `refreshBy`, else a fresh download; when the
   * download fails for a retryable reason, the stored one as long as it still verifies.
   */
  async licenseFile(
    input: { product?: string; refreshMarginSeconds?: number; force?: boolean } = {},
  ): Promise<LicenseFileResult> {
    let stored: LicenseFileResult | undefined;
    try {
      stored = this.verifyOffline(input);
    } catch (error) {
      if (!(error instanceof LeaseholdError) || error.code !== 'LICENSE_FILE_INVALID') throw error;
    }
    if (!input.force && stored?.verification.status === 'VALID' && stored.license) {
      const issued = Date.parse(stored.license.issuedAt);
      const refreshBy = Date.parse(stored.license.refreshBy);
      const margin =
        input.refreshMarginSeconds !== undefined ? input.refreshMarginSeconds * 1000 : (refreshBy - issued) / 5;
      if (this.clock.now().getTime() < refreshBy - margin) return stored;
    }
    try {
      return await this.downloadLicenseFile(input);
    } catch (error) {
      if (error instanceof LeaseholdError && error.retryable && stored?.verification.status === 'VALID') return stored;
      throw error;
    }
  }

  // ---- offline codes (never-online machines) ----

  /**
   * A request code to show the admin (portal) or vendor; the request is kept to check the answer.
   * An `activate` or `borrow` request commits to a secret return key: the SDK draws it once per
   * container, keeps it in `storage` (`offline-return-key.<containerId>`) and reuses it, so a later
   * request is a renewal of the same activation or borrow. `kind: 'deactivate'` is `createReleaseCode`.
   */
  createRequestCode(input: { containerId: string; kind?: OfflineCodeKind }): OfflineRequest {
    const kind = input.kind ?? 'activate';
    if (kind === 'deactivate') return this.createReleaseCode({ containerId: input.containerId });
    const keyName = `offline-return-key.${input.containerId}`;
    const { returnKey, ...request } = createRequestCode({
      kind,
      containerId: input.containerId,
      fingerprint: this.fingerprint,
      returnKey: this.storage.get(keyName),
    });
    this.storage.set(keyName, returnKey);
    this.storage.set('offline-request.json', JSON.stringify(request));
    return request;
  }

  /**
   * The release code that gives this machine's offline activation (or offline borrow) of the
   * container back: it reveals the stored return key, so only this program can make it. The
   * activation is removed from `storage` first (response, request and key): once the code is shown,
   * this machine no longer runs on it. `RETURN_KEY_MISSING` when no key is stored for the container.
   */
  createReleaseCode(input: { containerId: string }): OfflineRequest {
    const keyName = `offline-return-key.${input.containerId}`;
    const returnKey = this.storage.get(keyName);
    if (!returnKey)
      throw new LeaseholdError({
        code: 'RETURN_KEY_MISSING',
        message: `No offline return key is stored for container ${input.containerId}`,
      });
    const release = createReleaseCode({ containerId: input.containerId, fingerprint: this.fingerprint, returnKey });
    this.storage.delete('offline-response.txt');
    this.storage.delete('offline-request.json');
    this.storage.delete(keyName);
    return release;
  }

  /** Verifies the admin's response code against the kept request and this device, and stores it. */
  applyResponseCode(code: string): OfflineResponse {
    const requestText = this.storage.get('offline-request.json');
    if (!requestText)
      throw new LeaseholdError({
        code: 'USAGE',
        message: 'No request code was made on this machine (createRequestCode first)',
      });
    const request = JSON.parse(requestText) as OfflineRequest;
    const result = verifyResponseCode(code, {
      publicKeys: this.publicKeys,
      request,
      fingerprint: this.fingerprint,
      now: this.clock.now(),
    });
    if (!result.ok)
      throw new LeaseholdError({
        code: 'OFFLINE_CODE_INVALID',
        message: result.message,
        details: { reason: result.reason },
      });
    this.storage.set('offline-response.txt', result.response.code);
    return result.response;
  }

  /** The stored offline activation, re-verified against the guarded clock (EXPIRED after validUntil). */
  offlineActivation(): OfflineResponse {
    const code = this.storage.get('offline-response.txt');
    const requestText = this.storage.get('offline-request.json');
    if (!code || !requestText)
      throw new LeaseholdError({
        code: 'LICENSE_FILE_INVALID',
        message: 'This machine holds no offline activation',
        details: { status: 'MISSING' },
      });
    const result = verifyResponseCode(code, {
      publicKeys: this.publicKeys,
      request: JSON.parse(requestText) as OfflineRequest,
      fingerprint: this.fingerprint,
      now: this.clock.now(),
    });
    if (!result.ok)
      throw new LeaseholdError({
        code: 'OFFLINE_CODE_INVALID',
        message: result.message,
        details: { reason: result.reason },
      });
    return result.response;
  }

  // ---- updates ----

  /** Server-sent update notifications with reconnect and Last-Event-ID. Call `close()` when done. */
  watchUpdates(options: UpdateStreamOptions = {}): UpdateStream {
    return new UpdateStream(this.transport, {
      knownRevision: options.knownRevision ?? this.knownRevision ?? 0,
      ...options,
    });
  }
}

function cacheKey(kind: string, ...parts: (string | undefined)[]): string {
  const suffix = createHash('sha256')
    .update(JSON.stringify(parts.map((p) => p ?? null)))
    .digest('hex')
    .slice(0, 16);
  return `${kind}.${suffix}.json`;
}
