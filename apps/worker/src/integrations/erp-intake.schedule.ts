import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { ERP_INTAKE_JOBS, QUEUES } from '@leasehold/queues';
import { PeriodicSchedule } from '../schedules/periodic-schedule';

/**
 * Every minute, re-queues inbound events left RECEIVED for over a minute (their enqueue failed, or
 * Redis lost the job). The job id is the event's, so an event already queued is not queued twice.
 */
@Injectable()
export class ErpIntakeSchedule extends PeriodicSchedule {
  constructor(@InjectQueue(QUEUES.erpIntake) queue: Queue) {
    super(queue, [{ id: ERP_INTAKE_JOBS.dispatchReceived, every: 60_000 }]);
  }
}
