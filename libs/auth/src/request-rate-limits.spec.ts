import { randomUUID } from 'node:crypto';
import { Test } from '@nestjs/testing';
import { ConfigModule, ConfigService } from '@leasehold/config';
import type { ContainerCredentialsService } from '@leasehold/domain-licensing';
import type { VendorsService } from '@leasehold/domain-vendors';
import { DomainError } from '@leasehold/errors';
import { RedisModule, RedisService } from '@leasehold/redis';
import { RequestRateLimits } from './request-rate-limits';

// The limiter itself, on the real Redis: a key over its limit is refused from process memory
// (no Redis round trip), and losing Redis falls back to counting in memory instead of failing
// every request (or letting every request through).
describe('RequestRateLimits (Redis)', () => {
  let redis: RedisService;
  let limits: RequestRateLimits;

  beforeEach(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [ConfigModule, RedisModule] }).compile();
    redis = moduleRef.get(RedisService);
    const real = moduleRef.get(ConfigService);
    const values = { RATE_LIMIT_DEVICE_PER_CREDENTIAL: 5, RATE_LIMIT_DEVICE_PER_IP: 1000 } as Record<string, number>;
    const config = { get: (key: string) => values[key] ?? real.get(key as never) } as unknown as ConfigService;
    const vendors = { vendorOfApiKey: () => Promise.resolve(null) } as unknown as VendorsService;
    const devices = { vendorOfHash: () => Promise.resolve(null) } as unknown as ContainerCredentialsService;
    limits = new RequestRateLimits(redis, config, vendors, devices);
  });
  afterEach(() => redis.onApplicationShutdown());

  const outcome = (token: string, ip = `ip-${randomUUID()}`) =>
    limits.admit('device', token, ip).then(
      () => 'ok',
      (e: unknown) => (e instanceof DomainError ? e.code : Promise.reject(e)),
    );

  it('refuses a credential over its limit from memory, without asking Redis again', async () => {
    const token = `token-${randomUUID()}`;
    for (let i = 0; i < 5; i++) expect(await outcome(token)).toBe('ok');
    // Redis gone: the blocked credential is still refused (from memory), not let through.
    redis.client.disconnect();
    const started = Date.now();
    expect(await outcome(token)).toBe('RATE_LIMITED');
    expect(Date.now() - started).toBeLessThan(200);
  });

  it('falls back to counting in memory when Redis is unreachable', async () => {
    redis.client.disconnect();
    const token = `token-${randomUUID()}`;
    const results: string[] = [];
    for (let i = 0; i < 7; i++) results.push(await outcome(token));
    expect(results).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'RATE_LIMITED', 'RATE_LIMITED']);
  });
});
