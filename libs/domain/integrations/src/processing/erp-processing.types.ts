import type { ErpEvent } from '../erp-events.schema';

/** What a processed event created or changed, stored on the event (`result`) for the vendor to see. */
export interface OrderCreatedResult {
  orderId: string;
  groupId: string | null;
  userId: string | null;
  /** Which of the customer records this event created (the others existed by externalId). */
  createdGroup: boolean;
  createdUser: boolean;
  containerId: string;
  lines: { lineId: string; licenseId: string; purchaseId: string | null }[];
}

export interface OrderLinesResult {
  orderId: string;
  containerId: string;
  /** Each line the event touched; `changed: false` when it already was as asked (a resend). */
  lines: { lineId: string; licenseId: string; changed: boolean }[];
}

export interface CustomerUpdatedResult {
  groupId: string | null;
  userId: string | null;
  /** externalIds named by the event that no record has yet (created by their first order). */
  unknown: string[];
}

export type ErpEventResult = OrderCreatedResult | OrderLinesResult | CustomerUpdatedResult;

export type ProcessOutcome =
  | { outcome: 'processed'; type: ErpEvent['type']; result: ErpEventResult }
  /** PROCESSED, FAILED or REJECTED before this attempt (a retried or duplicated job): nothing done. */
  | { outcome: 'skipped'; status: string }
  | { outcome: 'failed'; error: { code: string; message: string; details?: unknown } }
  | { outcome: 'missing' }
  /** The vendor is suspended: nothing done, the event stays RECEIVED until the vendor is active again. */
  | { outcome: 'deferred'; reason: 'VENDOR_SUSPENDED' };

/** ERP ids of order lines are unique within their order; ours are unique per vendor. */
export const lineExternalId = (orderId: string, lineId: string) => `${orderId}:${lineId}`;
