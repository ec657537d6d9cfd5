import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { verifyLeaseholdWebhook } from './verify-webhook-signature';
import { DEFAULT_WEBHOOK_DELIVERY_POLICY, nextRetryDelayMs, retryWindowMs } from './webhook-delivery-policy';
import { decryptWebhookSecret, encryptWebhookSecret } from './webhook-secret-cipher';
import { guardedLookup } from './webhook-sender';
import { generateWebhookSecret, signWebhookPayload } from './webhook-signature';
import { blockedAddressReason, checkWebhookUrl } from './webhook-url-policy';

const ROOT = join(__dirname, '../../../..');

describe('the documented verification snippet', () => {
  it('is exactly the verifier the tests use', () => {
    const source = readFileSync(join(__dirname, 'verify-webhook-signature.ts'), 'utf8').trim();
    const doc = readFileSync(join(ROOT, 'docs/webhooks.md'), 'utf8');
    expect(doc).toContain('```ts\n' + source + '\n```');
  });

  it('accepts what signWebhookPayload signs, and nothing altered', () => {
    const secret = generateWebhookSecret();
    const body = JSON.stringify({ id: 'e1', type: 'license.created', data: { n: 1 } });
    const ts = 1_800_000_000;
    const sig = signWebhookPayload(secret, ts, body);
    expect(verifyLeaseholdWebhook(secret, body, String(ts), sig, 300, ts)).toBe(true);
    expect(verifyLeaseholdWebhook(secret, Buffer.from(body), String(ts), sig, 300, ts + 299)).toBe(true);
    expect(verifyLeaseholdWebhook(secret, body, String(ts), `v1=${'0'.repeat(64)} ${sig}`, 300, ts)).toBe(true);
    expect(verifyLeaseholdWebhook(secret, body + ' ', String(ts), sig, 300, ts)).toBe(false);
    expect(verifyLeaseholdWebhook(secret, body, String(ts + 1), sig, 300, ts)).toBe(false);
    expect(verifyLeaseholdWebhook(secret, body, String(ts), sig, 300, ts + 301)).toBe(false);
    expect(verifyLeaseholdWebhook(generateWebhookSecret(), body, String(ts), sig, 300, ts)).toBe(false);
    expect(verifyLeaseholdWebhook(secret, body, undefined, sig, 300, ts)).toBe(false);
    expect(verifyLeaseholdWebhook(secret, body, '12abc', sig, 300, ts)).toBe(false);
    expect(verifyLeaseholdWebhook(secret, body, String(ts), sig.slice(0, -2), 300, ts)).toBe(false);
    expect(verifyLeaseholdWebhook(secret, body, String(ts), sig.replace('v1=', 'v0='), 300, ts)).toBe(false);
  });
});

describe('retry schedule', () => {
  it('retries for more than 24 hours with growing waits, then gives up', () => {
    const policy = DEFAULT_WEBHOOK_DELIVERY_POLICY;
    expect(retryWindowMs(policy)).toBeGreaterThan(24 * 3_600_000);
    const waits = policy.retryDelaysMs.map((_, i) => nextRetryDelayMs(policy, i + 1, () => 0)!);
    for (let i = 1; i < waits.length; i++) expect(waits[i]).toBeGreaterThanOrEqual(waits[i - 1]);
    expect(waits[0]).toBe(10_000);
    expect(nextRetryDelayMs(policy, policy.retryDelaysMs.length + 1)).toBeNull();
  });

  it('adds jitter of up to the policy fraction, never shortening a wait', () => {
    const policy = DEFAULT_WEBHOOK_DELIVERY_POLICY;
    expect(nextRetryDelayMs(policy, 1, () => 0)).toBe(10_000);
    expect(nextRetryDelayMs(policy, 1, () => 0.999)).toBe(Math.round(10_000 * (1 + 0.2 * 0.999)));
    const samples = Array.from({ length: 200 }, () => nextRetryDelayMs(policy, 2)!);
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(60_000);
    expect(Math.max(...samples)).toBeLessThanOrEqual(72_000);
    expect(new Set(samples).size).toBeGreaterThan(1);
  });
});

describe('webhook URL rules', () => {
  const prod = { production: true };
  const dev = { production: false };

  it.each([
    ['https://erp.example.com/hooks', true, true],
    ['http://erp.example.com/hooks', false, true],
    ['https://127.0.0.1/hooks', false, true],
    ['http://localhost:3000/hooks', false, true],
    ['https://10.1.2.3/hooks', false, true],
    ['https://[::1]/hooks', false, true],
    ['https://[fd12::1]/hooks', false, true],
    ['https://169.254.169.254/latest', false, false],
    ['https://[fd00:ec2::254]/latest', false, false],
    ['https://[fe80::1]/hooks', false, false],
    ['https://[::ffff:a9fe:a9fe]/latest', false, false],
    ['https://[::ffff:127.0.0.1]/hooks', false, true],
    ['https://metadata.google.internal/computeMetadata', false, false],
    ['https://printer.local/hooks', false, true],
    ['https://intranet/hooks', false, true],
    ['https://user:pw@erp.example.com/', false, false],
    ['ftp://erp.example.com/', false, false],
    ['not a url', false, false],
  ])('%s: production %s, elsewhere %s', (url, inProduction, elsewhere) => {
    expect(checkWebhookUrl(url, prod).allowed).toBe(inProduction);
    expect(checkWebhookUrl(url, dev).allowed).toBe(elsewhere);
  });

  // IPv6 forms that embed an IPv4 address reach that address (through the host,
  // a NAT64 gateway or a 6to4 relay), so they are judged as it; site-local is private.
  it.each([
    ['64:ff9b::7f00:1', 'NAT64 of 127.0.0.1', 'private'],
    ['64:ff9b::a9fe:a9fe', 'NAT64 of the metadata address', 'link-local'],
    ['64:ff9b::10.0.0.5', 'NAT64 of 10.0.0.5', 'private'],
    ['::127.0.0.1', 'IPv4-compatible loopback', 'private'],
    ['::a9fe:a9fe', 'IPv4-compatible metadata address', 'link-local'],
    ['::192.168.1.1', 'IPv4-compatible private address', 'private'],
    ['2002:7f00:1::', '6to4 of 127.0.0.1', 'private'],
    ['2002:a9fe:a9fe::1', '6to4 of the metadata address', 'link-local'],
    ['2002:c0a8:0101::1', '6to4 of 192.168.1.1', 'private'],
    ['fec0::1', 'site-local', 'private'],
    ['FEC0:0:0:1::1', 'site-local (upper case)', 'private'],
    ['64:ff9b:1::a00:1', 'local-use NAT64', 'private'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo', 'link-local'],
  ])('refuses %s (%s) in production', (address, _label, rule) => {
    expect(blockedAddressReason(address, prod)).toMatch(new RegExp(rule));
    expect(checkWebhookUrl(`https://[${address}]/hooks`, prod)).toMatchObject({
      allowed: false,
      reason: expect.stringMatching(new RegExp(rule)),
    });
  });

  it('still allows public addresses behind the same forms, and keeps the link-local ones blocked outside production', () => {
    expect(blockedAddressReason('64:ff9b::5db8:d822', prod)).toBeNull(); // NAT64 of 93.184.216.34
    expect(blockedAddressReason('2002:5db8:d822::1', prod)).toBeNull(); // 6to4 of 93.184.216.34
    expect(blockedAddressReason('2606:4700::6810:84e5', prod)).toBeNull();
    expect(blockedAddressReason('64:ff9b::a9fe:a9fe', dev)).toMatch(/link-local/);
    expect(blockedAddressReason('::ffff:169.254.169.254', dev)).toMatch(/link-local/);
    expect(blockedAddressReason('::1', prod)).toMatch(/private or loopback/);
    expect(blockedAddressReason('::', dev)).toMatch(/unspecified/);
  });

  it('judges resolved addresses the same way', () => {
    expect(blockedAddressReason('93.184.216.34', prod)).toBeNull();
    expect(blockedAddressReason('192.168.1.10', prod)).toMatch(/private/);
    expect(blockedAddressReason('192.168.1.10', dev)).toBeNull();
    expect(blockedAddressReason('169.254.10.1', dev)).toMatch(/link-local/);
  });

  it('refuses at connect time a host name that resolves to a blocked address', async () => {
    const lookup = guardedLookup(prod);
    const error = await new Promise<Error | null>((resolve) => lookup('localhost', {}, (err) => resolve(err)));
    expect(error?.message).toMatch(/localhost resolves to a blocked address/);
    const ok = await new Promise<Error | null>((resolve) => guardedLookup(dev)('localhost', {}, (err) => resolve(err)));
    expect(ok).toBeNull();
  });
});

describe('secret encryption', () => {
  it('round-trips for its vendor only, and hides the secret', () => {
    const key = Buffer.alloc(32, 7);
    const secret = generateWebhookSecret();
    const stored = encryptWebhookSecret(key, secret, 'vendor-a');
    expect(stored).not.toContain(secret.slice(6));
    expect(decryptWebhookSecret(key, stored, 'vendor-a')).toBe(secret);
    expect(() => decryptWebhookSecret(key, stored, 'vendor-b')).toThrow();
    expect(() => decryptWebhookSecret(Buffer.alloc(32, 8), stored, 'vendor-a')).toThrow();
  });
});
