import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { QUEUES, WEBHOOK_JOBS } from '@leasehold/queues';
import { PeriodicSchedule } from '../schedules/periodic-schedule';

/** How often due deliveries without a job are swept onto the queue (also the redelivery latency). */
export const WEBHOOK_SWEEP_EVERY_MS = 2_000;

@Injectable()
export class WebhookDeliverySchedule extends PeriodicSchedule {
  constructor(@InjectQueue(QUEUES.webhookDelivery) queue: Queue) {
    super(queue, [{ id: WEBHOOK_JOBS.dispatchDue, every: WEBHOOK_SWEEP_EVERY_MS, opts: { attempts: 1, removeOnComplete: true, removeOnFail: 100 } }]);
  }
}
