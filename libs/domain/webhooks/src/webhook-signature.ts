import { createHmac, randomBytes } from 'node:crypto';

// A delivery is signed with the endpoint's secret: `Leasehold-Signature: v1=<hex HMAC-SHA256 of
// "<timestamp>.<body>">`, where `<timestamp>` is the `Leasehold-Timestamp` header (Unix seconds).
// The receiver verifies with `verifyLeaseholdWebhook` (docs/webhooks.md).

export const WEBHOOK_SECRET_PREFIX = 'whsec_';

/** A new endpoint secret: `whsec_` and 32 random bytes, base64url. The HMAC key is the whole string (UTF-8). */
export function generateWebhookSecret(): string {
  return `${WEBHOOK_SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function signWebhookPayload(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}
