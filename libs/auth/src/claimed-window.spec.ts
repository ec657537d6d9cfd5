import { randomUUID } from 'node:crypto';
import { Test } from '@nestjs/testing';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import { ConfigModule } from '@leasehold/config';
import { RedisModule, RedisService } from '@leasehold/redis';
import { ClaimedWindow, WindowExhausted } from './claimed-window';

// A window's claims on the real Redis: a process drops what it claimed when the window ends, a
// wall clock turned back extends nothing, and a refusal says how long the window has left. (Claims
// shared by two replicas, and their Redis commands: request-rate-limits.spec.ts.)
describe('ClaimedWindow (rate limits claimed several points at a time)', () => {
  const redises: RedisService[] = [];

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
