import { EventEmitter } from 'node:events';
import { LeaseholdError } from './errors';
import { Transport } from './transport';
import type { EndedLease, HeartbeatAnswer, LeaseAnswer } from './wire';

export interface LeaseEvents {
  /** A heartbeat went through; the lease now runs until `answer.expiresAt`. */
  heartbeat: [answer: HeartbeatAnswer];
  /** A license of the container changed (new revision): validate and fetch the license file again. */
  updated: [update: { revision: number; previous: number | undefined }];
  /** The server ended the lease: SESSION_STOPPED (an admin stopped it, the user was removed), or the license was suspended/revoked. No more heartbeats. */
  stopped: [error: LeaseholdError];
  /** The lease ran out: LEASE_EXPIRED from the server, or its `expiresAt` passed while the server could not be reached. */
  expired: [error: LeaseholdError];
  /** A heartbeat could not reach the server; the SDK retries with backoff until `expiresAt`. */
  networkError: [error: LeaseholdError, retryInMs: number];
  /** `release()` ended the lease (or returned a borrowed seat early). */
  released: [ended: EndedLease];
}

export type LeaseState = 'active' | 'borrowed' | 'stopped' | 'expired' | 'released';

export interface LeaseInternals {
  transport: Transport;
  /** Body extras for release (the return key of a borrowed lease). */
  releaseBody: (leaseId: string) => Record<string, unknown> | undefined;
  onEnded: (leaseId: string) => void;
  borrow: (lease: Lease, until: Date) => Promise<LeaseAnswer>;
  knownRevision?: number;
  /** Fraction of the interval the next heartbeat may come early (default 0.1). */
  jitter?: number;
  /** First retry delay after a network error (default 1000 ms), doubling up to the interval. */
  backoffMs?: number;
  now?: () => number;
}

const MAX_TIMER_MS = 2_147_483_647;

/**
 * A held seat. It heartbeats by itself every `heartbeatIntervalSeconds` (a little early, with
 * jitter), retries with exponential backoff when the server cannot be reached, and never counts
 * itself alive past `expiresAt`. Its timers do not keep the process alive.
 */
export class Lease extends EventEmitter<LeaseEvents> {
  private current: LeaseAnswer;
  private heartbeatTimer?: NodeJS.Timeout;
  private expiryTimer?: NodeJS.Timeout;
  private failures = 0;
  private revision?: number;
  private exitHandlers: { signal: NodeJS.Signals | 'beforeExit'; handler: () => void }[] = [];
  private inFlight?: Promise<void>;
  state: LeaseState;

  constructor(
    answer: LeaseAnswer,
    private readonly internals: LeaseInternals,
  ) {
    super();
    this.current = answer;
    this.revision = internals.knownRevision;
    this.state = answer.borrowUntil ? 'borrowed' : 'active';
    this.schedule(this.intervalMs());
    this.armExpiry();
  }

  get id(): string {
    return this.current.leaseId;
  }
  get licenseId(): string {
    return this.current.licenseId;
  }
  get expiresAt(): Date {
    return new Date(this.current.expiresAt);
  }
  get borrowUntil(): Date | null {
    return this.current.borrowUntil ? new Date(this.current.borrowUntil) : null;
  }
  get heartbeatIntervalSeconds(): number {
    return this.current.heartbeatIntervalSeconds;
  }
  /** The container revision from the last heartbeat (undefined before the first). */
  get knownRevision(): number | undefined {
    return this.revision;
  }
  /** The server's last answer about this lease. */
  get answer(): LeaseAnswer {
    return { ...this.current };
  }
  /** Holding a seat now: active or borrowed, and not past `expiresAt`. */
  get live(): boolean {
    return (this.state === 'active' || this.state === 'borrowed') && this.now() < this.expiresAt.getTime();
  }

  /** One heartbeat now (the loop calls this; call it yourself to check at once). */
  async heartbeat(): Promise<HeartbeatAnswer | undefined> {
    if (this.state !== 'active' && this.state !== 'borrowed') return undefined;
    const body = this.revision === undefined ? {} : { knownRevision: this.revision };
    const { body: answer } = await this.internals.transport.json<HeartbeatAnswer>(
      `/client/v1/seats/${this.id}/heartbeat`,
      { method: 'POST', body },
    );
    if (this.state !== 'active' && this.state !== 'borrowed') return answer;
    this.current = { ...this.current, ...pickLease(answer) };
    this.failures = 0;
    this.armExpiry();
    const previous = this.revision;
    this.revision = answer.revision;
    this.emit('heartbeat', answer);
    if (answer.updateAvailable || (previous !== undefined && previous !== answer.revision))
      this.emit('updated', { revision: answer.revision, previous });
    return answer;
  }

  /**
   * Keep the seat for offline use until `until` (the server must allow borrowing). The SDK keeps
   * the return key (for an early return by `release()`); heartbeats stop.
   */
  async borrow(until: Date): Promise<this> {
    this.assertOpen();
    const answer = await this.internals.borrow(this, until);
    this.current = answer;
    this.state = 'borrowed';
    this.clearHeartbeat();
    this.armExpiry();
    return this;
  }

  /** Frees the seat (returns a borrowed one early). Idempotent: later calls answer the first result. */
  private released?: Promise<EndedLease>;
  release(): Promise<EndedLease> {
    this.released ??= (async () => {
      this.clearHeartbeat();
      clearTimeout(this.expiryTimer);
      this.removeExitHandlers();
      await this.inFlight?.catch(() => undefined);
      const { body } = await this.internals.transport.json<EndedLease>(`/client/v1/seats/${this.id}/release`, {
        method: 'POST',
        body: this.internals.releaseBody(this.id),
      });
      this.state = 'released';
      this.internals.onEnded(this.id);
      this.emit('released', body);
      return body;
    })();
    this.released.catch(() => {
      this.released = undefined; // a failed release may be tried again
    });
    return this.released;
  }

  /**
   * Release on Ctrl-C, SIGTERM and when the event loop empties. On a signal the process exits after
   * the release (at most `timeoutMs`), with 130 (SIGINT) or 143 (SIGTERM).
   */
  releaseOnExit(options: { timeoutMs?: number } = {}): this {
    if (this.exitHandlers.length > 0) return this;
    const timeoutMs = options.timeoutMs ?? 5000;
    const releaseBounded = () =>
      Promise.race([
        this.release().catch(() => undefined),
        new Promise((resolve) => setTimeout(resolve, timeoutMs).unref()),
      ]);
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const handler = () => {
        void releaseBounded().then(() => process.exit(signal === 'SIGINT' ? 130 : 143));
      };
      process.once(signal, handler);
      this.exitHandlers.push({ signal, handler });
    }
    const beforeExit = () => {
      if (this.state === 'active') void releaseBounded();
    };
    process.once('beforeExit', beforeExit);
    this.exitHandlers.push({ signal: 'beforeExit', handler: beforeExit });
    return this;
  }

  /** Stops the heartbeat loop without releasing (the seat lapses after its TTL). */
  stop(): void {
    this.clearHeartbeat();
    clearTimeout(this.expiryTimer);
    this.removeExitHandlers();
    if (this.state === 'active' || this.state === 'borrowed') this.state = 'stopped';
  }

  private tick(): void {
    this.heartbeatTimer = undefined;
    if (this.state !== 'active') return;
    const run = this.heartbeat().then(
      () => this.schedule(this.intervalMs()),
      (error: unknown) => this.onHeartbeatError(error),
    );
    this.inFlight = run.finally(() => {
      this.inFlight = undefined;
    });
  }

  private onHeartbeatError(error: unknown): void {
    if (this.state !== 'active') return;
    const failure =
      error instanceof LeaseholdError
        ? error
        : new LeaseholdError({ code: 'NETWORK_ERROR', message: String(error), cause: error });
    if (failure.code === 'LEASE_EXPIRED') return this.end('expired', failure);
    if (!failure.retryable || failure.code === 'NO_SEAT_AVAILABLE') return this.end('stopped', failure);
    // Network loss, 5xx, rate limit: retry sooner than the interval, never past the expiry.
    this.failures += 1;
    const base = this.internals.backoffMs ?? 1000;
    const backoff = Math.min(base * 2 ** (this.failures - 1), this.intervalMs());
    const wanted = Math.max(
      failure.retryAfter !== undefined ? failure.retryAfter * 1000 : 0,
      backoff * (0.5 + Math.random() / 2),
    );
    const untilExpiry = this.expiresAt.getTime() - this.now();
    if (untilExpiry <= 0) return this.end('expired', expiredError(this, failure));
    const delay = Math.min(wanted, Math.max(untilExpiry - 250, 0));
    this.emit('networkError', failure, delay);
    this.schedule(delay);
  }

  private end(state: 'stopped' | 'expired', error: LeaseholdError): void {
    if (this.state !== 'active' && this.state !== 'borrowed') return;
    this.state = state;
    this.clearHeartbeat();
    clearTimeout(this.expiryTimer);
    this.removeExitHandlers();
    this.internals.onEnded(this.id);
    if (state === 'stopped') this.emit('stopped', error);
    else this.emit('expired', error);
  }

  private schedule(delayMs: number): void {
    this.clearHeartbeat();
    if (this.state !== 'active') return;
    this.heartbeatTimer = setTimeout(() => this.tick(), Math.min(Math.max(delayMs, 0), MAX_TIMER_MS));
    this.heartbeatTimer.unref();
  }

  /** The server's interval, less up to `jitter` of it, so many programs do not beat in step. */
  private intervalMs(): number {
    const interval = this.current.heartbeatIntervalSeconds * 1000;
    return interval * (1 - (this.internals.jitter ?? 0.1) * Math.random());
  }

  private armExpiry(): void {
    clearTimeout(this.expiryTimer);
    const delay = this.expiresAt.getTime() - this.now();
    this.expiryTimer = setTimeout(
      () => {
        if (this.now() >= this.expiresAt.getTime()) this.end('expired', expiredError(this));
        else this.armExpiry();
      },
      Math.min(Math.max(delay, 0), MAX_TIMER_MS),
    );
    this.expiryTimer.unref();
  }

  private clearHeartbeat(): void {
    clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }

  private removeExitHandlers(): void {
    for (const { signal, handler } of this.exitHandlers) process.off(signal, handler);
    this.exitHandlers = [];
  }

  private assertOpen(): void {
    if (this.state !== 'active' && this.state !== 'borrowed')
      throw new LeaseholdError({ code: 'USAGE', message: `The lease is ${this.state}` });
  }

  private now(): number {
    return (this.internals.now ?? Date.now)();
  }
}

function expiredError(lease: Lease, cause?: unknown): LeaseholdError {
  return new LeaseholdError({
    code: 'LEASE_EXPIRED',
    message: `The lease expired at ${lease.expiresAt.toISOString()} without a heartbeat reaching the server`,
    details: { leaseId: lease.id, expiresAt: lease.expiresAt.toISOString() },
    cause,
  });
}

function pickLease(answer: HeartbeatAnswer): LeaseAnswer {
  const { revision: _revision, updateAvailable: _update, ...lease } = answer;
  return lease;
}
