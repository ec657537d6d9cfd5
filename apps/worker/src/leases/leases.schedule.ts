import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { LEASE_JOBS, QUEUES } from '@leasehold/queues';
import { PeriodicSchedule } from '../schedules/periodic-schedule';

/**
 * Sweeps expired leases every 30 seconds, the seat wait queues every 5 (claim windows and ticket
 * TTLs are a minute) and aggregates usage every minute (one scheduler each, however many worker
 * replicas start; an aggregation run with no newly closed hour does nothing).
 */
@Injectable()
export class LeasesSchedule extends PeriodicSchedule {
  static readonly EVERY_MS = 30_000;
  static readonly AGGREGATE_EVERY_MS = 60_000;
  static readonly QUEUE_EVERY_MS = 5_000;

  constructor(@InjectQueue(QUEUES.leases) queue: Queue) {
    super(queue, [
      { id: LEASE_JOBS.sweepExpired, every: LeasesSchedule.EVERY_MS },
      { id: LEASE_JOBS.aggregateUsage, every: LeasesSchedule.AGGREGATE_EVERY_MS },
      { id: LEASE_JOBS.sweepSeatQueues, every: LeasesSchedule.QUEUE_EVERY_MS },
    ]);
  }
}
