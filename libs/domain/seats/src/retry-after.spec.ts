import { retryAfterSeconds } from './retry-after';

describe('retryAfterSeconds', () => {
  it('waits for the soonest expiry when it comes before the expected turnover', () => {
    expect(retryAfterSeconds({ inUse: 2, soonestExpiryInSeconds: 12.2, leaseTtlSeconds: 3600 })).toBe(13);
  });

  it('expects one of many seats to free every ttl/inUse seconds', () => {
    expect(retryAfterSeconds({ inUse: 100, soonestExpiryInSeconds: 3000, leaseTtlSeconds: 3600 })).toBe(36);
  });

  it('never answers less than one second, nor more than one lease TTL', () => {
    expect(retryAfterSeconds({ inUse: 1, soonestExpiryInSeconds: 0.01, leaseTtlSeconds: 60 })).toBe(1);
    expect(retryAfterSeconds({ inUse: 1, soonestExpiryInSeconds: 7 * 86400, leaseTtlSeconds: 60 })).toBe(60);
    expect(retryAfterSeconds({ inUse: 0, soonestExpiryInSeconds: null, leaseTtlSeconds: 600 })).toBe(600);
  });
});
