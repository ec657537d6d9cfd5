import { randomUUID } from 'node:crypto';
import { Test } from '@nestjs/testing';
import { ConfigModule, ConfigService } from '@leasehold/config';
import { DomainError } from '@leasehold/errors';
import { RedisModule, RedisService } from '@leasehold/redis';
import { LoginThrottle } from './login-throttle';

// Against the real Redis, with small limits so the test stays quick: 3 attempts per account,
// 5 per vendor+address; 2 reset requests per account, 4 per address.
describe('LoginThrottle (Redis)', () => {
  let redis: RedisService;
  let throttle: LoginThrottle;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [ConfigModule, RedisModule] }).compile();
    redis = moduleRef.get(RedisService);
    const real = moduleRef.get(ConfigService);
    const limits = {
      LOGIN_MAX_FAILURES_PER_ACCOUNT: 3,
      LOGIN_MAX_FAILURES_PER_IP: 5,
      PASSWORD_RESET_MAX_PER_ACCOUNT: 2,
      PASSWORD_RESET_MAX_PER_IP: 4,
    } as Record<string, number>;
    const config = { get: (key: string) => limits[key] ?? real.get(key as never) } as unknown as ConfigService;
    throttle = new LoginThrottle(redis, config);
  });
  afterAll(() => redis.onApplicationShutdown());

  const refusal = (attempt: Promise<void>) =>
    attempt.then(
      () => null,
      (e: unknown) => (e instanceof DomainError && e.code === 'RATE_LIMITED' ? e : Promise.reject(e)),
    );

  it('counts attempts per vendor+address before any check: the 6th from one address is refused, at that vendor only', async () => {
    const ip = `198.51.100.${randomUUID()}`;
    for (let i = 0; i < 5; i++)
      expect(await refusal(throttle.consumeLogin('acme', `user${i}@x.example`, ip))).toBeNull();
    const error = await refusal(throttle.consumeLogin('acme', 'fresh@x.example', ip));
    expect(error?.details?.['retryAfter']).toBeGreaterThan(3000);
    expect(await refusal(throttle.consumeLogin('other-vendor', 'fresh@x.example', ip))).toBeNull();
    expect(await refusal(throttle.consumeLogin('acme', 'fresh2@x.example', `other-${randomUUID()}`))).toBeNull();
  });

  it('refuses an account past its attempts from any address; a success clears the count', async () => {
    const email = `${randomUUID()}@x.example`;
    await throttle.consumeLogin('acme', email, `a-${randomUUID()}`);
    await throttle.consumeLogin('acme', email, `b-${randomUUID()}`);
    await throttle.loginSucceeded('acme', email, `b-${randomUUID()}`);
    for (let i = 0; i < 3; i++)
      expect(await refusal(throttle.consumeLogin('acme', email, `c-${randomUUID()}`))).toBeNull();
    const error = await refusal(throttle.consumeLogin('acme', email, `d-${randomUUID()}`));
    expect(error?.details?.['retryAfter']).toBeGreaterThan(800);
    expect(error?.details?.['retryAfter']).toBeLessThanOrEqual(900);
  });

  it('of 20 parallel attempts on one account, exactly the limit pass', async () => {
    const email = `${randomUUID()}@x.example`;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => refusal(throttle.consumeLogin('acme', email, `p${i}-${randomUUID()}`))),
    );
    expect(results.filter((r) => r === null)).toHaveLength(3);
  });

  it('limits reset requests per account and per address', async () => {
    const email = `${randomUUID()}@x.example`;
    expect(await refusal(throttle.consumeResetRequest('acme', email, `a-${randomUUID()}`))).toBeNull();
    expect(await refusal(throttle.consumeResetRequest('acme', email, `b-${randomUUID()}`))).toBeNull();
    expect(await refusal(throttle.consumeResetRequest('acme', email, `c-${randomUUID()}`))).not.toBeNull();
    const ip = `ip-${randomUUID()}`;
    for (let i = 0; i < 4; i++)
      expect(await refusal(throttle.consumeResetRequest('acme', `${randomUUID()}@x.example`, ip))).toBeNull();
    expect(await refusal(throttle.consumeResetRequest('other', `${randomUUID()}@x.example`, ip))).not.toBeNull();
  });
});
