import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { AggregationRun, LeaseSweeperService, SeatQueueService, UsageAggregatesService } from '@leasehold/domain-seats';
import { AggregateUsageJobData, LEASE_JOBS, LeaseJobName, QUEUES } from '@leasehold/queues';

type LeaseJobResult = { ended: number } | { lapsed: number; granted: number } | AggregationRun;

/**
 * Lease bookkeeping. The expiry sweep: an expired lease already stopped counting when its seat's
 * expiry passed; the sweep records its end and empties the slot. The seat wait queues' sweep
 * (SeatQueueService.sweep): lapses tickets not renewed or not claimed in time, serves queues beside
 * free seats. Usage aggregation: the hourly and daily aggregates of the hours closed since the last
 * run. All idempotent (a lease ends once; a ticket lapses once; an aggregate is an upsert of
 * recomputed values), so overlapping runs are harmless.
 */
@Processor(QUEUES.leases)
export class LeasesProcessor extends WorkerHost {
  private readonly logger = new Logger(LeasesProcessor.name);

  constructor(
    private readonly sweeper: LeaseSweeperService,
    private readonly aggregates: UsageAggregatesService,
    private readonly seatQueue: SeatQueueService,
  ) {
    super();
  }

  async process(job: Job<AggregateUsageJobData | undefined, LeaseJobResult, LeaseJobName>): Promise<LeaseJobResult> {
    switch (job.name) {
      case LEASE_JOBS.sweepExpired: {
        const ended = await this.sweeper.sweepExpired();
        if (ended) this.logger.log({ job: job.name, ended }, 'expired leases recorded');
        return { ended };
      }
      case LEASE_JOBS.sweepSeatQueues: {
        const swept = await this.seatQueue.sweep();
        if (swept.lapsed || swept.granted) this.logger.log({ job: job.name, ...swept }, 'seat queues swept');
        return swept;
      }
      case LEASE_JOBS.aggregateUsage: {
        const range =
          job.data?.from && job.data.to ? { from: new Date(job.data.from), to: new Date(job.data.to) } : undefined;
        if (range && !(range.from.getTime() < range.to.getTime()))
          throw new Error(`aggregate-usage: bad range ${job.data?.from}..${job.data?.to}`);
        const run = await this.aggregates.aggregate(range);
        if (run.from)
          this.logger.log(
            { job: job.name, from: run.from, to: run.to, hourRows: run.hourRows, dayRows: run.dayRows },
            'usage aggregated',
          );
        return run;
      }
      default:
        throw new Error(`Unknown leases job ${String(job.name)}`);
    }
  }
}
