import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { ERP_INTAKE_JOBS, QUEUES } from '@leasehold/queues';

/**
 * Every minute, re-queues inbound events left RECEIVED for over a minute (their enqueue failed, or
 * Redis lost the job). The job id is the event's, so an event already queued is not queued twice.
 */
@Injectable()
export class ErpIntakeSchedule implements OnApplicationBootstrap {
  constructor(@InjectQueue(QUEUES.erpIntake) private readonly queue: Queue) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.upsertJobScheduler(ERP_INTAKE_JOBS.dispatchReceived, { every: 60_000 }, { name: ERP_INTAKE_JOBS.dispatchReceived });
  }
}
