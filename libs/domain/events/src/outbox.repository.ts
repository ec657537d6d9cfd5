import { Injectable } from '@nestjs/common';
import { Prisma, PrismaService, TenantPrisma, TenantTransaction } from '@leasehold/db';
import { DomainEventInput, DomainEventType, DomainEventView } from './domain-event.types';

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

  async append(tx: TenantTransaction, ...events: DomainEventInput[]): Promise<void> {
    if (!events.length) return;
    const vendorId = this.db.vendorId;
    await tx.domainEvent.createMany({
      data: events.map((e) => ({ ...e, payload: e.payload as Prisma.InputJsonValue, vendorId })),
    });
  }

  /** The oldest unpublished events, across tenants (the worker's relay). */
  async unpublished(limit: number): Promise<DomainEventView[]> {
    const rows = await this.prisma.domainEvent.findMany({ where: { publishedAt: null }, orderBy: { id: 'asc' }, take: limit });
    return rows.map((r) => ({ ...r, type: r.type as DomainEventType, payload: r.payload as Record<string, unknown> }));
  }

  async markPublished(ids: string[], at = new Date()): Promise<number> {
    const { count } = await this.prisma.domainEvent.updateMany({ where: { id: { in: ids }, publishedAt: null }, data: { publishedAt: at } });
    return count;
  }

  /** The current vendor's events, newest last. */
  async list(filter: { type?: string; aggregateId?: string; take: number; cursor?: string }): Promise<DomainEventView[]> {
    const rows = await this.db.client.domainEvent.findMany({
      where: { ...(filter.type ? { type: filter.type } : {}), ...(filter.aggregateId ? { aggregateId: filter.aggregateId } : {}) },
      take: filter.take,
      ...(filter.cursor ? { cursor: { id: filter.cursor }, skip: 1 } : {}),
      orderBy: { id: 'asc' },
    });
    return rows.map((r) => ({ ...r, type: r.type as DomainEventType, payload: r.payload as Record<string, unknown> }));
  }
}
