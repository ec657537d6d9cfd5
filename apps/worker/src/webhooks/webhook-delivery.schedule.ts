import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { QUEUES, WEBHOOK_JOBS } from '@leasehold/queues';

/** How often due deliveries without a job are swept onto the queue (also the redelivery latency). */
export const WEBHOOK_SWEEP_EVERY_MS = 2_000;

@Injectable()
export class WebhookDeliverySchedule implements OnApplicationBootstrap {
  constructor(@InjectQueue(QUEUES.webhookDelivery) private readonly queue: Queue) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.upsertJobScheduler(
      WEBHOOK_JOBS.dispatchDue,
      { every: WEBHOOK_SWEEP_EVERY_MS },
      { name: WEBHOOK_JOBS.dispatchDue, opts: { attempts: 1, removeOnComplete: true, removeOnFail: 100 } },
    );
  }
}
