import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@leasehold/config';
import { Prisma, TenantContext, TenantPrisma, TenantTransaction } from '@leasehold/db';
import { AuditService } from '@leasehold/domain-audit';
import { openEventPayload, OutboxRepository } from '@leasehold/domain-events';
import {
  AttemptRecord,
  ClaimedDelivery,
  DeliveryNext,
  DueDelivery,
  WebhookDeliveriesRepository,
} from './webhook-deliveries.repository';
import { nextRetryDelayMs, WEBHOOK_DELIVERY_POLICY, WebhookDeliveryPolicy } from './webhook-delivery-policy';
import { decryptWebhookSecret } from './webhook-secret-cipher';
import { WebhookSender } from './webhook-sender';
import { signWebhookPayload } from './webhook-signature';
import { WebhookUrlRules } from './webhook-url-policy';
import { FanOutEvent, WebhookPayload } from './webhooks.types';

// Delivering events to endpoints, at least once: each delivery is attempted until a 2xx answer,
// on the retry schedule of the policy (more than 24 hours), then given up as FAILED. Every attempt
// is logged. The state lives in Postgres, so a lost queue job or a killed worker only delays an
// attempt. An endpoint that keeps failing is disabled and a `webhook_endpoint.disabled` event is
// appended in the same transaction.

export type AttemptOutcome =
  | { result: 'skipped' }
  | { result: 'succeeded'; attempts: number }
  | { result: 'retry'; attempts: number; next: DueDelivery }
  | { result: 'failed'; attempts: number; endpointDisabled: boolean };

/** Attempts hold their delivery this much longer than the attempt's timeout. */
const LOCK_MARGIN_MS = 30_000;

@Injectable()
export class WebhookDeliveryService {
  private readonly logger = new Logger(WebhookDeliveryService.name);
  private readonly rules: WebhookUrlRules;
  private readonly platformKey: Buffer;

  constructor(
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly sender: WebhookSender,
    private readonly tenant: TenantContext,
    private readonly db: TenantPrisma,
    private readonly outbox: OutboxRepository,
    private readonly audit: AuditService,
    @Inject(WEBHOOK_DELIVERY_POLICY) private readonly policy: WebhookDeliveryPolicy,
    config: ConfigService,
  ) {
    this.rules = { production: config.get('NODE_ENV') === 'production' };
    this.platformKey = Buffer.from(config.get('PLATFORM_KEY'), 'base64');
  }

  /** The relay's fan-out, inside its transaction: one delivery per subscribed endpoint, created once. */
  createDeliveries(tx: Prisma.TransactionClient, events: FanOutEvent[], now = new Date()): Promise<DueDelivery[]> {
    return this.deliveries.createForEvents(tx, events, now);
  }

  due(now: Date, limit: number): Promise<DueDelivery[]> {
    return this.deliveries.due(now, limit);
  }

  private openPayload(eventId: string, vendorId: string, payload: Record<string, unknown>): Record<string, unknown> {
    try {
      return openEventPayload(this.platformKey, vendorId, payload);
    } catch (error) {
      // Sealed with another platform key: deliver what can be read, never the ciphertext.
      this.logger.error(
        { err: error, eventId },
        'the sealed secrets of an event do not open; delivering it without them',
      );
      const { sealed: _sealed, ...rest } = payload;
      return rest;
    }
  }

  /** Makes one attempt of a delivery if it is due and no one else is attempting it. */
  async attempt(delivery: { vendorId?: string; id: string }, now = new Date()): Promise<AttemptOutcome> {
    const claimed = await this.deliveries.claim(
      delivery,
      now,
      new Date(now.getTime() + this.policy.timeoutMs + LOCK_MARGIN_MS),
    );
    if (!claimed) return { result: 'skipped' };
    const toSend = await this.deliveries.toSend(claimed.vendorId, claimed.id);
    if (!toSend) return { result: 'skipped' }; // deleted with its endpoint meanwhile

    if (toSend.endpoint.status === 'DISABLED') {
      await this.inTenant(claimed, (tx) =>
        this.deliveries.recordAttempt(
          tx,
          claimed,
          null,
          { status: 'FAILED', retryStep: claimed.retryStep },
          'The endpoint is disabled',
        ),
      );
      return { result: 'failed', attempts: claimed.attempts, endpointDisabled: true };
    }

    const { event, endpoint } = toSend;
    const payload: WebhookPayload = {
      id: event.id,
      type: event.type,
      createdAt: event.createdAt.toISOString(),
      vendorId: event.vendorId,
      // One-time tokens are sealed at rest; the vendor receives them in plain (docs/webhooks.md).
      data: this.openPayload(event.id, event.vendorId, (event.payload ?? {}) as Record<string, unknown>),
    };
    const body = JSON.stringify(payload);
    const startedAt = new Date();
    const timestamp = Math.floor(startedAt.getTime() / 1000);
    let response;
    try {
      const secret = decryptWebhookSecret(this.platformKey, endpoint.encryptedSecret, event.vendorId);
      response = await this.sender.send({
        url: endpoint.url,
        body,
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'Leasehold-Webhooks/1',
          'Leasehold-Webhook-Id': event.id,
          'Leasehold-Delivery-Id': claimed.id,
          'Leasehold-Event-Type': event.type,
          'Leasehold-Timestamp': String(timestamp),
          'Leasehold-Signature': signWebhookPayload(secret, timestamp, body),
        },
        timeoutMs: this.policy.timeoutMs,
        excerptBytes: this.policy.responseExcerptBytes,
        rules: this.rules,
      });
    } catch (error) {
      response = {
        statusCode: null,
        durationMs: Date.now() - startedAt.getTime(),
        responseExcerpt: null,
        error: (error as Error).message,
      };
    }

    const succeeded = response.statusCode !== null && response.statusCode >= 200 && response.statusCode < 300;
    const attempt: AttemptRecord = {
      number: claimed.attempts + 1,
      startedAt,
      durationMs: response.durationMs,
      succeeded,
      statusCode: response.statusCode,
      responseExcerpt: response.responseExcerpt,
      error: response.error ?? (succeeded ? null : `HTTP ${response.statusCode}`),
    };
    const failedInARow = claimed.retryStep + 1;
    const delay = succeeded ? null : nextRetryDelayMs(this.policy, failedInARow);
    const finishedAt = new Date();
    const next: DeliveryNext = succeeded
      ? { status: 'SUCCEEDED' }
      : delay === null
        ? { status: 'FAILED', retryStep: failedInARow }
        : { status: 'PENDING', retryStep: failedInARow, nextAttemptAt: new Date(finishedAt.getTime() + delay) };

    let endpointDisabled = false;
    const recorded = await this.inTenant(claimed, async (tx) => {
      if (!(await this.deliveries.recordAttempt(tx, claimed, attempt, next))) return false;
      if (succeeded) {
        await this.deliveries.endpointSucceeded(tx, claimed.endpointId);
        return true;
      }
      const health = await this.deliveries.endpointFailed(tx, claimed.endpointId, startedAt, next.status === 'FAILED');
      const reason = this.disableReason(health, finishedAt);
      if (
        reason &&
        health.status === 'ACTIVE' &&
        (await this.deliveries.disableEndpoint(tx, claimed.endpointId, finishedAt, reason))
      ) {
        endpointDisabled = true;
        await this.outbox.append(tx, {
          type: 'webhook_endpoint.disabled',
          aggregateType: 'webhook_endpoint',
          aggregateId: claimed.endpointId,
          payload: {
            endpointId: claimed.endpointId,
            url: health.url,
            reason,
            failingSince: health.failingSince,
            consecutiveFailures: health.consecutiveFailures,
          },
        });
        await this.audit.record(tx, {
          action: 'webhook_endpoint.disabled',
          entityType: 'webhook_endpoint',
          entityId: claimed.endpointId,
          after: { reason },
        });
      }
      return true;
    });
    if (!recorded) {
      this.logger.warn(
        { deliveryId: claimed.id, attempt: attempt.number },
        'webhook attempt outlived its lock; another attempt took over, outcome dropped',
      );
      return { result: 'skipped' };
    }
    this.logger.log(
      {
        deliveryId: claimed.id,
        attempt: attempt.number,
        statusCode: attempt.statusCode,
        error: attempt.error,
        next: next.status,
      },
      'webhook attempt',
    );
    if (next.status === 'SUCCEEDED') return { result: 'succeeded', attempts: attempt.number };
    if (next.status === 'PENDING')
      return {
        result: 'retry',
        attempts: attempt.number,
        next: { vendorId: claimed.vendorId, id: claimed.id, nextAttemptAt: next.nextAttemptAt },
      };
    return { result: 'failed', attempts: attempt.number, endpointDisabled };
  }

  private disableReason(health: { consecutiveFailures: number; failingSince: Date | null }, now: Date): string | null {
    if (health.consecutiveFailures >= this.policy.disableAfterConsecutiveFailures) {
      return `${health.consecutiveFailures} deliveries in a row failed`;
    }
    if (health.failingSince && now.getTime() - health.failingSince.getTime() >= this.policy.disableAfterFailingForMs) {
      return `every attempt has failed since ${health.failingSince.toISOString()}`;
    }
    return null;
  }

  /** A transaction as the delivery's vendor (the outbox and audit stamp the tenant). */
  private inTenant<T>(claimed: ClaimedDelivery, fn: (tx: TenantTransaction) => Promise<T>): Promise<T> {
    return this.tenant.run(claimed.vendorId, () => this.db.client.$transaction((tx) => fn(tx)));
  }
}
