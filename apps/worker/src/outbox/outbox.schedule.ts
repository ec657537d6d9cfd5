import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { OUTBOX_JOBS, QUEUES } from '@leasehold/queues';

/** Every second. The job carries nothing: each run looks at the outbox as it is then. */
export const OUTBOX_RELAY_EVERY_MS = 1_000;

@Injectable()
export class OutboxSchedule implements OnApplicationBootstrap {
  constructor(@InjectQueue(QUEUES.outbox) private readonly queue: Queue) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.upsertJobScheduler(
      OUTBOX_JOBS.relay,
      { every: OUTBOX_RELAY_EVERY_MS },
      // A run that fails is simply replaced by the next one; keep no history of a job run every second.
      { name: OUTBOX_JOBS.relay, opts: { attempts: 1, removeOnComplete: true, removeOnFail: 100 } },
    );
  }
}
