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
// every request (or letting every request through). Claiming a hot key's points several at a
// time (ClaimedWindow) must not let anyone past the limit: two processes (two RequestRateLimits on
// their own Redis connections, as two replicas) hammering one credential together admit no more
// than its limit, and a hot key costs far fewer Redis commands than requests.
describe('RequestRateLimits (Redis)', () => {
  const redises: RedisService[] = [];

  /** A process's limits, on its own Redis connection, with these settings over the defaults. */
  async function replica(values: Record<string, number>): Promise<{ limits: RequestRateLimits; redis: RedisService }> {
    const moduleRef = await Test.createTestingModule({ imports: [ConfigModule, RedisModule] }).compile();
    const redis = moduleRef.get(RedisService);
    redises.push(redis);
    const real = moduleRef.get(ConfigService);
    const config = { get: (key: string) => values[key] ?? real.get(key as never) } as unknown as ConfigService;
    const vendors = { vendorOfApiKey: () => Promise.resolve(null) } as unknown as VendorsService;
    const devices = { vendorOfHash: () => Promise.resolve(null) } as unknown as ContainerCredentialsService;
    return { limits: new RequestRateLimits(redis, config, vendors, devices), redis };
  }
  afterEach(async () => {
    await Promise.all(redises.splice(0).map((r) => r.onApplicationShutdown()));
  });

  const outcome = (limits: RequestRateLimits, token: string, ip = `ip-${randomUUID()}`) =>
    limits.admit('device', token, ip).then(
      () => 'ok',
      (e: unknown) => (e instanceof DomainError ? e.code : Promise.reject(e)),
    );
  const small = { RATE_LIMIT_DEVICE_PER_CREDENTIAL: 5, RATE_LIMIT_DEVICE_PER_IP: 1000 };

  it('refuses a credential over its limit from memory, without asking Redis again', async () => {
    const { limits, redis } = await replica(small);
    const token = `token-${randomUUID()}`;
    for (let i = 0; i < 5; i++) expect(await outcome(limits, token)).toBe('ok');
    // Redis gone: the blocked credential is still refused (from memory), not let through.
    redis.client.disconnect();
    const started = Date.now();
    expect(await outcome(limits, token)).toBe('RATE_LIMITED');
    expect(Date.now() - started).toBeLessThan(200);
  });

  it('falls back to counting in memory when Redis is unreachable', async () => {
    const { limits, redis } = await replica(small);
    redis.client.disconnect();
    const token = `token-${randomUUID()}`;
    const results: string[] = [];
    for (let i = 0; i < 7; i++) results.push(await outcome(limits, token));
    expect(results).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'RATE_LIMITED', 'RATE_LIMITED']);
  });

  it('two replicas hammering one credential admit no more than its limit together (and nearly all of it)', async () => {
    const settings = { RATE_LIMIT_DEVICE_PER_CREDENTIAL: 400, RATE_LIMIT_DEVICE_PER_IP: 1_000_000 };
    const [a, b] = [await replica(settings), await replica(settings)];
    const token = `token-${randomUUID()}`;
    const ip = `ip-${randomUUID()}`;
    const answers: string[] = [];
    // Waves of concurrent requests through both, as a hot enterprise credential behind a balancer.
    for (let wave = 0; wave < 12; wave++) {
      const batch = await Promise.all(
        Array.from({ length: 100 }, (_, i) => outcome(i % 3 === wave % 3 ? b.limits : a.limits, token, ip)),
      );
      answers.push(...batch);
    }
    const admitted = answers.filter((x) => x === 'ok').length;
    expect(answers.filter((x) => x !== 'ok' && x !== 'RATE_LIMITED')).toEqual([]);
    expect(admitted).toBeLessThanOrEqual(400);
    // Points one replica claimed and had not used when the other reached the limit: a few at most.
    expect(admitted).toBeGreaterThanOrEqual(390);
  });

  it('one replica admits exactly its limit, then refuses from memory', async () => {
    const { limits, redis } = await replica({ RATE_LIMIT_DEVICE_PER_CREDENTIAL: 250, RATE_LIMIT_DEVICE_PER_IP: 1e6 });
    const token = `token-${randomUUID()}`;
    const ip = `ip-${randomUUID()}`;
    const answers: string[] = [];
    for (let i = 0; i < 300; i++) answers.push(await outcome(limits, token, ip));
    expect(answers.filter((x) => x === 'ok')).toHaveLength(250);
    expect(answers.slice(250)).toEqual(Array.from({ length: 50 }, () => 'RATE_LIMITED'));
    const sent = jest.spyOn(redis.client, 'sendCommand');
    expect(await outcome(limits, token, ip)).toBe('RATE_LIMITED');
    expect(sent).not.toHaveBeenCalled();
  });

  it('a hot key costs a Redis command per claim, not per request', async () => {
    const { limits, redis } = await replica({ RATE_LIMIT_DEVICE_PER_CREDENTIAL: 1e6, RATE_LIMIT_DEVICE_PER_IP: 1e6 });
    const token = `token-${randomUUID()}`;
    const ip = `ip-${randomUUID()}`;
    await outcome(limits, token, ip);
    const sent = jest.spyOn(redis.client, 'sendCommand');
    for (let i = 0; i < 1_000; i++) expect(await outcome(limits, token, ip)).toBe('ok');
    // Two counters a request: 2,000 commands when every request asks Redis.
    expect(sent.mock.calls.length).toBeLessThan(100);
    // Redis counted at least every admitted request of both counters.
    const counted = await Promise.all(
      ['device-credential', 'device-ip'].map(async (name) => {
        const keys = await redis.client.keys(`${redis.key('rate', name)}:*`);
        const values = await Promise.all(keys.map((k) => redis.client.get(k)));
        return Math.max(...values.map(Number));
      }),
    );
    expect(counted[0]).toBeGreaterThanOrEqual(1_001);
    expect(counted[1]).toBeGreaterThanOrEqual(1_001);
  });
});
