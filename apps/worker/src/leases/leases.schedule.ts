import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { LEASE_JOBS, QUEUES } from '@leasehold/queues';
import { PeriodicSchedule } from '../schedules/periodic-schedule';

/** Sweeps expired leases every 30 seconds (one scheduler, however many worker replicas start). */
@Injectable()
export class LeasesSchedule extends PeriodicSchedule {
  static readonly EVERY_MS = 30_000;

  constructor(@InjectQueue(QUEUES.leases) queue: Queue) {
    super(queue, [{ id: LEASE_JOBS.sweepExpired, every: LeasesSchedule.EVERY_MS }]);
  }
}
