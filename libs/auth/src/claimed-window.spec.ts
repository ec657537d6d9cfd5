import { randomUUID } from 'node:crypto';
import { Test } from '@nestjs/testing';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import { ConfigModule, ConfigService } from '@leasehold/config';
import type { ContainerCredentialsService } from '@leasehold/domain-licensing';
import type { VendorsService } from '@leasehold/domain-vendors';
import { DomainError } from '@leasehold/errors';
import { RedisModule, RedisService } from '@leasehold/redis';
import { ClaimedWindow, WindowExhausted } from './claimed-window';
import { RequestRateLimits } from './request-rate-limits';

// Claiming a hot key's points several at a time must not let anyone past the limit: two processes
// (two RequestRateLimits on their own Redis connections, as two replicas) hammering one credential
// together admit no more than its limit, a process drops what it claimed when the window ends, and
// a hot key costs far fewer Redis commands than requests. On the real Redis.
describe('ClaimedWindow (rate limits claimed several points at a time)', () => {
  const redises: RedisService[] = [];

  async function replica(limits: Record<string, number>): Promise<{ limits: RequestRateLimits; redis: RedisService }> {
    const moduleRef = await Test.createTestingModule({ imports: [ConfigModule, RedisModule] }).compile();
    const redis = moduleRef.get(RedisService);
    redises.push(redis);
    const real = moduleRef.get(ConfigService);
    const config = { get: (key: string) => limits[key] ?? real.get(key as never) } as unknown as ConfigService;
    const vendors = { vendorOfApiKey: () => Promise.resolve(null) } as unknown as VendorsService;
    const devices = { vendorOfHash: () => Promise.resolve(null) } as unknown as ContainerCredentialsService;
    return { limits: new RequestRateLimits(redis, config, vendors, devices), redis };
  }
  afterEach(async () => {
    await Promise.all(redises.splice(0).map((r) => r.onApplicationShutdown()));
  });

  /** A window of `points` per `duration` seconds on keys of its own, with the Redis holding them. */
  async function windowOf(points: number, duration: number, insured = false) {
    const moduleRef = await Test.createTestingModule({ imports: [ConfigModule, RedisModule] }).compile();
    const redis = moduleRef.get(RedisService);
    redises.push(redis);
    const prefix = redis.key('rate-test', randomUUID());
    const store = new RateLimiterRedis({
      storeClient: redis.client,
      keyPrefix: prefix,
      points,
      duration,
      ...(insured ? { insuranceLimiter: new RateLimiterMemory({ points, duration }) } : {}),
    });
    return { window: new ClaimedWindow(store, points), redis, prefix };
  }

  const outcome = (limits: RequestRateLimits, token: string, ip: string) =>
    limits.admit('device', token, ip).then(
      () => 'ok',
      (e: unknown) => (e instanceof DomainError ? e.code : Promise.reject(e)),
    );

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

  it("drops a window's unused points when the window ends: the next window counts afresh", async () => {
    const { window, redis, prefix } = await windowOf(100, 1, true);
    for (let i = 0; i < 10; i++) await window.take('k');
    const claimed = Number(await redis.client.get(`${prefix}:k`));
    expect(claimed).toBeGreaterThan(10); // claims of 1, 2, 4, 8: more than used
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await window.take('k');
    // The new window holds just this request's claim: nothing claimed in the old one was used.
    expect(Number(await redis.client.get(`${prefix}:k`))).toBe(1);
  });

  it('a wall clock turned back keeps no refusal (or claim) past the window', async () => {
    const { window } = await windowOf(2, 1);
    const realNow = Date.now.bind(Date);
    try {
      await window.take('k');
      await window.take('k');
      await expect(Promise.resolve(window.take('k'))).rejects.toBeInstanceOf(WindowExhausted);
      jest.spyOn(Date, 'now').mockImplementation(() => realNow() - 3_600_000); // an hour back
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      await expect(Promise.resolve(window.take('k'))).resolves.toBeUndefined();
    } finally {
      jest.restoreAllMocks();
    }
  });

  it('refuses past the limit with the time left in the window', async () => {
    const { window } = await windowOf(3, 60);
    for (let i = 0; i < 3; i++) await window.take('k');
    const refusal = await Promise.resolve(window.take('k')).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(WindowExhausted);
    expect((refusal as WindowExhausted).msBeforeNext).toBeGreaterThan(50_000);
    expect((refusal as WindowExhausted).msBeforeNext).toBeLessThanOrEqual(60_000);
  });
});
