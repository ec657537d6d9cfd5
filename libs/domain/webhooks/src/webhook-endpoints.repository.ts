import { Injectable } from '@nestjs/common';
import {
  afterTenantCursor,
  Prisma,
  TenantPrisma,
  TenantTransaction,
  WebhookAttempt,
  WebhookDelivery,
  WebhookEndpoint,
} from '@leasehold/db';
import {
  WebhookAttemptView,
  WebhookDeliveryDetail,
  WebhookDeliveryStatus,
  WebhookDeliveryView,
  WebhookEndpointStatus,
  WebhookEndpointView,
} from './webhooks.types';

export const toEndpointView = (e: WebhookEndpoint): WebhookEndpointView => ({
  id: e.id,
  url: e.url,
  description: e.description,
  eventTypes: e.eventTypes,
  status: e.status,
  disabledAt: e.disabledAt,
  disabledReason: e.disabledReason,
  consecutiveFailures: e.consecutiveFailures,
  failingSince: e.failingSince,
  createdAt: e.createdAt,
  updatedAt: e.updatedAt,
});

export const toDeliveryView = (d: WebhookDelivery): WebhookDeliveryView => ({
  id: d.id,
  endpointId: d.endpointId,
  eventId: d.eventId,
  eventType: d.eventType,
  status: d.status,
  attempts: d.attempts,
  nextAttemptAt: d.status === 'PENDING' ? d.nextAttemptAt : null,
  lastAttemptAt: d.lastAttemptAt,
  lastStatusCode: d.lastStatusCode,
  lastError: d.lastError,
  completedAt: d.completedAt,
  createdAt: d.createdAt,
});

const toAttemptView = (a: WebhookAttempt): WebhookAttemptView => ({
  number: a.number,
  startedAt: a.startedAt,
  durationMs: a.durationMs,
  succeeded: a.succeeded,
  statusCode: a.statusCode,
  responseExcerpt: a.responseExcerpt,
  error: a.error,
});

/** The current vendor's endpoints, deliveries and attempts (tenant-scoped): the vendor API's side. */
@Injectable()
export class WebhookEndpointsRepository {
  constructor(private readonly db: TenantPrisma) {}

  async create(
    tx: TenantTransaction,
    data: { url: string; eventTypes: string[]; description: string | null; encryptedSecret: string },
  ): Promise<WebhookEndpointView> {
    return toEndpointView(await tx.webhookEndpoint.create({ data: { ...data, vendorId: this.db.vendorId } }));
  }

  async list(filter: {
    status?: WebhookEndpointStatus;
    take: number;
    cursor?: string;
  }): Promise<WebhookEndpointView[]> {
    const rows = await this.db.client.webhookEndpoint.findMany({
      where: filter.status ? { status: filter.status } : {},
      take: filter.take,
      ...afterTenantCursor(this.db.vendorId, filter.cursor),
    });
    return rows.map(toEndpointView);
  }

  async find(
    id: string,
    tx: TenantTransaction | TenantPrisma['client'] = this.db.client,
  ): Promise<WebhookEndpointView | null> {
    const row = await tx.webhookEndpoint.findUnique({ where: this.db.key(id) });
    return row ? toEndpointView(row) : null;
  }

  /** Updates an endpoint; turning it ACTIVE again clears its failure record. Null when it does not exist. */
  async update(
    tx: TenantTransaction,
    id: string,
    data: {
      url?: string;
      eventTypes?: string[];
      description?: string | null;
      status?: WebhookEndpointStatus;
      encryptedSecret?: string;
    },
  ): Promise<WebhookEndpointView | null> {
    const reenable: Prisma.WebhookEndpointUpdateManyMutationInput =
      data.status === 'ACTIVE'
        ? { disabledAt: null, disabledReason: null, consecutiveFailures: 0, failingSince: null }
        : {};
    const disable: Prisma.WebhookEndpointUpdateManyMutationInput =
      data.status === 'DISABLED' ? { disabledAt: new Date(), disabledReason: 'Disabled by the vendor' } : {};
    // Only a real status change touches the failure record or the disabled stamp.
    const { count } = await tx.webhookEndpoint.updateMany({
      where: { id, ...(data.status ? { status: { not: data.status } } : {}) },
      data: { ...data, ...reenable, ...disable },
    });
    if (!count && data.status) {
      // Already in that status: apply the other fields alone.
      await tx.webhookEndpoint.updateMany({ where: { id }, data: { ...data, status: undefined } });
    }
    return this.find(id, tx);
  }

  async delete(tx: TenantTransaction, id: string): Promise<boolean> {
    const { count } = await tx.webhookEndpoint.deleteMany({ where: { id } });
    return count === 1;
  }

  async listDeliveries(
    endpointId: string,
    filter: { status?: WebhookDeliveryStatus; take: number; cursor?: string },
  ): Promise<WebhookDeliveryView[]> {
    const rows = await this.db.client.webhookDelivery.findMany({
      where: { endpointId, ...(filter.status ? { status: filter.status } : {}) },
      take: filter.take,
      ...afterTenantCursor(this.db.vendorId, filter.cursor),
    });
    return rows.map(toDeliveryView);
  }

  async findDelivery(id: string): Promise<WebhookDeliveryDetail | null> {
    const row = await this.db.client.webhookDelivery.findUnique({
      where: this.db.key(id),
      include: { attemptsLog: { orderBy: { number: 'asc' } } },
    });
    return row ? { ...toDeliveryView(row), attemptLog: row.attemptsLog.map(toAttemptView) } : null;
  }

  async findDeliverySummary(id: string): Promise<WebhookDeliveryView | null> {
    const row = await this.db.client.webhookDelivery.findUnique({ where: this.db.key(id) });
    return row ? toDeliveryView(row) : null;
  }

  async deliveryEndpointStatus(id: string): Promise<WebhookEndpointStatus | null> {
    const row = await this.db.client.webhookDelivery.findUnique({
      where: this.db.key(id),
      select: { endpoint: { select: { status: true } } },
    });
    return row?.endpoint.status ?? null;
  }

  /**
   * Starts a delivery over: due now, at the start of the retry schedule. Refused (false) while an
   * attempt holds it, so two attempts never run at once; the worker's due-delivery sweep sends it.
   */
  async restartDelivery(tx: TenantTransaction, id: string, now: Date): Promise<boolean> {
    const { count } = await tx.webhookDelivery.updateMany({
      where: { id, OR: [{ lockedUntil: null }, { lockedUntil: { lt: now } }] },
      data: { status: 'PENDING', retryStep: 0, nextAttemptAt: now, completedAt: null, lockedUntil: null },
    });
    return count === 1;
  }

  /**
   * A test event for one endpoint: the event row and its delivery in one transaction. Written here
   * rather than through OutboxRepository.append because the delivery needs the event's id; the
   * relay later publishes the event and, for this type, fans it out to this endpoint only.
   */
  async createPing(tx: TenantTransaction, endpointId: string, now: Date): Promise<WebhookDeliveryView> {
    const event = await tx.domainEvent.create({
      data: {
        vendorId: this.db.vendorId,
        type: 'webhook_endpoint.ping',
        aggregateType: 'webhook_endpoint',
        aggregateId: endpointId,
        payload: { endpointId, message: 'Test event sent on request' },
        createdAt: now,
      },
    });
    const delivery = await tx.webhookDelivery.create({
      data: { vendorId: this.db.vendorId, endpointId, eventId: event.id, eventType: event.type, nextAttemptAt: now },
    });
    return toDeliveryView(delivery);
  }
}
