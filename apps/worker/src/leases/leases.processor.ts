import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { LeaseSweeperService, SeatQueueService } from '@leasehold/domain-seats';
import { LEASE_JOBS, LeaseJobName, QUEUES } from '@leasehold/queues';

/**
 * Lease expiry and the seat wait queues' lapses (libs/domain/seats SeatQueueService.sweep). Lease expiry is bookkeeping only: an expired lease already stopped counting when its seat's expiry
 * passed; the sweep records its end and empties the slot. Idempotent (a lease ends once), so
 * overlapping runs on several workers are harmless.
 */
@Processor(QUEUES.leases)
export class LeasesProcessor extends WorkerHost {
  private readonly logger = new Logger(LeasesProcessor.name);

  constructor(
    private readonly sweeper: LeaseSweeperService,
    private readonly seatQueue: SeatQueueService,
  ) {
    super();
  }

  async process(job: Job<unknown, { ended: number } | { lapsed: number; granted: number }, LeaseJobName>): Promise<{ ended: number } | { lapsed: number; granted: number }> {
    if (job.name === LEASE_JOBS.sweepSeatQueues) {
      const swept = await this.seatQueue.sweep();
      if (swept.lapsed || swept.granted) this.logger.log({ job: job.name, ...swept }, 'seat queues swept');
      return swept;
    }
    if (job.name !== LEASE_JOBS.sweepExpired) throw new Error(`Unknown leases job ${String(job.name)}`);
    const ended = await this.sweeper.sweepExpired();
    if (ended) this.logger.log({ job: job.name, ended }, 'expired leases recorded');
    return { ended };
  }
}
