import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { OUTBOX_JOBS, QUEUES } from '@leasehold/queues';
import { PeriodicSchedule } from '../schedules/periodic-schedule';

/** Every second. The job carries nothing: each run looks at the outbox as it is then. */
export const OUTBOX_RELAY_EVERY_MS = 1_000;

@Injectable()
export class OutboxSchedule extends PeriodicSchedule {
  constructor(@InjectQueue(QUEUES.outbox) queue: Queue) {
    super(queue, [
      // A run that fails is simply replaced by the next one; keep no history of a job run every second.
      { id: OUTBOX_JOBS.relay, every: OUTBOX_RELAY_EVERY_MS, opts: { attempts: 1, removeOnComplete: true, removeOnFail: 100 } },
    ]);
  }
}
