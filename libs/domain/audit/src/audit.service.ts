import { Injectable } from '@nestjs/common';
import { afterCursor, Prisma, TenantPrisma, TenantTransaction } from '@leasehold/db';
import { AuditEntryView, AuditFilter, AuditRecordInput } from './audit.types';

// Every change by a vendor key, a portal user, the operator or the system is recorded with who,
// what and when, in the same transaction as the change, so the trail never misses a committed
// change nor shows one that rolled back.

function json(value: unknown): Prisma.InputJsonValue | undefined {
  return value === undefined || value === null ? undefined : (JSON.parse(JSON.stringify(value)) as Prisma.InputJsonValue);
}

@Injectable()
export class AuditService {
  constructor(private readonly db: TenantPrisma) {}

  /** Records a change; `tx` is the transaction that makes it. The actor comes from the request context. */
  async record(tx: TenantTransaction, input: AuditRecordInput): Promise<void> {
    const actor = this.db.tenant.actor;
    await tx.auditEntry.create({
      data: {
        vendorId: this.db.vendorId,
        actorType: actor.type,
        actorId: actor.id,
        action: input.action,
        entityType: input.entityType,
        entityId: input.entityId,
        groupId: input.groupId ?? null,
        before: json(input.before),
        after: json(input.after),
      },
    });
  }

  /**
   * Records a change made outside a tenant-scoped transaction (the operator creating or suspending
   * a vendor): `tx` is an unscoped Prisma transaction and the vendor is named explicitly.
   */
  async recordForVendor(tx: Prisma.TransactionClient, vendorId: string, input: AuditRecordInput): Promise<void> {
    const actor = this.db.tenant.actor;
    await tx.auditEntry.create({
      data: {
        vendorId,
        actorType: actor.type,
        actorId: actor.id,
        action: input.action,
        entityType: input.entityType,
        entityId: input.entityId,
        groupId: input.groupId ?? null,
        before: json(input.before),
        after: json(input.after),
      },
    });
  }

  async list(filter: AuditFilter): Promise<AuditEntryView[]> {
    const rows = await this.db.client.auditEntry.findMany({
      where: {
        ...(filter.actorType ? { actorType: filter.actorType } : {}),
        ...(filter.actorId ? { actorId: filter.actorId } : {}),
        ...(filter.entityType ? { entityType: filter.entityType } : {}),
        ...(filter.entityId ? { entityId: filter.entityId } : {}),
        ...(filter.groupId ? { groupId: filter.groupId } : {}),
        ...(filter.from || filter.to ? { createdAt: { ...(filter.from ? { gte: filter.from } : {}), ...(filter.to ? { lt: filter.to } : {}) } } : {}),
      },
      take: filter.take,
      ...afterCursor(filter.cursor),
    });
    return rows.map((r) => ({
      id: r.id,
      actorType: r.actorType,
      actorId: r.actorId,
      action: r.action,
      entityType: r.entityType,
      entityId: r.entityId,
      groupId: r.groupId,
      before: r.before,
      after: r.after,
      createdAt: r.createdAt,
    }));
  }
}
