import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { LEASE_JOBS, QUEUES } from '@leasehold/queues';

/** Sweeps expired leases every 30 seconds (one scheduler, however many worker replicas start). */
@Injectable()
export class LeasesSchedule implements OnApplicationBootstrap {
  static readonly EVERY_MS = 30_000;

  constructor(@InjectQueue(QUEUES.leases) private readonly queue: Queue) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.upsertJobScheduler(LEASE_JOBS.sweepExpired, { every: LeasesSchedule.EVERY_MS }, { name: LEASE_JOBS.sweepExpired });
  }
}
