import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { MAINTENANCE_JOBS, QUEUES } from '@leasehold/queues';

/**
 * Registers the periodic jobs with BullMQ's job schedulers. `upsertJobScheduler` is idempotent, so
 * any number of worker replicas can start at once and each job still runs once per period.
 */
@Injectable()
export class MaintenanceSchedule implements OnApplicationBootstrap {
  constructor(@InjectQueue(QUEUES.maintenance) private readonly queue: Queue) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.upsertJobScheduler(MAINTENANCE_JOBS.purgeEndedApiKeys, { every: 60 * 60 * 1000 }, { name: MAINTENANCE_JOBS.purgeEndedApiKeys });
    await this.queue.upsertJobScheduler(MAINTENANCE_JOBS.purgeIdempotencyRecords, { every: 15 * 60 * 1000 }, { name: MAINTENANCE_JOBS.purgeIdempotencyRecords });
    await this.queue.upsertJobScheduler(MAINTENANCE_JOBS.purgeDeliveredEvents, { every: 60 * 60 * 1000 }, { name: MAINTENANCE_JOBS.purgeDeliveredEvents });
  }
}
