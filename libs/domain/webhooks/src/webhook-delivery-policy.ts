// How hard the worker tries: a retry schedule that spans more than a day, jitter so that an
// endpoint coming back is not hit by every retry at once, and when a failing endpoint is switched
// off. Injected under a token so tests can use a schedule of milliseconds.

export interface WebhookDeliveryPolicy {
  /** Wait after the 1st, 2nd, … failed attempt. A delivery makes `retryDelaysMs.length + 1` attempts, then FAILS. */
  retryDelaysMs: readonly number[];
  /** Each wait is stretched by up to this fraction at random (0.2 → up to +20 %), never shortened. */
  jitter: number;
  /** One attempt gives up after this long (connect + response). */
  timeoutMs: number;
  /** Disable an endpoint after this many deliveries in a row were given up (FAILED)… */
  disableAfterConsecutiveFailures: number;
  /** …or once it has failed every attempt for this long, whichever comes first. */
  disableAfterFailingForMs: number;
  /** How much of a response body each attempt keeps for the delivery log. */
  responseExcerptBytes: number;
}

export const WEBHOOK_DELIVERY_POLICY = Symbol('WEBHOOK_DELIVERY_POLICY');

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** 10 s, 1 min, 5 min, 30 min, 2 h, 6 h, 12 h, 12 h: nine attempts over about 32.6 hours (before jitter). */
export const DEFAULT_WEBHOOK_DELIVERY_POLICY: WebhookDeliveryPolicy = {
  retryDelaysMs: [10 * SECOND, MINUTE, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 6 * HOUR, 12 * HOUR, 12 * HOUR],
  jitter: 0.2,
  timeoutMs: 10 * SECOND,
  disableAfterConsecutiveFailures: 20,
  disableAfterFailingForMs: 24 * HOUR,
  responseExcerptBytes: 1_024,
};

/**
 * The wait before the next attempt after `failedAttempts` failures in a row (1 = the first attempt
 * failed), or null when the schedule is used up and the delivery is given up.
 */
export function nextRetryDelayMs(
  policy: WebhookDeliveryPolicy,
  failedAttempts: number,
  random: () => number = Math.random,
): number | null {
  const base = policy.retryDelaysMs[failedAttempts - 1];
  if (base === undefined) return null;
  return Math.round(base * (1 + policy.jitter * random()));
}

/** The longest a delivery can be retried before it is given up (no jitter). */
export function retryWindowMs(policy: WebhookDeliveryPolicy): number {
  return policy.retryDelaysMs.reduce((sum, delay) => sum + delay, 0);
}
