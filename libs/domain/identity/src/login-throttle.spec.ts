import { randomUUID } from 'node:crypto';
import { Test } from '@nestjs/testing';
import { ConfigModule, ConfigService } from '@leasehold/config';
import { DomainError } from '@leasehold/errors';
import { RedisModule, RedisService } from '@leasehold/redis';
import { LoginThrottle } from './login-throttle';

// Against the real Redis: the per-IP limit (spraying many accounts from one address) and the
// per-account limit, with small limits so the test stays quick.
describe('LoginThrottle (Redis)', () => {
  let redis: RedisService;
  let throttle: LoginThrottle;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [ConfigModule, RedisModule] }).compile();
    redis = moduleRef.get(RedisService);
    const real = moduleRef.get(ConfigService);
    const limits = { LOGIN_MAX_FAILURES_PER_ACCOUNT: 3, LOGIN_MAX_FAILURES_PER_IP: 5 } as Record<string, number>;
    const config = { get: (key: string) => limits[key] ?? real.get(key as never) } as unknown as ConfigService;
    throttle = new LoginThrottle(redis, config);
  });
  afterAll(() => redis.onApplicationShutdown());

  const refused = async (account: string, ip: string) => {
    const error = await throttle.assertAllowed(account, ip).then(() => null, (e: unknown) => e);
    return error instanceof DomainError && error.code === 'RATE_LIMITED' ? error : null;
  };

  it('blocks an address after its failures across many accounts, but not other addresses', async () => {
    const ip = `198.51.100.${Math.floor(Math.random() * 200)}-${randomUUID()}`;
    for (let i = 0; i < 5; i++) {
      expect(await refused(`acme:user${i}@x.example`, ip)).toBeNull();
      await throttle.recordFailure(`acme:user${i}@x.example`, ip);
    }
    const error = await refused('acme:fresh@x.example', ip);
    expect(error?.details?.['retryAfter']).toBeGreaterThan(3000);
    expect(await refused('acme:fresh@x.example', `other-${randomUUID()}`)).toBeNull();
  });

  it('blocks an account after its failures from any address, and a success clears the count', async () => {
    const account = `acme:${randomUUID()}@x.example`;
    await throttle.recordFailure(account, `a-${randomUUID()}`);
    await throttle.recordFailure(account, `b-${randomUUID()}`);
    await throttle.recordSuccess(account);
    for (let i = 0; i < 3; i++) await throttle.recordFailure(account, `c-${randomUUID()}`);
    const error = await refused(account, `d-${randomUUID()}`);
    expect(error?.details?.['retryAfter']).toBeGreaterThan(800);
    expect(error?.details?.['retryAfter']).toBeLessThanOrEqual(900);
  });
});
