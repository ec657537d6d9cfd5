import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { OUTBOX_JOBS, OutboxJobName, QUEUES } from '@leasehold/queues';
import { OutboxRelayService, RelayResult } from './outbox-relay.service';

/** Runs the outbox relay. Two workers may run it at once: each takes different events. */
@Processor(QUEUES.outbox)
export class OutboxProcessor extends WorkerHost {
  constructor(private readonly relay: OutboxRelayService) {
    super();
  }

  async process(job: Job<unknown, RelayResult, OutboxJobName>): Promise<RelayResult> {
    if (job.name !== OUTBOX_JOBS.relay) throw new Error(`Unknown outbox job ${String(job.name)}`);
    return this.relay.relay();
  }
}
