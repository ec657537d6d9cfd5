import { ClockGuard } from './clock-guard';
import { LeaseholdError } from './errors';
import { MemoryStorage } from './storage';

describe('ClockGuard', () => {
  const T = Date.parse('2026-11-30T12:00:00Z');
  function guard(storage = new MemoryStorage()) {
    const clock = { wall: T, mono: 0 };
    const g = new ClockGuard({ storage, toleranceSeconds: 300, now: () => clock.wall, monotonic: () => clock.mono });
    return { g, clock, storage };
  }
  const code = (fn: () => unknown) => {
    try {
      fn();
      return 'OK';
    } catch (error) {
      return error instanceof LeaseholdError ? `${error.code}:${String(error.details['reason'])}` : String(error);
    }
  };

  it('refuses a clock earlier than a trusted server time beyond the tolerance, in this and a later process', () => {
    const { g, clock, storage } = guard();
    g.observe(new Date(T + 60_000).toISOString()); // the server is a minute ahead: within tolerance
    expect(code(() => g.now())).toBe('OK');
    expect(g.now().getTime()).toBe(T + 60_000); // never earlier than the trusted time
    g.observe(new Date(T + 3_600_000)); // an hour ahead
    expect(code(() => g.now())).toBe('CLOCK_TAMPERED:BEHIND_TRUSTED_TIME');
    const later = new ClockGuard({ storage, now: () => clock.wall });
    expect(code(() => later.now())).toBe('CLOCK_TAMPERED:BEHIND_TRUSTED_TIME');
    clock.wall = T + 3_600_000;
    expect(code(() => later.now())).toBe('OK');
  });

  it('the mark never goes down and the local clock never raises it', () => {
    const { g, clock } = guard();
    g.observe(new Date(T));
    g.observe(new Date(T - 86_400_000));
    expect(g.trustedTime?.getTime()).toBe(T);
    clock.wall = T + 30 * 86_400_000; // set forward
    clock.mono = 30 * 86_400_000;
    g.now();
    expect(g.trustedTime?.getTime()).toBe(T);
  });

  it('catches a backwards jump within the process against the monotonic clock, allowing forward jumps and the tolerance', () => {
    const { g, clock } = guard();
    expect(code(() => g.now())).toBe('OK');
    clock.mono += 10_000;
    clock.wall += 10_000 - 200_000; // back 200 s: within tolerance
    expect(code(() => g.now())).toBe('OK');
    clock.mono += 10_000;
    clock.wall -= 3_600_000; // back an hour
    expect(code(() => g.now())).toBe('CLOCK_TAMPERED:JUMPED_BACKWARDS');
    clock.wall += 3_600_000 + 10_000; // corrected
    expect(code(() => g.now())).toBe('OK');
    clock.wall += 86_400_000; // forward a day: allowed
    expect(code(() => g.now())).toBe('OK');
    clock.wall -= 86_400_000; // and back from it: caught
    expect(code(() => g.now())).toBe('CLOCK_TAMPERED:JUMPED_BACKWARDS');
  });
});

describe('return key', () => {
  it('is 32 random bytes in base64url; its hash is base64url(SHA-256(bytes)), as the server computes it', () => {
    const { createHash } = jest.requireActual<typeof import('node:crypto')>('node:crypto');
    const { createReturnKey, returnKeyHash } = jest.requireActual<typeof import('./return-key')>('./return-key');
    const { returnKey, returnKeyHash: hash } = createReturnKey();
    expect(returnKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(hash).toBe(createHash('sha256').update(Buffer.from(returnKey, 'base64url')).digest('base64url'));
    expect(returnKeyHash(returnKey)).toBe(hash);
    expect(() => returnKeyHash('short')).toThrow(TypeError);
  });
});
