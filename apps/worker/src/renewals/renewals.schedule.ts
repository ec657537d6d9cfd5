import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { QUEUES, RENEWAL_JOBS } from '@leasehold/queues';
import { PeriodicSchedule } from '../schedules/periodic-schedule';

/** The renewal sweep, hourly (idempotent upsert: any number of worker replicas register it once). */
@Injectable()
export class RenewalsSchedule extends PeriodicSchedule {
  constructor(@InjectQueue(QUEUES.renewals) queue: Queue) {
    super(queue, [{ id: RENEWAL_JOBS.sweep, every: 60 * 60 * 1000 }]);
  }
}
