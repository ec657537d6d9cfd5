import type { DomainEventType } from '@leasehold/domain-events';

export type WebhookEndpointStatus = 'ACTIVE' | 'DISABLED';
export type WebhookDeliveryStatus = 'PENDING' | 'SUCCEEDED' | 'FAILED';

/** An endpoint subscribes to event types of the catalogue, or to all of them with "*". */
export type WebhookEventSelector = DomainEventType | '*';

export interface WebhookEndpointView {
  id: string;
  url: string;
  description: string | null;
  eventTypes: string[];
  status: WebhookEndpointStatus;
  disabledAt: Date | null;
  disabledReason: string | null;
  /** Deliveries given up in a row since the last successful attempt. */
  consecutiveFailures: number;
  /** When the current run of failures began; null while healthy. */
  failingSince: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Returned once, at creation and on rotation: the only time the secret is shown. */
export interface WebhookEndpointWithSecret extends WebhookEndpointView {
  secret: string;
}

export interface WebhookDeliveryView {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  nextAttemptAt: Date | null;
  lastAttemptAt: Date | null;
  lastStatusCode: number | null;
  lastError: string | null;
  completedAt: Date | null;
  createdAt: Date;
}

export interface WebhookAttemptView {
  number: number;
  startedAt: Date;
  durationMs: number;
  succeeded: boolean;
  statusCode: number | null;
  responseExcerpt: string | null;
  error: string | null;
}

export interface WebhookDeliveryDetail extends WebhookDeliveryView {
  attemptLog: WebhookAttemptView[];
}

export interface CreateWebhookEndpointInput {
  url: string;
  eventTypes: WebhookEventSelector[];
  description?: string | null;
}

export interface UpdateWebhookEndpointInput {
  url?: string;
  eventTypes?: WebhookEventSelector[];
  description?: string | null;
  status?: WebhookEndpointStatus;
}

/** The JSON body of every delivery. */
export interface WebhookPayload {
  id: string;
  type: string;
  createdAt: string;
  vendorId: string;
  data: Record<string, unknown>;
}

/** What the relay hands over to fan out: one published event. */
export interface FanOutEvent {
  id: string;
  vendorId: string;
  type: string;
  aggregateId: string;
}
