import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { MAINTENANCE_JOBS, QUEUES } from '@leasehold/queues';
import { PeriodicSchedule } from '../schedules/periodic-schedule';

/**
 * Registers the periodic jobs with BullMQ's job schedulers. `upsertJobScheduler` is idempotent, so
 * any number of worker replicas can start at once and each job still runs once per period.
 */
@Injectable()
export class MaintenanceSchedule extends PeriodicSchedule {
  constructor(@InjectQueue(QUEUES.maintenance) queue: Queue) {
    super(queue, [
      { id: MAINTENANCE_JOBS.purgeEndedApiKeys, every: 60 * 60 * 1000 },
      { id: MAINTENANCE_JOBS.purgeIdempotencyRecords, every: 15 * 60 * 1000 },
      { id: MAINTENANCE_JOBS.purgeDeliveredEvents, every: 60 * 60 * 1000 },
    ]);
  }
}
