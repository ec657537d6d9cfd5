import type { JobsOptions } from 'bullmq';

// Queue names, job payloads and default job options: the one contract between the APIs (which
// enqueue) and the worker (which processes). Jobs carry ids, never objects.

export const QUEUES = {
  maintenance: 'maintenance',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export const MAINTENANCE_JOBS = {
  purgeEndedApiKeys: 'purge-ended-api-keys',
  purgeIdempotencyRecords: 'purge-idempotency-records',
} as const;

/** Periodic maintenance jobs carry no payload: each run looks at the database as it is then. */
export type MaintenanceJobName = (typeof MAINTENANCE_JOBS)[keyof typeof MAINTENANCE_JOBS];

export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { age: 24 * 3600, count: 1_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};
