import { getQueueToken } from '@nestjs/bullmq';
import type { Provider } from '@nestjs/common';
import type { Queue } from 'bullmq';
import {
  ERP_INTAKE_JOBS,
  LEASE_JOBS,
  MAINTENANCE_JOBS,
  OUTBOX_JOBS,
  QUEUES,
  QueueName,
  RENEWAL_JOBS,
  WEBHOOK_JOBS,
} from '@leasehold/queues';
import { PeriodicJob, PeriodicSchedule } from './periodic-schedule';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Every second. The job carries nothing: each run looks at the outbox as it is then. */
export const OUTBOX_RELAY_EVERY_MS = 1_000;
/** How often due deliveries without a job are swept onto the queue (also the redelivery latency). */
export const WEBHOOK_SWEEP_EVERY_MS = 2_000;
/** How often expired leases are swept. */
export const LEASE_SWEEP_EVERY_MS = 30_000;
/** How often the seat wait queues are swept (claim windows and ticket TTLs are a minute). */
export const SEAT_QUEUE_SWEEP_EVERY_MS = 5_000;
/** How often closed hours are folded into the usage aggregates (a run with nothing new does nothing). */
export const USAGE_AGGREGATION_EVERY_MS = MINUTE;

/** A job run every second or two that fails is simply replaced by the next one: keep no history. */
const FREQUENT = { attempts: 1, removeOnComplete: true, removeOnFail: 100 } as const;

/**
 * Every periodic job of the worker, by queue: one BullMQ job scheduler each, registered at start-up
 * and kept registered by the ScheduleKeeper (PeriodicSchedule says how).
 */
export const SCHEDULES: Partial<Record<QueueName, readonly PeriodicJob[]>> = {
  // Idempotent clean-up: each run deletes what is past its retention.
  [QUEUES.maintenance]: [
    { id: MAINTENANCE_JOBS.purgeEndedApiKeys, every: HOUR },
    { id: MAINTENANCE_JOBS.purgeIdempotencyRecords, every: 15 * MINUTE },
    { id: MAINTENANCE_JOBS.purgeDeliveredEvents, every: HOUR },
  ],
  // The renewal sweep (idempotent upsert).
  [QUEUES.renewals]: [{ id: RENEWAL_JOBS.sweep, every: HOUR }],
  [QUEUES.outbox]: [{ id: OUTBOX_JOBS.relay, every: OUTBOX_RELAY_EVERY_MS, opts: FREQUENT }],
  [QUEUES.webhookDelivery]: [{ id: WEBHOOK_JOBS.dispatchDue, every: WEBHOOK_SWEEP_EVERY_MS, opts: FREQUENT }],
  [QUEUES.leases]: [
    { id: LEASE_JOBS.sweepExpired, every: LEASE_SWEEP_EVERY_MS },
    { id: LEASE_JOBS.sweepSeatQueues, every: SEAT_QUEUE_SWEEP_EVERY_MS },
    { id: LEASE_JOBS.aggregateUsage, every: USAGE_AGGREGATION_EVERY_MS },
  ],
  // Re-queues inbound events left RECEIVED for over a minute (their enqueue failed, or Redis lost
  // the job). The job id is the event's, so an event already queued is not queued twice.
  [QUEUES.erpIntake]: [{ id: ERP_INTAKE_JOBS.dispatchReceived, every: MINUTE }],
};

/** One PeriodicSchedule provider per queue of the table. */
export function scheduleProviders(schedules = SCHEDULES): Provider[] {
  return Object.entries(schedules).map(([queue, jobs]) => ({
    provide: `PeriodicSchedule:${queue}`,
    useFactory: (q: Queue) => new PeriodicSchedule(q, jobs ?? []),
    inject: [getQueueToken(queue)],
  }));
}
