import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { AttemptOutcome, WebhookDeliveryService } from '@leasehold/domain-webhooks';
import { QUEUES, WEBHOOK_JOBS, WebhookDeliveryJobData, WebhookJobName } from '@leasehold/queues';
import { WebhookDeliveryQueue } from './webhook-delivery.queue';

/** Due deliveries swept per run of the safety net. */
const SWEEP_LIMIT = 500;

/**
 * One attempt per `deliver` job; a failed attempt schedules the next as a delayed job. The
 * periodic `dispatch-due` job enqueues every due delivery that has no job (lost with Redis,
 * redelivered or sent as a test by the vendor API, which does not talk to Redis).
 */
@Processor(QUEUES.webhookDelivery, { concurrency: 10 })
export class WebhookDeliveryProcessor extends WorkerHost {
  constructor(
    private readonly deliveries: WebhookDeliveryService,
    private readonly queue: WebhookDeliveryQueue,
  ) {
    super();
  }

  async process(
    job: Job<WebhookDeliveryJobData | undefined, unknown, WebhookJobName>,
  ): Promise<AttemptOutcome | { enqueued: number }> {
    switch (job.name) {
      case WEBHOOK_JOBS.deliver: {
        const deliveryId = job.data?.deliveryId;
        if (!deliveryId) throw new Error('deliver job without deliveryId');
        const outcome = await this.deliveries.attempt({ vendorId: job.data?.vendorId, id: deliveryId });
        if (outcome.result === 'retry') await this.queue.enqueue([outcome.next]);
        return outcome;
      }
      case WEBHOOK_JOBS.dispatchDue: {
        const now = new Date();
        return { enqueued: await this.queue.enqueue(await this.deliveries.due(now, SWEEP_LIMIT), now) };
      }
      default:
        throw new Error(`Unknown webhook job ${String(job.name)}`);
    }
  }
}
