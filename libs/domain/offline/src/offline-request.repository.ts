import { Injectable } from '@nestjs/common';
import { isUniqueViolation, TenantPrisma, TenantTransaction } from '@leasehold/db';
import { DomainError } from '@leasehold/errors';

export type OfflineRequestKindRow = 'ACTIVATE' | 'DEACTIVATE' | 'BORROW';

export interface OfflineRequestRecord {
  containerId: string;
  kind: OfflineRequestKindRow;
  nonce: string;
  fingerprintDigest: string;
  licenseId?: string | null;
  deviceId?: string | null;
  leaseId?: string | null;
  validUntil?: Date | null;
  submittedByType: 'VENDOR_KEY' | 'PORTAL_USER' | 'OPERATOR' | 'DEVICE' | 'SYSTEM';
  submittedById: string | null;
}

/** Offline requests of the current vendor (tenant-scoped): the single-use record of every code. */
@Injectable()
export class OfflineRequestRepository {
  constructor(private readonly db: TenantPrisma) {}

  transaction<T>(fn: (tx: TenantTransaction) => Promise<T>): Promise<T> {
    return this.db.client.$transaction(fn);
  }

  async isUsed(containerId: string, nonce: string): Promise<boolean> {
    return (await this.db.client.offlineRequest.count({ where: { containerId, nonce } })) > 0;
  }

  /**
   * Records a submitted code. The unique index (containerId, nonce) makes it single-use: a second
   * insert of the same nonce (also a concurrent one, which waits for the first to commit) fails.
   */
  async record(tx: TenantTransaction | undefined, data: OfflineRequestRecord): Promise<string> {
    try {
      const row = await (tx ?? this.db.client).offlineRequest.create({
        data: { ...data, vendorId: this.db.vendorId },
        select: { id: true },
      });
      return row.id;
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new DomainError(
          'OFFLINE_CODE_ALREADY_USED',
          'This code was already submitted; codes are single-use. Let the program make a new one',
          {
            containerId: data.containerId,
            nonce: data.nonce,
          },
        );
      }
      throw error;
    }
  }

  /** What the request turned out to do, once done (in the transaction that recorded it). */
  async attach(tx: TenantTransaction, id: string, data: { deviceId?: string; leaseId?: string }): Promise<void> {
    await tx.offlineRequest.update({ where: this.db.key(id), data });
  }

  /** The seats borrowed offline for this fingerprint digest (a release code returns them). */
  async borrowedLeases(containerId: string, fingerprintDigest: string): Promise<string[]> {
    const rows = await this.db.client.offlineRequest.findMany({
      where: { containerId, fingerprintDigest, kind: 'BORROW', leaseId: { not: null } },
      select: { leaseId: true },
      orderBy: { createdAt: 'asc' },
    });
    return [...new Set(rows.flatMap((r) => (r.leaseId ? [r.leaseId] : [])))];
  }
}
