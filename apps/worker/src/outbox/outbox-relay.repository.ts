import { Injectable } from '@nestjs/common';
import { Prisma } from '@leasehold/db';
import type { DomainEventType, DomainEventView } from '@leasehold/domain-events';

interface EventRow {
  id: string;
  vendorId: string;
  type: string;
  aggregateType: string;
  aggregateId: string;
  payload: unknown;
  createdAt: Date;
  publishedAt: Date | null;
}

/** The relay's reads and writes of the outbox, across vendors, inside the relay's transaction. */
@Injectable()
export class OutboxRelayRepository {
  /**
   * The oldest unpublished events, locked for this transaction. Raw SQL because Prisma has no
   * FOR UPDATE: SKIP LOCKED lets two relays (two workers) each take a different batch instead of
   * both publishing the same events, or one waiting on the other.
   */
  async lockBatch(tx: Prisma.TransactionClient, limit: number): Promise<DomainEventView[]> {
    const rows = await tx.$queryRaw<EventRow[]>`
      SELECT id, "vendorId", type, "aggregateType", "aggregateId", payload, "createdAt", "publishedAt"
        FROM domain_events
       WHERE "publishedAt" IS NULL
       ORDER BY id
       LIMIT ${limit}
         FOR UPDATE SKIP LOCKED`;
    return rows.map((r) => ({
      ...r,
      type: r.type as DomainEventType,
      payload: (r.payload ?? {}) as Record<string, unknown>,
    }));
  }

  async markPublished(tx: Prisma.TransactionClient, ids: string[], at: Date): Promise<number> {
    if (!ids.length) return 0;
    const { count } = await tx.domainEvent.updateMany({
      where: { id: { in: ids }, publishedAt: null },
      data: { publishedAt: at },
    });
    return count;
  }
}
