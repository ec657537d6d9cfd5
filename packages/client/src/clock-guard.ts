import { LeaseholdError } from './errors';
import { Storage } from './storage';

const KEY = 'clock.json';

interface ClockState {
  /** The latest server time (ms since epoch) the SDK trusted: a signed answer's issuedAt, a file's. */
  trusted: number;
}

export interface ClockGuardOptions {
  storage: Storage;
  /** How far the machine's clock may lag a trusted time or jump backwards (default 5 minutes). */
  toleranceSeconds?: number;
  /** The wall clock (tests); default Date.now. */
  now?: () => number;
  /** A monotonic clock in milliseconds (tests); default performance.now. */
  monotonic?: () => number;
}

/**
 * Clock-tamper guard. Keeps a persisted high-water mark of trusted server times; the machine's clock
 * may never be earlier than it (beyond the tolerance), and within a process the wall clock may not
 * run backwards against the monotonic clock beyond the tolerance. Only signed server times raise
 * the mark, never the local clock: setting the clock forward and back again locks nobody out, and
 * turning it back never extends an offline grant (see `now()`).
 */
export class ClockGuard {
  private readonly toleranceMs: number;
  private readonly wall: () => number;
  private readonly monotonic: () => number;
  private anchor?: { wall: number; mono: number };

  constructor(private readonly options: ClockGuardOptions) {
    this.toleranceMs = (options.toleranceSeconds ?? 300) * 1000;
    this.wall = options.now ?? (() => Date.now());
    this.monotonic = options.monotonic ?? (() => performance.now());
  }

  /** The latest trusted server time, or undefined before the first. */
  get trustedTime(): Date | undefined {
    const trusted = this.read()?.trusted;
    return trusted === undefined ? undefined : new Date(trusted);
  }

  /** Records a time the server signed. Never lowers the mark. */
  observe(serverTime: Date | string): void {
    const time = typeof serverTime === 'string' ? Date.parse(serverTime) : serverTime.getTime();
    if (!Number.isFinite(time)) return;
    const current = this.read()?.trusted ?? 0;
    if (time > current) this.options.storage.set(KEY, JSON.stringify({ trusted: time } satisfies ClockState));
  }

  /**
   * The current time, checked: throws CLOCK_TAMPERED when the clock is earlier than the high-water
   * mark or jumped backwards. Offline checks use the later of the clock and the mark, so a clock
   * turned back within the tolerance still never makes an expired grant valid again.
   */
  now(): Date {
    const wall = this.wall();
    const mono = this.monotonic();
    if (this.anchor) {
      const expected = this.anchor.wall + (mono - this.anchor.mono);
      if (wall < expected - this.toleranceMs) {
        throw new LeaseholdError({
          code: 'CLOCK_TAMPERED',
          message: `The system clock jumped backwards by ${Math.round((expected - wall) / 1000)} s`,
          details: {
            reason: 'JUMPED_BACKWARDS',
            clock: new Date(wall).toISOString(),
            expected: new Date(expected).toISOString(),
          },
        });
      }
    }
    // Re-anchor only forwards (a forward jump is allowed, but a later step back from it is caught).
    if (!this.anchor || wall >= this.anchor.wall + (mono - this.anchor.mono)) this.anchor = { wall, mono };
    const trusted = this.read()?.trusted;
    if (trusted !== undefined && wall < trusted - this.toleranceMs) {
      throw new LeaseholdError({
        code: 'CLOCK_TAMPERED',
        message: `The system clock (${new Date(wall).toISOString()}) is earlier than a time the server vouched for (${new Date(trusted).toISOString()})`,
        details: {
          reason: 'BEHIND_TRUSTED_TIME',
          clock: new Date(wall).toISOString(),
          trustedTime: new Date(trusted).toISOString(),
        },
      });
    }
    return new Date(Math.max(wall, trusted ?? 0));
  }

  private read(): ClockState | undefined {
    const text = this.options.storage.get(KEY);
    if (!text) return undefined;
    try {
      const state = JSON.parse(text) as ClockState;
      return typeof state.trusted === 'number' ? state : undefined;
    } catch {
      return undefined;
    }
  }
}
