import { performance } from 'node:perf_hooks';
import { LRUCache } from 'lru-cache';
import { RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';

// A fixed-window limit that every replica counts in one shared store (Redis, through
// rate-limiter-flexible), taken from in claims: a process that sees a key often claims several of
// its points with one `consume(key, n)` and admits the next requests of that key from memory, so a
// hot key (an enterprise container's credential, shared by all its machines; an office's address)
// costs a Redis round trip per claim, not per request.
//
// What it keeps exact: the store counts every claimed point, and a claim is granted only the points
// left under the limit, so all replicas together never admit more than the limit in a window. A
// process drops its unused points when the window ends (they were counted in that window). What it
// gives up: points one process claimed and has not used are not available to another, so near the
// limit a key may be refused up to the few points other processes still hold; claims shrink as the
// window fills (at most a quarter of what is left) and a key's first claim in a window is one
// point, so a key that is not hot in a process, and any small limit, counts one request at a time
// as before.

/** Points a process claims at most in one round trip. */
const MAX_CLAIM = 64;
/** A claim takes at most this share of the points left in the window. */
const CLAIM_SHARE_OF_LEFT = 4;
/** Keys a process remembers claims for (each until its window ends). */
const KEYS_MAX = 50_000;

interface Claim {
  /** Claimed and not used yet. */
  points: number;
  /**
   * The window's end as the store answered, on the monotonic clock (`performance.now()`): a wall
   * clock turned back must not keep a claim's points, or a refusal, past the window.
   */
  endsAt: number;
  /** The size of the next claim. */
  next: number;
  /** The store said the limit is reached: refuse from memory (no store) until `endsAt`. */
  exhausted: boolean;
}

/** A refusal: how long until the key's window ends. */
export class WindowExhausted {
  constructor(readonly msBeforeNext: number) {}
}

export class ClaimedWindow {
  private readonly claims = new LRUCache<string, Claim>({ max: KEYS_MAX });

  /** `store` counts `points` per window; it must not block keys in memory itself (this does). */
  constructor(
    private readonly store: RateLimiterAbstract,
    private readonly points: number,
  ) {}

  /**
   * Takes one point of `key`'s window: `undefined` when memory had it (no round trip), else a promise
   * of a claim. Refused (synchronously, or the promise rejects): a WindowExhausted. Store errors
   * that its insurance limiter did not absorb reject as they are.
   */
  take(key: string): Promise<void> | undefined {
    const claim = this.claims.get(key);
    if (claim && claim.endsAt > performance.now()) {
      if (claim.points > 0) {
        claim.points--;
        return undefined;
      }
      if (claim.exhausted) return Promise.reject(new WindowExhausted(claim.endsAt - performance.now()));
      return this.claim(key, claim.next);
    }
    return this.claim(key, 1);
  }

  private async claim(key: string, size: number): Promise<void> {
    let res: RateLimiterRes;
    try {
      res = await this.store.consume(key, size);
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      res = error;
    }
    const counted = res.consumedPoints;
    const granted = Math.min(size, Math.max(0, this.points - (counted - size)));
    const endsAt = performance.now() + res.msBeforeNext;
    let claim = this.claims.get(key);
    // A claim of another (earlier) window: its points may not be used in this one.
    if (!claim || claim.endsAt <= performance.now() || Math.abs(claim.endsAt - endsAt) > 1_000) {
      claim = { points: 0, endsAt, next: 1, exhausted: false };
      this.claims.set(key, claim);
    }
    claim.points += granted;
    const left = this.points - counted;
    if (left <= 0) claim.exhausted = true;
    claim.next = Math.max(1, Math.min(MAX_CLAIM, size * 2, Math.floor(left / CLAIM_SHARE_OF_LEFT)));
    if (claim.points > 0) {
      claim.points--;
      return;
    }
    throw new WindowExhausted(Math.max(0, claim.endsAt - performance.now()));
  }
}
