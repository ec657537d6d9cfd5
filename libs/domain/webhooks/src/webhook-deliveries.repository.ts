import { Injectable } from '@nestjs/common';
import { Prisma, PrismaService, TenantTransaction } from '@leasehold/db';
import { FanOutEvent } from './webhooks.types';

/** A delivery to attempt when it is due: its key and due time (what a delivery job carries). */
export interface DueDelivery {
  vendorId: string;
  id: string;
  nextAttemptAt: Date;
}

export interface ClaimedDelivery {
  id: string;
  vendorId: string;
  endpointId: string;
  eventId: string;
  attempts: number;
  retryStep: number;
  lockedUntil: Date;
}

export interface DeliveryToSend {
  endpoint: { url: string; encryptedSecret: string; status: 'ACTIVE' | 'DISABLED' };
  event: { id: string; vendorId: string; type: string; createdAt: Date; payload: unknown };
}

export type DeliveryNext =
  | { status: 'SUCCEEDED' }
  | { status: 'PENDING'; nextAttemptAt: Date; retryStep: number }
  | { status: 'FAILED'; retryStep: number };

export interface AttemptRecord {
  number: number;
  startedAt: Date;
  durationMs: number;
  succeeded: boolean;
  statusCode: number | null;
  responseExcerpt: string | null;
  error: string | null;
}

/** The webhook event type that goes to one named endpoint only (aggregateId), whatever it subscribes to. */
export const PING_EVENT_TYPE = 'webhook_endpoint.ping';

/**
 * The worker's side of deliveries. Jobs carry only a delivery id and the relay works across
 * vendors, so claims and fan-out use the unscoped client; writes that belong to one vendor take
 * that vendor's tenant transaction.
 */
@Injectable()
export class WebhookDeliveriesRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Creates one delivery per ACTIVE endpoint subscribed to each event, due now. Idempotent: the
   * unique (vendorId, endpointId, eventId) skips deliveries that exist, so a relay run repeated after a
   * crash creates nothing twice. Returns only the deliveries created by this call.
   */
  async createForEvents(tx: Prisma.TransactionClient, events: FanOutEvent[], now: Date): Promise<DueDelivery[]> {
    if (!events.length) return [];
    const vendorIds = [...new Set(events.map((e) => e.vendorId))];
    const endpoints = await tx.webhookEndpoint.findMany({
      where: { vendorId: { in: vendorIds }, status: 'ACTIVE' },
      select: { id: true, vendorId: true, eventTypes: true },
    });
    const data: Prisma.WebhookDeliveryCreateManyInput[] = [];
    for (const event of events) {
      const targets = endpoints.filter((endpoint) => {
        if (endpoint.vendorId !== event.vendorId) return false;
        if (event.type === PING_EVENT_TYPE) return endpoint.id === event.aggregateId;
        return endpoint.eventTypes.includes('*') || endpoint.eventTypes.includes(event.type);
      });
      for (const endpoint of targets) {
        data.push({
          vendorId: event.vendorId,
          endpointId: endpoint.id,
          eventId: event.id,
          eventType: event.type,
          nextAttemptAt: now,
        });
      }
    }
    if (!data.length) return [];
    const created = await tx.webhookDelivery.createManyAndReturn({
      data,
      skipDuplicates: true,
      select: { vendorId: true, id: true, nextAttemptAt: true },
    });
    return created.map((d) => ({ vendorId: d.vendorId, id: d.id, nextAttemptAt: d.nextAttemptAt ?? now }));
  }

  /**
   * Takes a due delivery for one attempt: a conditional update, so of two workers (or a job and
   * its duplicate) one gets it. The lock expires, so an attempt that died is made again later.
   */
  async claim(
    delivery: { vendorId?: string; id: string },
    now: Date,
    lockUntil: Date,
  ): Promise<ClaimedDelivery | null> {
    const rows = await this.prisma.$queryRaw<ClaimedDelivery[]>`
      UPDATE webhook_deliveries
         SET "lockedUntil" = ${lockUntil}, "updatedAt" = ${now}
       WHERE id = ${delivery.id}::uuid
         -- by its primary key; a job queued before jobs carried the vendor finds it by id alone
         AND ${delivery.vendorId ? Prisma.sql`"vendorId" = ${delivery.vendorId}::uuid` : Prisma.sql`true`}
         AND status = 'PENDING'
         AND "nextAttemptAt" <= ${now}
         AND ("lockedUntil" IS NULL OR "lockedUntil" < ${now})
   RETURNING id, "vendorId", "endpointId", "eventId", attempts, "retryStep", "lockedUntil"`;
    return rows[0] ?? null;
  }

  async toSend(vendorId: string, deliveryId: string): Promise<DeliveryToSend | null> {
    const row = await this.prisma.webhookDelivery.findUnique({
      where: { vendorId_id: { vendorId, id: deliveryId } },
      select: {
        endpoint: { select: { url: true, encryptedSecret: true, status: true } },
        event: { select: { id: true, vendorId: true, type: true, createdAt: true, payload: true } },
      },
    });
    return row;
  }

  /** Deliveries that are due and not held by an attempt (the sweep's safety net). */
  async due(now: Date, limit: number): Promise<DueDelivery[]> {
    const rows = await this.prisma.webhookDelivery.findMany({
      where: {
        status: 'PENDING',
        nextAttemptAt: { lte: now },
        OR: [{ lockedUntil: null }, { lockedUntil: { lt: now } }],
      },
      select: { vendorId: true, id: true, nextAttemptAt: true },
      orderBy: { nextAttemptAt: 'asc' },
      take: limit,
    });
    return rows.map((r) => ({ vendorId: r.vendorId, id: r.id, nextAttemptAt: r.nextAttemptAt ?? now }));
  }

  /**
   * Records the outcome of a claimed attempt, if the claim still holds (its lock unchanged): the
   * attempt row and the delivery's new state together. False when another worker took over.
   */
  async recordAttempt(
    tx: TenantTransaction,
    claimed: ClaimedDelivery,
    attempt: AttemptRecord | null,
    next: DeliveryNext,
    error?: string,
  ): Promise<boolean> {
    const finished = next.status !== 'PENDING';
    const { count } = await tx.webhookDelivery.updateMany({
      where: { id: claimed.id, lockedUntil: claimed.lockedUntil },
      data: {
        status: next.status,
        lockedUntil: null,
        ...(next.status === 'PENDING' ? { nextAttemptAt: next.nextAttemptAt, retryStep: next.retryStep } : {}),
        ...(next.status === 'FAILED' ? { retryStep: next.retryStep, nextAttemptAt: null } : {}),
        ...(next.status === 'SUCCEEDED' ? { nextAttemptAt: null } : {}),
        ...(finished ? { completedAt: new Date() } : {}),
        ...(attempt
          ? {
              attempts: attempt.number,
              lastAttemptAt: attempt.startedAt,
              lastStatusCode: attempt.statusCode,
              lastError: attempt.error,
            }
          : { lastError: error ?? null }),
      },
    });
    if (!count) return false;
    if (attempt)
      await tx.webhookAttempt.create({ data: { vendorId: claimed.vendorId, deliveryId: claimed.id, ...attempt } });
    return true;
  }

  async endpointSucceeded(tx: TenantTransaction, endpointId: string): Promise<void> {
    await tx.webhookEndpoint.updateMany({
      where: { id: endpointId, OR: [{ failingSince: { not: null } }, { consecutiveFailures: { gt: 0 } }] },
      data: { failingSince: null, consecutiveFailures: 0 },
    });
  }

  /** Notes a failed attempt (and a given-up delivery) on the endpoint; returns its failure record. */
  async endpointFailed(
    tx: TenantTransaction,
    endpointId: string,
    at: Date,
    gaveUp: boolean,
  ): Promise<{ status: 'ACTIVE' | 'DISABLED'; url: string; consecutiveFailures: number; failingSince: Date | null }> {
    await tx.webhookEndpoint.updateMany({ where: { id: endpointId, failingSince: null }, data: { failingSince: at } });
    // By id within the transaction's vendor (the tenant client adds it): the key is ("vendorId", id).
    const [row] = await tx.webhookEndpoint.updateManyAndReturn({
      where: { id: endpointId },
      data: gaveUp ? { consecutiveFailures: { increment: 1 } } : {},
      select: { status: true, url: true, consecutiveFailures: true, failingSince: true },
    });
    if (!row) throw new Error(`Webhook endpoint ${endpointId} not found`);
    return row;
  }

  /** Disables an ACTIVE endpoint; false when it was not ACTIVE (so the event is appended once). */
  async disableEndpoint(tx: TenantTransaction, endpointId: string, at: Date, reason: string): Promise<boolean> {
    const { count } = await tx.webhookEndpoint.updateMany({
      where: { id: endpointId, status: 'ACTIVE' },
      data: { status: 'DISABLED', disabledAt: at, disabledReason: reason },
    });
    return count === 1;
  }
}
