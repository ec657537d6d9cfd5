import { LeaseholdError } from './errors';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface TransportOptions {
  baseUrl: string;
  /** `Authorization: Bearer <token>` on every request that is not public. */
  token?: string;
  fetch?: FetchLike;
  /** Per-request timeout, milliseconds (default 30 000). */
  timeoutMs?: number;
  userAgent?: string;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'DELETE' | 'PATCH';
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  /** Send no credentials (public routes). */
  anonymous?: boolean;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface RawAnswer {
  status: number;
  headers: Headers;
  text: string;
}

/** HTTP to Leasehold with fetch: JSON in, JSON out, every failure a LeaseholdError. */
export class Transport {
  readonly baseUrl: string;
  private readonly fetchImpl: FetchLike;

  constructor(private readonly options: TransportOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  }

  url(path: string, query?: RequestOptions['query']): string {
    const url = new URL(this.baseUrl + path);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    return url.toString();
  }

  headers(options: Pick<RequestOptions, 'anonymous' | 'headers'> = {}, json = false): Record<string, string> {
    return {
      Accept: 'application/json',
      'User-Agent': this.options.userAgent ?? 'leasehold-client',
      ...(json ? { 'Content-Type': 'application/json' } : {}),
      ...(!options.anonymous && this.options.token ? { Authorization: `Bearer ${this.options.token}` } : {}),
      ...options.headers,
    };
  }

  /** The response as text whatever its status; network failures throw NETWORK_ERROR. */
  async raw(path: string, options: RequestOptions = {}): Promise<RawAnswer> {
    const timeout = AbortSignal.timeout(options.timeoutMs ?? this.options.timeoutMs ?? 30_000);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let response: Response;
    try {
      response = await this.fetchImpl(this.url(path, options.query), {
        method: options.method ?? 'GET',
        headers: this.headers(options, options.body !== undefined),
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal,
      });
      return { status: response.status, headers: response.headers, text: await response.text() };
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw new LeaseholdError({
        code: 'NETWORK_ERROR',
        message: `Cannot reach ${this.baseUrl}: ${describe(error)}`,
        cause: error,
      });
    }
  }

  /** Parsed JSON of a 2xx answer; anything else throws the server's error as a LeaseholdError. */
  async json<T>(
    path: string,
    options: RequestOptions = {},
  ): Promise<{ body: T; status: number; headers: Headers; text: string }> {
    const answer = await this.raw(path, options);
    if (answer.status < 200 || answer.status >= 300) throw errorFromAnswer(answer);
    try {
      return {
        body: (answer.text === '' ? undefined : JSON.parse(answer.text)) as T,
        status: answer.status,
        headers: answer.headers,
        text: answer.text,
      };
    } catch (cause) {
      throw new LeaseholdError({
        code: 'BAD_RESPONSE',
        status: answer.status,
        message: 'The server answered something that is not JSON',
        cause,
      });
    }
  }
}

/** The error envelope `{ error: { code, message, details }, requestId }` as a LeaseholdError. */
export function errorFromAnswer(answer: RawAnswer): LeaseholdError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.text);
  } catch {
    parsed = undefined;
  }
  const envelope = (parsed ?? {}) as {
    error?: { code?: unknown; message?: unknown; details?: unknown; retryAfter?: unknown };
    requestId?: unknown;
  };
  const error = envelope.error;
  const details = isRecord(error?.details) ? error.details : {};
  const requestId =
    typeof envelope.requestId === 'string' ? envelope.requestId : (answer.headers.get('x-request-id') ?? undefined);
  const retryAfter =
    seconds(error?.retryAfter) ?? seconds(details['retryAfter']) ?? retryAfterHeader(answer.headers.get('retry-after'));
  if (!error || typeof error.code !== 'string') {
    return new LeaseholdError({
      code: answer.status >= 500 ? 'NETWORK_ERROR' : 'BAD_RESPONSE',
      status: answer.status,
      message: `HTTP ${answer.status} without a Leasehold error body`,
      retryAfter,
      requestId,
    });
  }
  return new LeaseholdError({
    code: error.code,
    status: answer.status,
    message: typeof error.message === 'string' ? error.message : error.code,
    details,
    retryAfter,
    requestId,
  });
}

function seconds(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** Retry-After is either seconds or an HTTP date. */
export function retryAfterHeader(value: string | null): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
  }
  return String(error);
}
