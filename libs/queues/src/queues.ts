import type { JobsOptions } from 'bullmq';

// Queue names, job payloads and default job options: the one contract between the APIs (which
// enqueue) and the worker (which processes). Jobs carry ids, never objects.

export const QUEUES = {
  maintenance: 'maintenance',
  erpIntake: 'erp-intake',
  renewals: 'renewals',
  outbox: 'outbox',
  webhookDelivery: 'webhook-delivery',
  leases: 'leases',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export const MAINTENANCE_JOBS = {
  purgeEndedApiKeys: 'purge-ended-api-keys',
  purgeIdempotencyRecords: 'purge-idempotency-records',
  /** Deletes domain events published more than DOMAIN_EVENT_RETENTION_DAYS ago (deliveries finished). */
  purgeDeliveredEvents: 'purge-delivered-events',
} as const;

/** Periodic maintenance jobs carry no payload: each run looks at the database as it is then. */
export type MaintenanceJobName = (typeof MAINTENANCE_JOBS)[keyof typeof MAINTENANCE_JOBS];

export const ERP_INTAKE_JOBS = {
  /** Processes one stored inbound ERP/CRM event: `{ vendorId, inboundEventId }`. */
  process: 'process-inbound-event',
  /** Periodic safety net: enqueues RECEIVED events whose job was lost (e.g. Redis down at intake). */
  dispatchReceived: 'dispatch-received',
} as const;

export type ErpIntakeJobName = (typeof ERP_INTAKE_JOBS)[keyof typeof ERP_INTAKE_JOBS];

export interface InboundEventJobData {
  vendorId: string;
  inboundEventId: string;
}

/** One job per stored event: a second enqueue of the same event (intake + sweep) is ignored by BullMQ. */
export function inboundEventJobId(inboundEventId: string): string {
  return `inbound-${inboundEventId}`;
}

export const RENEWAL_JOBS = {
  /** Does what is due now for one license and one term: `{ vendorId, licenseId, termEnd }`. */
  check: 'check-license',
  /** Periodic safety net: schedules checks for every license whose renewal or expiry is near or missed. */
  sweep: 'sweep',
} as const;

export type RenewalJobName = (typeof RENEWAL_JOBS)[keyof typeof RENEWAL_JOBS];

export interface RenewalCheckJobData {
  vendorId: string;
  licenseId: string;
  /** ISO time: the `expiresAt` the job was scheduled for; a license whose expiry changed ignores it. */
  termEnd: string;
}

/**
 * Derived from the license, the term (its expiresAt) and the moment (due, expiry, a sweep slot), so
 * scheduling the same check twice queues it once, and a changed expiry gets its own new job.
 */
export function renewalCheckJobId(licenseId: string, termEnd: Date, moment: string): string {
  return `renewal-${licenseId}-${termEnd.getTime()}-${moment}`;
}

export const OUTBOX_JOBS = {
  /** Publishes unpublished domain events (periodic, every second; carries no payload). */
  relay: 'relay',
} as const;

export type OutboxJobName = (typeof OUTBOX_JOBS)[keyof typeof OUTBOX_JOBS];

export const WEBHOOK_JOBS = {
  /** One attempt of one delivery: `{ vendorId, deliveryId }`. */
  deliver: 'deliver',
  /** Periodic safety net: enqueues every PENDING delivery that is due (lost jobs, redeliveries). */
  dispatchDue: 'dispatch-due',
} as const;

export type WebhookJobName = (typeof WEBHOOK_JOBS)[keyof typeof WEBHOOK_JOBS];

export interface WebhookDeliveryJobData {
  /** The delivery's vendor: with the id, its primary key (absent from jobs queued before it was added). */
  vendorId?: string;
  deliveryId: string;
}

/**
 * Delivery jobs are not retried by BullMQ: the retry schedule (≥ 24 h) lives in Postgres
 * (`webhook_deliveries.nextAttemptAt`), so losing Redis loses no retry. The job id is
 * `deliver-<deliveryId>-<due time in ms>`, so one due attempt is never queued twice at once, while
 * a redelivery (a new due time) is a new job.
 */
export const WEBHOOK_DELIVERY_JOB_OPTIONS: JobsOptions = { attempts: 1, removeOnComplete: true, removeOnFail: true };

export function webhookDeliveryJobId(deliveryId: string, dueAt: Date): string {
  return `deliver-${deliveryId}-${dueAt.getTime()}`;
}

export const LEASE_JOBS = {
  /** Periodic: records the end of expired leases (EXPIRED) and empties their seat slots; no payload. */
  sweepExpired: 'sweep-expired',
  /**
   * Periodic: writes the per-license hourly and daily usage aggregates of the hours closed since
   * the last run (docs/usage.md). Payload optional: `{ from, to }` (ISO) recomputes those hours.
   */
  aggregateUsage: 'aggregate-usage',
  /** Periodic: lapses wait-queue tickets not renewed or not claimed in time, serves queues beside free seats; no payload. */
  sweepSeatQueues: 'sweep-seat-queues',
} as const;

/** `aggregate-usage` with a range: recompute exactly these hours (an operator's repair). */
export interface AggregateUsageJobData {
  from?: string;
  to?: string;
}

export type LeaseJobName = (typeof LEASE_JOBS)[keyof typeof LEASE_JOBS];

export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { age: 24 * 3600, count: 1_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};
