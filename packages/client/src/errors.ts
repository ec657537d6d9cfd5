/**
 * Every failure the SDK reports is a LeaseholdError with a stable `code`: the server's error code
 * (NO_SEAT_AVAILABLE, SESSION_STOPPED, …, docs in the catalogue) or one of the SDK's own below.
 * Key decisions on `code`, never on `status` or `message`.
 */
export type SdkErrorCode =
  /** The server could not be reached (DNS, refused, reset, timeout). Retryable. */
  | 'NETWORK_ERROR'
  /** The server answered something that is not Leasehold's JSON (a proxy page, a truncated body). */
  | 'BAD_RESPONSE'
  /** A signed answer did not verify with the pinned keys, or its nonce/fingerprint did not match. */
  | 'SIGNATURE_INVALID'
  /** The machine's clock is earlier than a time the server vouched for, or jumped backwards. */
  | 'CLOCK_TAMPERED'
  /** Offline: no stored license file, or it does not verify (details.status says why). */
  | 'LICENSE_FILE_INVALID'
  /** Borrow/return: the return key of this lease is not in the storage. */
  | 'RETURN_KEY_MISSING'
  /** waitForSeat: no seat was held for the program within its timeout (it left the queue). */
  | 'SEAT_WAIT_TIMEOUT'
  /** The SDK was used wrongly (a missing option, a released lease). */
  | 'USAGE';

export interface LeaseholdErrorInit {
  code: string;
  message: string;
  status?: number;
  details?: Record<string, unknown>;
  retryAfter?: number;
  requestId?: string;
  cause?: unknown;
}

export class LeaseholdError extends Error {
  override readonly name = 'LeaseholdError';
  /** Stable machine-readable code: the server's catalogue code or an SdkErrorCode. */
  readonly code: string;
  /** HTTP status when the server answered; undefined for network and local errors. */
  readonly status?: number;
  readonly details: Record<string, unknown>;
  /** Seconds to wait before trying again (body `retryAfter`/`details.retryAfter`, else the Retry-After header). */
  readonly retryAfter?: number;
  /** The server's request id, to quote to support. */
  readonly requestId?: string;

  constructor(init: LeaseholdErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.status = init.status;
    this.details = init.details ?? {};
    this.retryAfter = init.retryAfter;
    this.requestId = init.requestId;
  }

  /**
   * Worth trying again later without changing anything: the network, a 5xx (e.g. 503
   * DATABASE_UNAVAILABLE), a rate limit, or no free seat right now.
   */
  get retryable(): boolean {
    if (this.code === 'NETWORK_ERROR' || this.code === 'NO_SEAT_AVAILABLE' || this.code === 'RATE_LIMITED') return true;
    return this.status !== undefined && (this.status >= 500 || this.status === 429 || this.status === 408);
  }
}

export function isLeaseholdError(error: unknown, code?: string): error is LeaseholdError {
  return error instanceof LeaseholdError && (code === undefined || error.code === code);
}
