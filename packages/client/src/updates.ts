import { EventEmitter } from 'node:events';
import { LeaseholdError } from './errors';
import { errorFromAnswer, Transport } from './transport';
import type { UpdateAnswer } from './wire';

export interface UpdateStreamEvents {
  /** The stream listens (after every (re)connect); `revision` is where it started from. */
  ready: [ready: { revision: number }];
  /** A license of the container changed, or an admin pressed "Update now". */
  update: [update: UpdateAnswer];
  /** The connection dropped (or could not be made); the stream reconnects after `retryInMs`. */
  disconnected: [error: LeaseholdError, retryInMs: number];
  /** The server refused the stream (bad credentials, …): it does not reconnect. */
  failed: [error: LeaseholdError];
}

export interface UpdateStreamOptions {
  knownRevision?: number;
  /** First reconnect delay (default 1000 ms), doubling up to `maxBackoffMs` (default 30 000). */
  backoffMs?: number;
  maxBackoffMs?: number;
}

/**
 * Server-sent update notifications (GET /client/v1/updates/stream). Reconnects by itself with
 * backoff, sending `Last-Event-ID` (the last revision seen) so nothing seen is sent again.
 */
export class UpdateStream extends EventEmitter<UpdateStreamEvents> {
  private readonly abort = new AbortController();
  private lastEventId?: string;
  private failures = 0;
  private reconnectTimer?: NodeJS.Timeout;
  closed = false;

  constructor(
    private readonly transport: Transport,
    private readonly options: UpdateStreamOptions = {},
  ) {
    super();
    setImmediate(() => void this.connect());
  }

  /** The revision of the last event (ready or update). */
  get revision(): number | undefined {
    return this.lastEventId === undefined ? this.options.knownRevision : Number(this.lastEventId);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.abort.abort();
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    let response: Response;
    try {
      const headers = this.transport.headers({
        headers: { Accept: 'text/event-stream', ...(this.lastEventId ? { 'Last-Event-ID': this.lastEventId } : {}) },
      });
      response = await fetch(
        this.transport.url('/client/v1/updates/stream', { knownRevision: this.options.knownRevision ?? 0 }),
        { headers, signal: this.abort.signal },
      );
    } catch (error) {
      return this.retry(
        new LeaseholdError({ code: 'NETWORK_ERROR', message: `Update stream: ${String(error)}`, cause: error }),
      );
    }
    if (!response.ok || !response.body) {
      const error = errorFromAnswer({
        status: response.status,
        headers: response.headers,
        text: await response.text().catch(() => ''),
      });
      if (error.retryable) return this.retry(error);
      this.closed = true;
      this.emit('failed', error);
      return;
    }
    try {
      await this.read(response.body);
      this.retry(new LeaseholdError({ code: 'NETWORK_ERROR', message: 'The update stream ended' }));
    } catch (error) {
      this.retry(
        new LeaseholdError({ code: 'NETWORK_ERROR', message: `Update stream: ${String(error)}`, cause: error }),
      );
    }
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    const reader = body.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + (buffer[end] === '\r' ? 4 : 2));
        this.dispatch(block);
      }
    }
  }

  private dispatch(block: string): void {
    let event = 'message';
    let id: string | undefined;
    const data: string[] = [];
    for (const line of block.split(/\r?\n/)) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
      else if (field === 'id') id = value;
    }
    if (data.length === 0) return;
    if (id !== undefined) this.lastEventId = id;
    this.failures = 0;
    const payload = JSON.parse(data.join('\n')) as UpdateAnswer;
    if (event === 'ready') this.emit('ready', { revision: payload.revision });
    else if (event === 'update') this.emit('update', payload);
  }

  private retry(error: LeaseholdError): void {
    if (this.closed) return;
    this.failures += 1;
    const base = this.options.backoffMs ?? 1000;
    const delay =
      Math.min(base * 2 ** (this.failures - 1), this.options.maxBackoffMs ?? 30_000) * (0.75 + Math.random() / 4);
    this.emit('disconnected', error, delay);
    this.reconnectTimer = setTimeout(() => void this.connect(), delay);
    this.reconnectTimer.unref();
  }
}
