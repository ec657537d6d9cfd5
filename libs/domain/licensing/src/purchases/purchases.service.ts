import { Injectable } from '@nestjs/common';
import { AuditService } from '@leasehold/domain-audit';
import { DomainError } from '@leasehold/errors';
import { PurchaseView } from '../licensing.types';
import { PurchasesRepository } from './purchases.repository';

// Seats a group bought of a product. Licenses in the group's containers split them (LicensesService
// checks the total under a lock on the purchase row); a purchase itself only records the total.

@Injectable()
export class PurchasesService {
  constructor(
    private readonly purchases: PurchasesRepository,
    private readonly audit: AuditService,
  ) {}

  async create(command: { groupId: string; productId: string; seats: number; externalId?: string | null }): Promise<PurchaseView> {
    return this.purchases.transaction(async (tx) => {
      if (!(await this.purchases.groupExists(tx, command.groupId))) throw DomainError.notFound('Group', command.groupId);
      if (!(await this.purchases.productExists(tx, command.productId))) throw DomainError.notFound('Product', command.productId);
      const purchase = await this.purchases.create(tx, { ...command, externalId: command.externalId ?? null });
      await this.audit.record(tx, { action: 'purchase.created', entityType: 'purchase', entityId: purchase.id, groupId: purchase.groupId, after: purchase });
      return purchase;
    });
  }

  list(filter: { groupId?: string; productId?: string; take: number; cursor?: string }): Promise<PurchaseView[]> {
    return this.purchases.list(filter);
  }

  async get(id: string): Promise<PurchaseView> {
    const purchase = await this.purchases.findById(id);
    if (!purchase) throw DomainError.notFound('Purchase', id);
    return purchase;
  }
}
