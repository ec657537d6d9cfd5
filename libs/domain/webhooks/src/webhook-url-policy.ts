import { BlockList, isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

// Where a webhook may point. A vendor-chosen URL is fetched from inside our network, so it must not
// reach the cloud metadata service, link-local or (in production) private and loopback addresses.
// Checked when the URL is saved and again for every address the host name resolves to at delivery
// time (the resolved address is the one connected to, so a DNS answer cannot change in between).

/** Never allowed: "this network", link-local (incl. 169.254.169.254 metadata), multicast, broadcast, metadata IPv6. */
const ALWAYS_BLOCKED = new BlockList();
ALWAYS_BLOCKED.addSubnet('0.0.0.0', 8, 'ipv4');
ALWAYS_BLOCKED.addSubnet('169.254.0.0', 16, 'ipv4');
ALWAYS_BLOCKED.addSubnet('224.0.0.0', 4, 'ipv4');
ALWAYS_BLOCKED.addSubnet('240.0.0.0', 4, 'ipv4');
ALWAYS_BLOCKED.addAddress('::', 'ipv6');
ALWAYS_BLOCKED.addSubnet('fe80::', 10, 'ipv6');
ALWAYS_BLOCKED.addSubnet('ff00::', 8, 'ipv6');
ALWAYS_BLOCKED.addAddress('fd00:ec2::254', 'ipv6');
// Teredo tunnels to an (obfuscated) IPv4 address of anyone's choosing.
ALWAYS_BLOCKED.addSubnet('2001::', 32, 'ipv6');

/** Allowed outside production only (local test servers): loopback, private, CGNAT, unique-local. */
const PRIVATE = new BlockList();
PRIVATE.addSubnet('127.0.0.0', 8, 'ipv4');
PRIVATE.addSubnet('10.0.0.0', 8, 'ipv4');
PRIVATE.addSubnet('172.16.0.0', 12, 'ipv4');
PRIVATE.addSubnet('192.168.0.0', 16, 'ipv4');
PRIVATE.addSubnet('100.64.0.0', 10, 'ipv4');
PRIVATE.addSubnet('198.18.0.0', 15, 'ipv4');
PRIVATE.addAddress('::1', 'ipv6');
PRIVATE.addSubnet('fc00::', 7, 'ipv6');
// Site-local (deprecated, but still routed inside some networks).
PRIVATE.addSubnet('fec0::', 10, 'ipv6');
// Local-use NAT64 (RFC 8215): translates to whatever IPv4 the local network decides.
PRIVATE.addSubnet('64:ff9b:1::', 48, 'ipv6');

const METADATA_HOSTS = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
]);
const LOCAL_HOSTS = /^(localhost|.*\.localhost|.*\.local|.*\.internal)$/;

export interface WebhookUrlRules {
  /** Production: https only, no private or loopback targets. */
  production: boolean;
}

export type WebhookUrlVerdict = { allowed: true; url: URL } | { allowed: false; reason: string };

/**
 * The IPv4 address an IPv6 address reaches, for the forms that embed one: IPv4-mapped
 * (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d, deprecated but still routed by some stacks), NAT64
 * (64:ff9b::/96, the gateway connects to the embedded address) and 6to4 (2002:AABB:CCDD::/48, the
 * relay connects to AA.BB.CC.DD). Other addresses come back as they are, normalised.
 */
export function unmapped(address: string): { address: string; family: 'ipv4' | 'ipv6' } {
  if (isIP(address) === 4) return { address, family: 'ipv4' };
  const parsed = ipaddr.IPv6.parse(address.replace(/%.*$/, ''));
  const bytes = parsed.toByteArray();
  const v4 = (from: number) => ({ address: bytes.slice(from, from + 4).join('.'), family: 'ipv4' as const });
  const zeros = (from: number, to: number) => bytes.slice(from, to).every((b) => b === 0);
  if (parsed.isIPv4MappedAddress()) return v4(12);
  // ::a.b.c.d, but not :: (unspecified) and ::1 (loopback), which stay IPv6 and have their own rules.
  if (zeros(0, 12) && !(zeros(12, 15) && bytes[15] <= 1)) return v4(12);
  if (parsed.match(ipaddr.IPv6.parse('64:ff9b::'), 96)) return v4(12);
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return v4(2);
  return { address: parsed.toNormalizedString(), family: 'ipv6' };
}

/** Why a resolved address may not receive webhooks, or null when it may. */
export function blockedAddressReason(address: string, rules: WebhookUrlRules): string | null {
  if (!isIP(address)) return `"${address}" is not an IP address`;
  const { address: ip, family } = unmapped(address);
  const embeds = ip !== address.toLowerCase() && family === 'ipv4' ? ` (it reaches ${ip})` : '';
  if (ALWAYS_BLOCKED.check(ip, family))
    return `${address} is a link-local, metadata, multicast or unspecified address${embeds}`;
  if (rules.production && PRIVATE.check(ip, family)) return `${address} is a private or loopback address${embeds}`;
  return null;
}

/** Checks a webhook URL as written (scheme, credentials, host name, literal addresses). */
export function checkWebhookUrl(raw: string, rules: WebhookUrlRules): WebhookUrlVerdict {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { allowed: false, reason: 'not an absolute URL' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return { allowed: false, reason: 'the scheme must be https' };
  if (rules.production && url.protocol !== 'https:') return { allowed: false, reason: 'the scheme must be https' };
  if (url.username || url.password) return { allowed: false, reason: 'the URL may not contain credentials' };
  if (url.hash) return { allowed: false, reason: 'the URL may not contain a fragment' };
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (!host) return { allowed: false, reason: 'the URL has no host' };
  if (METADATA_HOSTS.has(host)) return { allowed: false, reason: `${host} is a metadata service` };
  if (isIP(host)) {
    const reason = blockedAddressReason(host, rules);
    return reason ? { allowed: false, reason } : { allowed: true, url };
  }
  if (rules.production && (LOCAL_HOSTS.test(host) || !host.includes('.')))
    return { allowed: false, reason: `${host} is not a public host name` };
  return { allowed: true, url };
}
