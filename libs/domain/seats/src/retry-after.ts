/**
 * How long a refused checkout should wait before trying again, in whole seconds (≥ 1).
 *
 * A seat frees itself no later than the soonest expiry among the leases in use. Programs usually
 * release earlier: with `inUse` seats each held for about one lease TTL, one frees roughly every
 * `leaseTtl / inUse` seconds. The answer is the smaller of the two, capped at one lease TTL.
 */
export function retryAfterSeconds(input: {
  inUse: number;
  soonestExpiryInSeconds: number | null;
  leaseTtlSeconds: number;
}): number {
  const ttl = Math.max(1, input.leaseTtlSeconds);
  const bySoonestExpiry = input.soonestExpiryInSeconds ?? ttl;
  const byTurnover = ttl / Math.max(1, input.inUse);
  return Math.min(ttl, Math.max(1, Math.ceil(Math.min(bySoonestExpiry, byTurnover))));
}
