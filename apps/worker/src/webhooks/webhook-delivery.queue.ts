import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { DueDelivery } from '@leasehold/domain-webhooks';
import {
  QUEUES,
  WEBHOOK_DELIVERY_JOB_OPTIONS,
  WEBHOOK_JOBS,
  WebhookDeliveryJobData,
  webhookDeliveryJobId,
} from '@leasehold/queues';

/**
 * Puts delivery attempts on the queue. Best effort by design: a delivery is already due in
 * Postgres, and the periodic sweep enqueues whatever did not make it here (Redis down, a crash
 * between commit and enqueue), so a failure to enqueue is logged, not thrown.
 */
@Injectable()
export class WebhookDeliveryQueue {
  private readonly logger = new Logger(WebhookDeliveryQueue.name);

  constructor(@InjectQueue(QUEUES.webhookDelivery) private readonly queue: Queue<WebhookDeliveryJobData>) {}

  async enqueue(deliveries: DueDelivery[], now = new Date()): Promise<number> {
    if (!deliveries.length) return 0;
    try {
      await this.queue.addBulk(
        deliveries.map((d) => ({
          name: WEBHOOK_JOBS.deliver,
          data: { vendorId: d.vendorId, deliveryId: d.id },
          opts: {
            ...WEBHOOK_DELIVERY_JOB_OPTIONS,
            jobId: webhookDeliveryJobId(d.id, d.nextAttemptAt),
            delay: Math.max(0, d.nextAttemptAt.getTime() - now.getTime()),
          },
        })),
      );
      return deliveries.length;
    } catch (error) {
      this.logger.warn(
        { error: (error as Error).message, deliveries: deliveries.length },
        'could not enqueue webhook deliveries; the due-delivery sweep will',
      );
      return 0;
    }
  }
}
