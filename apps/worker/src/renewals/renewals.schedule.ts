import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { QUEUES, RENEWAL_JOBS } from '@leasehold/queues';

/** The renewal sweep, hourly (idempotent upsert: any number of worker replicas register it once). */
@Injectable()
export class RenewalsSchedule implements OnApplicationBootstrap {
  constructor(@InjectQueue(QUEUES.renewals) private readonly queue: Queue) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.upsertJobScheduler(RENEWAL_JOBS.sweep, { every: 60 * 60 * 1000 }, { name: RENEWAL_JOBS.sweep });
  }
}
