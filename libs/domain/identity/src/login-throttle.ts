import { Injectable } from '@nestjs/common';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { ConfigService } from '@leasehold/config';
import { DomainError } from '@leasehold/errors';
import { RedisService } from '@leasehold/redis';

// Brute-force protection for the portal's public auth routes, in Redis so every replica shares it.
//
// Logins are counted per account (vendor + email: guessing one account's password) and per vendor
// + client address (spraying many accounts of one vendor). The count is taken BEFORE the password
// is checked, atomically in Redis: of any number of parallel attempts, at most the limit are ever
// evaluated; the rest are refused with RATE_LIMITED and `retryAfter` (seconds until the window
// ends), even with the right password. A successful login clears the account's count and gives
// its attempt back to the address, so only failures use up the limits.
//
// The address is per vendor: one address (or everyone behind one proxy) cannot lock the logins of
// every vendor. Behind a load balancer, TRUST_PROXY makes `req.ip` the client's address.
//
// Password-reset requests are limited per account and per address (any vendor), so nobody can
// flood an account's owner with reset tokens or probe many accounts from one address.

const ACCOUNT_WINDOW_SECONDS = 15 * 60;
const ADDRESS_WINDOW_SECONDS = 60 * 60;
const RESET_WINDOW_SECONDS = 60 * 60;

@Injectable()
export class LoginThrottle {
  private readonly loginsByAccount: RateLimiterRedis;
  private readonly loginsByAddress: RateLimiterRedis;
  private readonly resetsByAccount: RateLimiterRedis;
  private readonly resetsByAddress: RateLimiterRedis;

  constructor(redis: RedisService, config: ConfigService) {
    const limiter = (name: string, points: number, duration: number) =>
      new RateLimiterRedis({
        storeClient: redis.client,
        keyPrefix: redis.key('auth-throttle', name),
        points,
        duration,
      });
    this.loginsByAccount = limiter(
      'login-account',
      config.get('LOGIN_MAX_FAILURES_PER_ACCOUNT'),
      ACCOUNT_WINDOW_SECONDS,
    );
    this.loginsByAddress = limiter(
      'login-vendor-address',
      config.get('LOGIN_MAX_FAILURES_PER_IP'),
      ADDRESS_WINDOW_SECONDS,
    );
    this.resetsByAccount = limiter('reset-account', config.get('PASSWORD_RESET_MAX_PER_ACCOUNT'), RESET_WINDOW_SECONDS);
    this.resetsByAddress = limiter('reset-address', config.get('PASSWORD_RESET_MAX_PER_IP'), RESET_WINDOW_SECONDS);
  }

  /**
   * Counts one login attempt before the password is verified. Throws RATE_LIMITED when the account
   * or the vendor's address has used up its attempts (this one included).
   */
  async consumeLogin(vendor: string, email: string, ip: string): Promise<void> {
    await consumeAll(
      [
        [this.loginsByAccount, accountKey(vendor, email)],
        [this.loginsByAddress, `${vendor}:${ip}`],
      ],
      'Too many failed logins; try again later',
    );
  }

  /** The attempt succeeded: the account starts afresh and the address gets its attempt back. */
  async loginSucceeded(vendor: string, email: string, ip: string): Promise<void> {
    await Promise.all([
      this.loginsByAccount.delete(accountKey(vendor, email)),
      this.loginsByAddress.reward(`${vendor}:${ip}`, 1),
    ]);
  }

  /** Counts one password-reset request; throws RATE_LIMITED past the account's or the address's limit. */
  async consumeResetRequest(vendor: string, email: string, ip: string): Promise<void> {
    await consumeAll(
      [
        [this.resetsByAccount, accountKey(vendor, email)],
        [this.resetsByAddress, ip],
      ],
      'Too many password-reset requests; try again later',
    );
  }
}

const accountKey = (vendor: string, email: string) => `${vendor}:${email}`;

/** Consumes a point of every limiter at once (one Redis round trip); refuses if any is used up. */
async function consumeAll(entries: [RateLimiterRedis, string][], message: string): Promise<void> {
  const results = await Promise.allSettled(entries.map(([limiter, key]) => limiter.consume(key)));
  let waitMs = 0;
  for (const result of results) {
    if (result.status === 'fulfilled') continue;
    // A RateLimiterRes rejection means "used up"; anything else is a store error.
    if (!(result.reason instanceof RateLimiterRes)) throw result.reason;
    waitMs = Math.max(waitMs, result.reason.msBeforeNext);
  }
  if (results.some((r) => r.status === 'rejected')) {
    throw new DomainError('RATE_LIMITED', message, { retryAfter: Math.max(1, Math.ceil(waitMs / 1000)) });
  }
}
