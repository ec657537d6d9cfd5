export type IntegrationKind = 'ERP' | 'CRM';
export type IntegrationStatus = 'ACTIVE' | 'DISABLED';
export type InboundEventStatus = 'RECEIVED' | 'PROCESSED' | 'REJECTED' | 'FAILED';

export interface IntegrationView {
  id: string;
  name: string;
  kind: IntegrationKind;
  status: IntegrationStatus;
  /** Raised by every rotation. */
  secretVersion: number;
  /** Where the ERP/CRM posts its signed events. */
  webhookPath: string;
  createdAt: Date;
  updatedAt: Date;
}

/** An integration with its HMAC secret, which is in this answer only (create, rotate). */
export interface IntegrationWithSecret extends IntegrationView {
  secret: string;
}

export interface InboundEventView {
  id: string;
  integrationId: string;
  /** The event's `id` from the body (null when the body had none). */
  externalEventId: string | null;
  /** The key deduplication used: the `Idempotency-Key` header, else the event id; null if rejected. */
  dedupKey: string | null;
  type: string | null;
  status: InboundEventStatus;
  payload: unknown;
  /** REJECTED: the field errors; FAILED or retried: the last processing error. */
  errors: unknown;
  /** PROCESSED: what the event created or changed (ids), see docs/erp-integration.md. */
  result: unknown;
  attempts: number;
  receivedAt: Date;
  processedAt: Date | null;
}

/** What the intake answers (202): the stored event, and whether it had been received before. */
export interface InboundReceipt {
  id: string;
  status: InboundEventStatus;
  duplicate: boolean;
}

export interface InboundRequest {
  integrationId: string;
  timestamp: string | undefined;
  signature: string | undefined;
  rawBody: Buffer | undefined;
  body: unknown;
}
