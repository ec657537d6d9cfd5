import { Injectable } from '@nestjs/common';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { ConfigService } from '@leasehold/config';
import { DomainError } from '@leasehold/errors';
import { RedisService } from '@leasehold/redis';

// Brute-force protection for portal logins, in Redis so every replica shares it: failed attempts
// are counted per vendor+email (guessing one account's password) and per client IP (spraying many
// accounts). Past the limit, logins are refused with RATE_LIMITED and `retryAfter` seconds until
// the window ends, even with the right password. A success clears the account's count.

const ACCOUNT_WINDOW_SECONDS = 15 * 60;
const IP_WINDOW_SECONDS = 60 * 60;

@Injectable()
export class LoginThrottle {
  private readonly byAccount: RateLimiterRedis;
  private readonly byIp: RateLimiterRedis;
  private readonly maxPerAccount: number;
  private readonly maxPerIp: number;

  constructor(redis: RedisService, config: ConfigService) {
    this.maxPerAccount = config.get('LOGIN_MAX_FAILURES_PER_ACCOUNT');
    this.maxPerIp = config.get('LOGIN_MAX_FAILURES_PER_IP');
    this.byAccount = new RateLimiterRedis({
      storeClient: redis.client,
      keyPrefix: redis.key('login-failures', 'account'),
      points: this.maxPerAccount,
      duration: ACCOUNT_WINDOW_SECONDS,
    });
    this.byIp = new RateLimiterRedis({
      storeClient: redis.client,
      keyPrefix: redis.key('login-failures', 'ip'),
      points: this.maxPerIp,
      duration: IP_WINDOW_SECONDS,
    });
  }

  /** Throws RATE_LIMITED when the account or the IP has used up its failed attempts. */
  async assertAllowed(accountKey: string, ip: string): Promise<void> {
    const [account, address] = await Promise.all([this.byAccount.get(accountKey), this.byIp.get(ip)]);
    const waits = [
      account && account.consumedPoints >= this.maxPerAccount ? account.msBeforeNext : 0,
      address && address.consumedPoints >= this.maxPerIp ? address.msBeforeNext : 0,
    ];
    const waitMs = Math.max(...waits);
    if (waitMs > 0) {
      throw new DomainError('RATE_LIMITED', 'Too many failed logins; try again later', { retryAfter: Math.ceil(waitMs / 1000) });
    }
  }

  async recordFailure(accountKey: string, ip: string): Promise<void> {
    // `consume` rejects with a RateLimiterRes once the points are used up: that is expected here
    // (the next attempt is refused by assertAllowed); a store error is rethrown.
    const consume = (limiter: RateLimiterRedis, key: string) =>
      limiter.consume(key).catch((reason: unknown) => {
        if (!(reason instanceof RateLimiterRes)) throw reason;
      });
    await Promise.all([consume(this.byAccount, accountKey), consume(this.byIp, ip)]);
  }

  async recordSuccess(accountKey: string): Promise<void> {
    await this.byAccount.delete(accountKey);
  }
}
