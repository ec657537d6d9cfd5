import { Injectable } from '@nestjs/common';
import { ConfigService } from '@leasehold/config';
import { TenantPrisma } from '@leasehold/db';
import { AuditService } from '@leasehold/domain-audit';
import { DomainError } from '@leasehold/errors';
import { WebhookEndpointsRepository } from './webhook-endpoints.repository';
import { encryptWebhookSecret } from './webhook-secret-cipher';
import { generateWebhookSecret } from './webhook-signature';
import { checkWebhookUrl, WebhookUrlRules } from './webhook-url-policy';
import {
  CreateWebhookEndpointInput,
  UpdateWebhookEndpointInput,
  WebhookDeliveryDetail,
  WebhookDeliveryStatus,
  WebhookDeliveryView,
  WebhookEndpointStatus,
  WebhookEndpointView,
  WebhookEndpointWithSecret,
  WebhookEventSelector,
} from './webhooks.types';

// A vendor's webhook endpoints: where its events go. A URL must pass the URL rules (https and a
// public address in production); the secret is made here, shown once (creation, rotation) and
// stored only encrypted. Every change is audited in its transaction.

/** "*" subsumes every type; otherwise each type once, in a stable order. */
function normaliseEventTypes(types: WebhookEventSelector[]): string[] {
  return types.includes('*') ? ['*'] : [...new Set(types)].sort();
}

@Injectable()
export class WebhookEndpointsService {
  private readonly rules: WebhookUrlRules;
  private readonly platformKey: Buffer;

  constructor(
    private readonly endpoints: WebhookEndpointsRepository,
    private readonly db: TenantPrisma,
    private readonly audit: AuditService,
    config: ConfigService,
  ) {
    this.rules = { production: config.get('NODE_ENV') === 'production' };
    this.platformKey = Buffer.from(config.get('PLATFORM_KEY'), 'base64');
  }

  private assertUrl(url: string): void {
    const verdict = checkWebhookUrl(url, this.rules);
    if (!verdict.allowed)
      throw new DomainError('WEBHOOK_URL_NOT_ALLOWED', `The webhook URL is not allowed: ${verdict.reason}`, {
        reason: verdict.reason,
      });
  }

  async create(input: CreateWebhookEndpointInput): Promise<WebhookEndpointWithSecret> {
    this.assertUrl(input.url);
    const secret = generateWebhookSecret();
    const endpoint = await this.db.client.$transaction(async (tx) => {
      const created = await this.endpoints.create(tx, {
        url: input.url,
        eventTypes: normaliseEventTypes(input.eventTypes),
        description: input.description ?? null,
        encryptedSecret: encryptWebhookSecret(this.platformKey, secret, this.db.vendorId),
      });
      await this.audit.record(tx, {
        action: 'webhook_endpoint.created',
        entityType: 'webhook_endpoint',
        entityId: created.id,
        after: created,
      });
      return created;
    });
    return { ...endpoint, secret };
  }

  list(filter: { status?: WebhookEndpointStatus; take: number; cursor?: string }): Promise<WebhookEndpointView[]> {
    return this.endpoints.list(filter);
  }

  async get(id: string): Promise<WebhookEndpointView> {
    const endpoint = await this.endpoints.find(id);
    if (!endpoint) throw DomainError.notFound('Webhook endpoint', id);
    return endpoint;
  }

  async update(id: string, input: UpdateWebhookEndpointInput): Promise<WebhookEndpointView> {
    if (input.url !== undefined) this.assertUrl(input.url);
    return this.db.client.$transaction(async (tx) => {
      const before = await this.endpoints.find(id, tx);
      if (!before) throw DomainError.notFound('Webhook endpoint', id);
      const after = await this.endpoints.update(tx, id, {
        ...(input.url !== undefined ? { url: input.url } : {}),
        ...(input.eventTypes !== undefined ? { eventTypes: normaliseEventTypes(input.eventTypes) } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.status !== undefined ? { status: input.status } : {}),
      });
      if (!after) throw DomainError.notFound('Webhook endpoint', id);
      await this.audit.record(tx, {
        action: 'webhook_endpoint.updated',
        entityType: 'webhook_endpoint',
        entityId: id,
        before,
        after,
      });
      return after;
    });
  }

  async remove(id: string): Promise<void> {
    await this.db.client.$transaction(async (tx) => {
      const before = await this.endpoints.find(id, tx);
      if (!before) throw DomainError.notFound('Webhook endpoint', id);
      await this.endpoints.delete(tx, id);
      await this.audit.record(tx, {
        action: 'webhook_endpoint.deleted',
        entityType: 'webhook_endpoint',
        entityId: id,
        before,
      });
    });
  }

  /** A new secret, effective for every attempt from now on (the old one stops verifying at once). */
  async rotateSecret(id: string): Promise<WebhookEndpointWithSecret> {
    const secret = generateWebhookSecret();
    const endpoint = await this.db.client.$transaction(async (tx) => {
      const updated = await this.endpoints.update(tx, id, {
        encryptedSecret: encryptWebhookSecret(this.platformKey, secret, this.db.vendorId),
      });
      if (!updated) throw DomainError.notFound('Webhook endpoint', id);
      await this.audit.record(tx, {
        action: 'webhook_endpoint.secret_rotated',
        entityType: 'webhook_endpoint',
        entityId: id,
      });
      return updated;
    });
    return { ...endpoint, secret };
  }

  async listDeliveries(
    endpointId: string,
    filter: { status?: WebhookDeliveryStatus; take: number; cursor?: string },
  ): Promise<WebhookDeliveryView[]> {
    await this.get(endpointId);
    return this.endpoints.listDeliveries(endpointId, filter);
  }

  async getDelivery(id: string): Promise<WebhookDeliveryDetail> {
    const delivery = await this.endpoints.findDelivery(id);
    if (!delivery) throw DomainError.notFound('Webhook delivery', id);
    return delivery;
  }

  /** Sends a delivery again from the start of the retry schedule (the worker picks it up within seconds). */
  async redeliver(id: string, now = new Date()): Promise<WebhookDeliveryView> {
    const status = await this.endpoints.deliveryEndpointStatus(id);
    if (!status) throw DomainError.notFound('Webhook delivery', id);
    if (status === 'DISABLED')
      throw new DomainError(
        'WEBHOOK_ENDPOINT_DISABLED',
        'The endpoint of this delivery is disabled; re-enable it first',
      );
    await this.db.client.$transaction(async (tx) => {
      if (!(await this.endpoints.restartDelivery(tx, id, now))) {
        throw new DomainError(
          'WEBHOOK_DELIVERY_IN_PROGRESS',
          'The delivery is being attempted right now; try again in a moment',
        );
      }
      await this.audit.record(tx, {
        action: 'webhook_delivery.redelivered',
        entityType: 'webhook_delivery',
        entityId: id,
      });
    });
    const delivery = await this.endpoints.findDeliverySummary(id);
    if (!delivery) throw DomainError.notFound('Webhook delivery', id);
    return delivery;
  }

  /** Sends a `webhook_endpoint.ping` event to this endpoint only. */
  async ping(endpointId: string, now = new Date()): Promise<WebhookDeliveryView> {
    return this.db.client.$transaction(async (tx) => {
      const endpoint = await this.endpoints.find(endpointId, tx);
      if (!endpoint) throw DomainError.notFound('Webhook endpoint', endpointId);
      if (endpoint.status === 'DISABLED')
        throw new DomainError('WEBHOOK_ENDPOINT_DISABLED', 'The endpoint is disabled; re-enable it first');
      return this.endpoints.createPing(tx, endpointId, now);
    });
  }
}
