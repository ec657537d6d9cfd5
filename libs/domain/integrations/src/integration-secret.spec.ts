import { createHmac, randomBytes } from 'node:crypto';
import {
  decryptIntegrationSecret,
  encryptIntegrationSecret,
  generateIntegrationSecret,
  inboundSignatureMatches,
  signInboundEvent,
  timestampProblem,
} from './integration-secret';

describe('integration secrets and inbound signatures', () => {
  const platformKey = randomBytes(32);

  it('encrypts a secret bound to its vendor, integration and version', () => {
    const secret = generateIntegrationSecret();
    expect(secret).toMatch(/^lhi_[A-Za-z0-9_-]{43}$/);
    const encrypted = encryptIntegrationSecret(platformKey, secret, 'vendor-a', 'int-1', 1);
    expect(encrypted).not.toContain(secret);
    expect(decryptIntegrationSecret(platformKey, encrypted, 'vendor-a', 'int-1', 1)).toBe(secret);
    expect(() => decryptIntegrationSecret(platformKey, encrypted, 'vendor-b', 'int-1', 1)).toThrow();
    expect(() => decryptIntegrationSecret(platformKey, encrypted, 'vendor-a', 'int-2', 1)).toThrow();
    expect(() => decryptIntegrationSecret(platformKey, encrypted, 'vendor-a', 'int-1', 2)).toThrow();
    expect(() => decryptIntegrationSecret(randomBytes(32), encrypted, 'vendor-a', 'int-1', 1)).toThrow();
  });

  it('signs "<timestamp>.<raw body>" with HMAC-SHA256, as the documentation shows', () => {
    const body = '{"id":"evt_1","type":"customer.updated","data":{}}';
    const expected = createHmac('sha256', 'lhi_secret').update(`1700000000.${body}`).digest('hex');
    expect(signInboundEvent('lhi_secret', '1700000000', body)).toBe(`v1=${expected}`);
    expect(inboundSignatureMatches('lhi_secret', '1700000000', Buffer.from(body), `v1=${expected}`)).toBe(true);
    expect(inboundSignatureMatches('lhi_secret', '1700000000', Buffer.from(body), `v1=deadbeef, v1=${expected}`)).toBe(
      true,
    );
  });

  it('refuses another body, timestamp, secret, scheme or a missing header', () => {
    const body = '{"a":1}';
    const signature = signInboundEvent('s', '100', body);
    expect(inboundSignatureMatches('s', '100', '{"a":2}', signature)).toBe(false);
    expect(inboundSignatureMatches('s', '101', body, signature)).toBe(false);
    expect(inboundSignatureMatches('t', '100', body, signature)).toBe(false);
    expect(inboundSignatureMatches('s', '100', body, signature.replace('v1=', 'v0='))).toBe(false);
    expect(inboundSignatureMatches('s', '100', body, undefined)).toBe(false);
    expect(inboundSignatureMatches('s', '100', body, '')).toBe(false);
  });

  it('accepts timestamps up to 5 minutes old and 60 s ahead, nothing else', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const at = (offsetSeconds: number) => String(Math.floor(now.getTime() / 1000) + offsetSeconds);
    expect(timestampProblem(at(0), now)).toBeNull();
    expect(timestampProblem(at(-300), now)).toBeNull();
    expect(timestampProblem(at(60), now)).toBeNull();
    expect(timestampProblem(at(-301), now)).toMatch(/replay/);
    expect(timestampProblem(at(61), now)).toMatch(/future/);
    expect(timestampProblem(undefined, now)).toMatch(/unix time/);
    expect(timestampProblem('2026-01-01T00:00:00Z', now)).toMatch(/unix time/);
    expect(timestampProblem(`${at(0)}000`, now)).not.toBeNull(); // milliseconds by mistake
  });
});
