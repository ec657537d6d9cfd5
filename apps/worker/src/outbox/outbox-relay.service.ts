import { Injectable, Logger } from '@nestjs/common';
import { PrismaService } from '@leasehold/db';
import type { DomainEventView } from '@leasehold/domain-events';
import { DueDelivery, WebhookDeliveryService } from '@leasehold/domain-webhooks';
import { WebhookDeliveryQueue } from '../webhooks/webhook-delivery.queue';
import { OutboxRelayRepository } from './outbox-relay.repository';
import { OutboxSubscribers } from './outbox-subscribers';

// The outbox relay publishes committed domain events: at least once, exactly once in effect. In
// one transaction it locks a batch of unpublished events (SKIP LOCKED: a second relay takes other
// events, never the same), runs the in-process subscribers, creates the webhook deliveries (unique
// per endpoint and event) and marks the events published. Only after commit are the delivery jobs
// enqueued; if that fails, the deliveries are due in Postgres and the sweep enqueues them. If the
// worker or Redis is down nothing runs and nothing is lost: the events wait, unpublished.

export interface RelayResult {
  published: number;
  deliveries: number;
  /** Events left unpublished because a subscriber failed; offered again on the next run. */
  retried: number;
}

export const RELAY_BATCH_SIZE = 100;
/** A run drains at most this many batches, so one job never runs for long. */
const MAX_BATCHES_PER_RUN = 20;

@Injectable()
export class OutboxRelayService {
  private readonly logger = new Logger(OutboxRelayService.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly outbox: OutboxRelayRepository,
    private readonly subscribers: OutboxSubscribers,
    private readonly webhooks: WebhookDeliveryService,
    private readonly deliveryQueue: WebhookDeliveryQueue,
  ) {}

  /** Publishes batches until the outbox is empty (or the run's budget is spent). */
  async relay(batchSize = RELAY_BATCH_SIZE): Promise<RelayResult> {
    const total: RelayResult = { published: 0, deliveries: 0, retried: 0 };
    for (let i = 0; i < MAX_BATCHES_PER_RUN; i++) {
      const { result, locked } = await this.relayBatch(batchSize);
      total.published += result.published;
      total.deliveries += result.deliveries;
      total.retried += result.retried;
      if (locked < batchSize || result.published === 0) break;
    }
    return total;
  }

  /** One batch, in id order. */
  async relayBatch(batchSize = RELAY_BATCH_SIZE): Promise<{ result: RelayResult; locked: number }> {
    const now = new Date();
    const outcome = await this.prisma.$transaction(
      async (tx) => {
        const events = await this.outbox.lockBatch(tx, batchSize);
        if (!events.length)
          return {
            events,
            publishable: [] as DomainEventView[],
            deliveries: [] as DueDelivery[],
          };
        const publishable: DomainEventView[] = [];
        for (const event of events) if (await this.notifySubscribers(event)) publishable.push(event);
        const deliveries = await this.webhooks.createDeliveries(tx, publishable, now);
        await this.outbox.markPublished(
          tx,
          publishable.map((e) => e.id),
          now,
        );
        return { events, publishable, deliveries };
      },
      // Subscribers run while the batch is locked; give them time, but not forever.
      { timeout: 60_000, maxWait: 10_000 },
    );
    if (outcome.deliveries.length) await this.deliveryQueue.enqueue(outcome.deliveries, now);
    const result = {
      published: outcome.publishable.length,
      deliveries: outcome.deliveries.length,
      retried: outcome.events.length - outcome.publishable.length,
    };
    if (outcome.events.length) this.logger.log(result, 'outbox relayed');
    return { result, locked: outcome.events.length };
  }

  /** True when every interested subscriber handled the event. */
  private async notifySubscribers(event: DomainEventView): Promise<boolean> {
    for (const subscriber of this.subscribers.for(event.type)) {
      try {
        await subscriber.handle(event);
      } catch (error) {
        this.logger.error(
          {
            eventId: event.id,
            type: event.type,
            subscriber: subscriber.constructor.name,
            error: (error as Error).message,
          },
          'outbox subscriber failed; the event stays unpublished and is retried',
        );
        return false;
      }
    }
    return true;
  }
}
