import { Injectable } from '@nestjs/common';
import { afterTenantCursor, SqlExecutor, TenantPrisma, uuidV7 } from '@leasehold/db';
import { AuditEntryView, AuditFilter, AuditRecordInput } from './audit.types';

// Every change by a vendor key, a portal user, the operator or the system is recorded with who,
// what and when, in the same transaction as the change, so the trail never misses a committed
// change nor shows one that rolled back.

/** The JSON text of a before/after value (Dates as ISO strings), or null for none. */
function jsonText(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

@Injectable()
export class AuditService {
  constructor(private readonly db: TenantPrisma) {}

  /**
   * Records a change; `tx` is the transaction that makes it (a Prisma transaction or a PgPool one,
   * such as the seat transactions: one raw INSERT serves both). The actor comes from the request context.
   */
  async record(tx: SqlExecutor, input: AuditRecordInput): Promise<void> {
    await this.insert(tx, this.db.vendorId, input);
  }

  /**
   * Records a change made outside a tenant-scoped transaction (the operator creating or suspending
   * a vendor): `tx` is an unscoped Prisma transaction and the vendor is named explicitly.
   */
  async recordForVendor(tx: SqlExecutor, vendorId: string, input: AuditRecordInput): Promise<void> {
    await this.insert(tx, vendorId, input);
  }

  private async insert(tx: SqlExecutor, vendorId: string, input: AuditRecordInput): Promise<void> {
    const actor = this.db.tenant.actor;
    await tx.$executeRaw`
      INSERT INTO audit_entries (id, "vendorId", "actorType", "actorId", action, "entityType", "entityId", "groupId", before, after)
      VALUES (${uuidV7()}::uuid, ${vendorId}::uuid, ${actor.type}::"ActorType", ${actor.id ?? null}, ${input.action}, ${input.entityType},
              ${input.entityId}, ${input.groupId ?? null}::uuid, ${jsonText(input.before)}::jsonb, ${jsonText(input.after)}::jsonb)`;
  }

  async list(filter: AuditFilter): Promise<AuditEntryView[]> {
    const rows = await this.db.client.auditEntry.findMany({
      where: {
        ...(filter.actorType ? { actorType: filter.actorType } : {}),
        ...(filter.actorId ? { actorId: filter.actorId } : {}),
        ...(filter.entityType ? { entityType: filter.entityType } : {}),
        ...(filter.entityId ? { entityId: filter.entityId } : {}),
        ...(filter.groupId ? { groupId: filter.groupId } : {}),
        ...(filter.from || filter.to
          ? { createdAt: { ...(filter.from ? { gte: filter.from } : {}), ...(filter.to ? { lt: filter.to } : {}) } }
          : {}),
      },
      take: filter.take,
      ...afterTenantCursor(this.db.vendorId, filter.cursor),
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
