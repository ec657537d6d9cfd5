import { Injectable } from '@nestjs/common';
import { afterTenantCursor, Prisma, PrismaService, SqlExecutor, TenantPrisma, uuidV7 } from '@leasehold/db';
import { DOMAIN_EVENT_TYPES, DomainEventInput, DomainEventType, DomainEventView } from './domain-event.types';

/** License changes that devices must learn of: each also announces `container.updated`. */
const LICENSE_CHANGES: ReadonlySet<string> = new Set(DOMAIN_EVENT_TYPES.filter((type) => type.startsWith('license.')));

/**
 * Every change of a license is a change of the container that holds it: subscribers of
 * `container.updated` (vendor webhooks, update fan-out) hear of all of them, whichever service
 * made the change, in the same transaction.
 */
export function withDerivedEvents(events: DomainEventInput[]): DomainEventInput[] {
  return events.flatMap((event) => {
    const containerId = event.payload['containerId'];
    if (!LICENSE_CHANGES.has(event.type) || typeof containerId !== 'string') return [event];
    const derived: DomainEventInput = {
      type: 'container.updated',
      aggregateType: 'container',
      aggregateId: containerId,
      payload: {
        containerId,
        licenseId: event.aggregateId,
        cause: event.type,
        ...(event.payload['revision'] !== undefined ? { revision: event.payload['revision'] } : {}),
      },
    };
    return [event, derived];
  });
}

/**
 * The outbox. `append` must be called with the transaction that makes the change, so an event
 * exists if and only if its change committed.
 */
@Injectable()
export class OutboxRepository {
  constructor(
    private readonly db: TenantPrisma,
    private readonly prisma: PrismaService,
  ) {}

  async append(tx: SqlExecutor, ...events: DomainEventInput[]): Promise<void> {
    if (!events.length) return;
    const vendorId = this.db.vendorId;
    // One multi-row INSERT in raw SQL, so the same call works in a Prisma transaction and in the
    // plain-pg transactions of the seat hot path (PgPool).
    const rows = withDerivedEvents(events).map(
      (e) =>
        Prisma.sql`(${uuidV7()}::uuid, ${vendorId}::uuid, ${e.type}, ${e.aggregateType}, ${e.aggregateId}, ${JSON.stringify(e.payload)}::jsonb)`,
    );
    await tx.$executeRaw`
      INSERT INTO domain_events (id, "vendorId", type, "aggregateType", "aggregateId", payload) VALUES ${Prisma.join(rows)}`;
  }

  /** The oldest unpublished events, across tenants (the worker's relay). */
  async unpublished(limit: number): Promise<DomainEventView[]> {
    const rows = await this.prisma.domainEvent.findMany({
      where: { publishedAt: null },
      orderBy: { id: 'asc' },
      take: limit,
    });
    return rows.map((r) => ({ ...r, type: r.type as DomainEventType, payload: r.payload as Record<string, unknown> }));
  }

  async markPublished(ids: string[], at = new Date()): Promise<number> {
    const { count } = await this.prisma.domainEvent.updateMany({
      where: { id: { in: ids }, publishedAt: null },
      data: { publishedAt: at },
    });
    return count;
  }

  /**
   * Deletes, across tenants, events published before `before` whose webhook deliveries are all
   * finished (SUCCEEDED or FAILED; their delivery log goes with them). Unpublished events and events
   * with a delivery still pending stay, whatever their age. In batches, so no statement runs long.
   */
  async purgeDeliveredBefore(before: Date, batchSize = 5_000): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await this.prisma.$executeRaw`
        DELETE FROM domain_events WHERE ("vendorId", id) IN (
          SELECT e."vendorId", e.id FROM domain_events e
           WHERE e."publishedAt" < ${before}
             AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d."vendorId" = e."vendorId" AND d."eventId" = e.id AND d.status = 'PENDING')
           LIMIT ${batchSize})`;
      total += deleted;
      if (deleted < batchSize) return total;
    }
  }

  /** The current vendor's events, newest last. */
  async list(filter: {
    type?: string;
    aggregateId?: string;
    take: number;
    cursor?: string;
  }): Promise<DomainEventView[]> {
    const rows = await this.db.client.domainEvent.findMany({
      where: {
        ...(filter.type ? { type: filter.type } : {}),
        ...(filter.aggregateId ? { aggregateId: filter.aggregateId } : {}),
      },
      take: filter.take,
      ...afterTenantCursor(this.db.vendorId, filter.cursor),
    });
    return rows.map((r) => ({ ...r, type: r.type as DomainEventType, payload: r.payload as Record<string, unknown> }));
  }
}
