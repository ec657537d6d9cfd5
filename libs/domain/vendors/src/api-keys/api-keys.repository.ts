import { Injectable } from '@nestjs/common';
import { afterCursor, ApiKey, PrismaService, TenantPrisma, TenantTransaction, VendorStatus } from '@leasehold/db';
import { ApiKeyView } from './api-key.types';

export function toApiKeyView(row: ApiKey): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    expiresAt: row.expiresAt,
    revokedAt: row.revokedAt,
    lastUsedAt: row.lastUsedAt,
    createdAt: row.createdAt,
  };
}

export interface ApiKeyRecord {
  id: string;
  vendorId: string;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  vendorStatus: VendorStatus;
}

@Injectable()
export class ApiKeysRepository {
  constructor(
    private readonly db: TenantPrisma,
    private readonly prisma: PrismaService,
  ) {}

  /** Runs `fn` in one transaction, so a change and its audit entry commit together. */
  transaction<T>(fn: (tx: TenantTransaction) => Promise<T>): Promise<T> {
    return this.db.client.$transaction(fn);
  }

  async create(
    data: { name: string; prefix: string; secretHash: string; expiresAt: Date | null },
    tx: TenantTransaction = this.db.client,
  ): Promise<ApiKeyView> {
    return toApiKeyView(await tx.apiKey.create({ data: { ...data, vendorId: this.db.vendorId } }));
  }

  async list(args: { take: number; cursor?: string; includeRevoked: boolean }): Promise<ApiKeyView[]> {
    const rows = await this.db.client.apiKey.findMany({
      where: args.includeRevoked ? {} : { revokedAt: null },
      take: args.take,
      ...afterCursor(args.cursor),
    });
    return rows.map(toApiKeyView);
  }

  async findById(id: string): Promise<ApiKeyView | null> {
    const row = await this.db.client.apiKey.findUnique({ where: { id } });
    return row ? toApiKeyView(row) : null;
  }

  /** Revokes the key if it is not revoked yet; false when it already was (a conditional update, so two revokers race safely). */
  async revoke(id: string, at: Date, tx: TenantTransaction = this.db.client): Promise<boolean> {
    const { count } = await tx.apiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: at } });
    return count === 1;
  }

  /** Authentication look-up by hash, across tenants (the tenant is what we are finding out). */
  async findByHash(secretHash: string): Promise<ApiKeyRecord | null> {
    const row = await this.prisma.apiKey.findUnique({
      where: { secretHash },
      select: {
        id: true,
        vendorId: true,
        expiresAt: true,
        revokedAt: true,
        lastUsedAt: true,
        vendor: { select: { status: true } },
      },
    });
    return row ? { ...row, vendorStatus: row.vendor.status } : null;
  }

  async touch(id: string, at: Date, olderThan: Date): Promise<void> {
    await this.prisma.apiKey.updateMany({
      where: { id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: olderThan } }] },
      data: { lastUsedAt: at },
    });
  }

  /** Deletes keys, across tenants, that expired or were revoked before `before`. */
  async purgeEndedBefore(before: Date): Promise<number> {
    const { count } = await this.prisma.apiKey.deleteMany({
      where: { OR: [{ expiresAt: { lt: before } }, { revokedAt: { lt: before } }] },
    });
    return count;
  }
}
