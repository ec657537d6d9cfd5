import { createHash, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import { ConfigService } from '@leasehold/config';
import { ContainerCredentialsService, isWellFormedContainerSecret } from '@leasehold/domain-licensing';
import { isWellFormedApiKey, VendorLimits, VendorsService } from '@leasehold/domain-vendors';
import { DomainError } from '@leasehold/errors';
import { RedisService } from '@leasehold/redis';
import { ClaimedWindow, WindowExhausted } from './claimed-window';

// Request rate limits of license-central. Every authenticated request of the
// vendor API counts against its API key and its client address; every request of the device API
// against its container credential and its address. Fixed one-minute windows in Redis, shared by
// all replicas; past a limit: 429 RATE_LIMITED with `retryAfter` (and `Retry-After`).
//
// Cost on the hot path: the credential is identified by the SHA-256 of the bearer token, before
// any database access, and both counters are taken in parallel: at most one Redis round trip per
// request, none for a key the process sees often (ClaimedWindow: a hot key's points are claimed
// several at a time; all replicas together still never admit more than the limit). A key that is
// over its limit is then refused from process memory until its window ends, so a flood costs no
// Redis (and no database) at all. Should Redis fail, each process falls back to counting in memory
// (`insuranceLimiter`).
//
// The vendor's plan (vendors.*PerMinute, set by the operator) replaces the per-credential default.
// A credential's vendor never changes: each process looks it up once per credential and remembers
// it (a container secret's in the device route cache that authentication reads too, an API key's
// here); the plan itself is kept per vendor for PLAN_CACHE_MS. So a device that heartbeats once a
// minute costs no plan read of its own (per credential, the plan would expire between two
// heartbeats: one more statement on nearly every device request).

export type RateLimitedApi = 'vendor' | 'device';

/** The counters' names (their Redis keys' prefixes). */
const COUNTERS = {
  vendor: { ip: 'vendor-ip', credential: 'vendor-credential' },
  device: { ip: 'device-ip', credential: 'device-credential' },
} as const;

const WINDOW_SECONDS = 60;
const PLAN_CACHE_MS = 60_000;
/** API keys whose vendor a process remembers. */
const API_KEY_CACHE_MAX = 10_000;
/** Hashes that are no credential, remembered for PLAN_CACHE_MS: a flood of one forged token reads the database once. */
const UNKNOWN_CACHE_MAX = 50_000;
/** An update stream's slot lives this long unless its stream renews it (every STREAM_RENEW_MS). */
const STREAM_SLOT_TTL_MS = 90_000;
export const STREAM_RENEW_MS = 30_000;

/** Atomically: drop expired slots, refuse if `cap` are held, else take one. */
const ACQUIRE_STREAM = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1`;

/** A held update-stream slot; `release` is idempotent. */
export interface StreamSlot {
  release(): void;
}

@Injectable()
export class RequestRateLimits {
  /** Per counter (`device-ip`…), per limit. */
  private readonly windows = new Map<string, Map<number, ClaimedWindow>>();
  /** Per vendor id. */
  private readonly plans = new Map<string, { expiresAt: number; limits: Promise<VendorLimits | null> }>();
  private readonly apiKeyVendors = new LRUCache<string, string>({ max: API_KEY_CACHE_MAX });
  private readonly unknownCredentials = new LRUCache<string, true>({ max: UNKNOWN_CACHE_MAX, ttl: PLAN_CACHE_MS });

  constructor(
    private readonly redis: RedisService,
    private readonly config: ConfigService,
    private readonly vendors: VendorsService,
    private readonly devices: ContainerCredentialsService,
  ) {}

  /**
   * Counts one request of `api` against its credential (the bearer token, if any) and its client
   * address. Throws RATE_LIMITED past either limit. Returns the vendor's plan (null: defaults).
   * `tokenHash`: the token's SHA-256 (hex), when the caller has it already.
   */
  async admit(api: RateLimitedApi, token: string | null, ip: string, tokenHash?: string): Promise<VendorLimits | null> {
    const hash = token ? (tokenHash ?? createHash('sha256').update(token).digest('hex')) : null;
    // Only a token of the right form can have a plan: garbage never reaches the database.
    const wellFormed =
      token !== null && (api === 'vendor' ? isWellFormedApiKey(token) : isWellFormedContainerSecret(token));
    const limits = hash && wellFormed ? await this.limitsFor(api, hash) : null;
    // Both counters are taken, whatever the other answers (as a request counts against both).
    const pending: Promise<void>[] = [];
    const byAddress = this.window(api, 'ip', this.ipLimit(api)).take(ip || 'unknown');
    if (byAddress) pending.push(byAddress);
    if (hash) {
      const byCredential = this.window(api, 'credential', this.credentialLimit(api, limits)).take(hash);
      if (byCredential) pending.push(byCredential);
    }
    if (pending.length === 0) return limits;
    const results = await Promise.allSettled(pending);
    let waitMs = 0;
    let refused = false;
    for (const result of results) {
      if (result.status === 'fulfilled') continue;
      if (!(result.reason instanceof WindowExhausted)) throw result.reason;
      refused = true;
      waitMs = Math.max(waitMs, result.reason.msBeforeNext);
    }
    if (refused) {
      throw new DomainError('RATE_LIMITED', 'Too many requests; slow down and retry after `retryAfter` seconds', {
        retryAfter: Math.max(1, Math.ceil(waitMs / 1000)),
      });
    }
    return limits;
  }

  /**
   * Takes one of the container's update-stream slots (SSE or long-poll), or throws RATE_LIMITED when
   * all are held. A slot held by a process that died frees itself after STREAM_SLOT_TTL_MS.
   */
  async openStream(containerId: string, limits: VendorLimits | null | undefined): Promise<StreamSlot> {
    const cap = limits?.updateStreamsPerContainer ?? this.config.get('RATE_LIMIT_UPDATE_STREAMS_PER_CONTAINER');
    const key = this.redis.key('update-streams', containerId);
    const member = randomUUID();
    const now = Date.now();
    const taken = await this.redis.client.eval(
      ACQUIRE_STREAM,
      1,
      key,
      now,
      now + STREAM_SLOT_TTL_MS,
      member,
      cap,
      STREAM_SLOT_TTL_MS * 2,
    );
    if (taken !== 1) {
      throw new DomainError(
        'RATE_LIMITED',
        `This container already has ${cap} open update streams; close one, or poll less often`,
        {
          retryAfter: Math.ceil(STREAM_RENEW_MS / 1000),
          limit: cap,
        },
      );
    }
    const renew = setInterval(() => {
      void this.redis.client.zadd(key, 'XX', Date.now() + STREAM_SLOT_TTL_MS, member).catch(() => undefined);
    }, STREAM_RENEW_MS);
    renew.unref();
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        clearInterval(renew);
        void this.redis.client.zrem(key, member).catch(() => undefined);
      },
    };
  }

  private ipLimit(api: RateLimitedApi): number {
    return this.config.get(api === 'vendor' ? 'RATE_LIMIT_VENDOR_API_PER_IP' : 'RATE_LIMIT_DEVICE_PER_IP');
  }

  private credentialLimit(api: RateLimitedApi, limits: VendorLimits | null): number {
    return api === 'vendor'
      ? (limits?.apiRequestsPerMinute ?? this.config.get('RATE_LIMIT_VENDOR_API_PER_KEY'))
      : (limits?.deviceRequestsPerMinute ?? this.config.get('RATE_LIMIT_DEVICE_PER_CREDENTIAL'));
  }

  /** One window per counter and limit; windows of the same counter share their Redis keys. */
  private window(api: RateLimitedApi, counter: 'ip' | 'credential', points: number): ClaimedWindow {
    const name = COUNTERS[api][counter];
    let byPoints = this.windows.get(name);
    if (!byPoints) this.windows.set(name, (byPoints = new Map()));
    let window = byPoints.get(points);
    if (!window) {
      const store = new RateLimiterRedis({
        storeClient: this.redis.client,
        keyPrefix: this.redis.key('rate', name),
        points,
        duration: WINDOW_SECONDS,
        insuranceLimiter: new RateLimiterMemory({ points, duration: WINDOW_SECONDS }),
      });
      window = new ClaimedWindow(store, points);
      byPoints.set(points, window);
    }
    return window;
  }

  /** The plan of the credential's vendor, from memory, or looked up once a minute per vendor (concurrent reads of one vendor's plan share it). */
  private async limitsFor(api: RateLimitedApi, hash: string): Promise<VendorLimits | null> {
    const vendorId = (api === 'vendor' ? this.apiKeyVendors.get(hash) : undefined) ?? (await this.vendorOf(api, hash));
    if (!vendorId) return null;
    const now = Date.now();
    const cached = this.plans.get(vendorId);
    if (cached && cached.expiresAt > now) return cached.limits;
    const limits = this.vendors.limitsOf(vendorId).catch(() => null);
    this.plans.set(vendorId, { expiresAt: now + PLAN_CACHE_MS, limits });
    return limits;
  }

  /** The credential's vendor (remembered); null for no credential, or when the database fails (defaults then). */
  private async vendorOf(api: RateLimitedApi, hash: string): Promise<string | null> {
    if (this.unknownCredentials.has(hash)) return null;
    const lookup = api === 'vendor' ? this.vendors.vendorOfApiKey(hash) : this.devices.vendorOfHash(hash);
    const vendorId = await lookup.catch(() => undefined);
    if (vendorId && api === 'vendor') this.apiKeyVendors.set(hash, vendorId);
    else if (vendorId === null) this.unknownCredentials.set(hash, true);
    return vendorId ?? null;
  }
}
