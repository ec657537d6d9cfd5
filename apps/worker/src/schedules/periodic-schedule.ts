import { OnApplicationBootstrap } from '@nestjs/common';
import type { JobSchedulerTemplateOptions, Queue } from 'bullmq';

/** One periodic job: a BullMQ job scheduler (`every` ms) and the job it creates. */
export interface PeriodicJob {
  /** The scheduler id (also the job name). */
  id: string;
  every: number;
  opts?: JobSchedulerTemplateOptions;
}

/**
 * The periodic jobs of one queue. Registered at start-up (`upsertJobScheduler` is idempotent, so
 * any number of worker replicas can start at once and each job still runs once per period), and
 * re-registered by the ScheduleKeeper whenever Redis has lost them (a Redis restarted or replaced
 * empty): a scheduler lives only in Redis, and without it nothing would run again.
 */
export class PeriodicSchedule implements OnApplicationBootstrap {
  constructor(
    readonly queue: Queue,
    readonly jobs: readonly PeriodicJob[],
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const job of this.jobs) await this.register(job);
  }

  /** The ids of this queue's schedulers that Redis does not hold. */
  async missing(): Promise<string[]> {
    // One ZCARD in the common case (the queue holds only these schedulers); a look-up per
    // scheduler only when some are gone.
    if ((await this.queue.getJobSchedulersCount()) >= this.jobs.length) return [];
    const found = await Promise.all(
      this.jobs.map(async (job) => ((await this.queue.getJobScheduler(job.id)) ? null : job.id)),
    );
    return found.filter((id): id is string => id !== null);
  }

  /** Registers the missing schedulers again; returns their ids. A job with `every` runs at once. */
  async repair(): Promise<string[]> {
    const missing = await this.missing();
    for (const id of missing) await this.register(this.jobs.find((job) => job.id === id) as PeriodicJob);
    return missing;
  }

  private async register(job: PeriodicJob): Promise<void> {
    await this.queue.upsertJobScheduler(
      job.id,
      { every: job.every },
      { name: job.id, ...(job.opts ? { opts: job.opts } : {}) },
    );
  }
}
