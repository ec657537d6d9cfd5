import { Injectable } from '@nestjs/common';
import { TenantTransaction } from '@leasehold/db';
import { AuditService } from '@leasehold/domain-audit';
import { DomainError } from '@leasehold/errors';
import { PurchaseView } from '../licensing.types';
import { PurchasesRepository } from './purchases.repository';

// Seats a group bought of a product. Licenses in the group's containers split them (LicensesService
// checks the total under a lock on the purchase row); a purchase itself only records the total.

export interface CreatePurchaseCommand {
  groupId: string;
  productId: string;
  seats: number;
  externalId?: string | null;
}

@Injectable()
export class PurchasesService {
  constructor(
    private readonly purchases: PurchasesRepository,
    private readonly audit: AuditService,
  ) {}

  async create(command: CreatePurchaseCommand): Promise<PurchaseView> {
    return this.purchases.transaction((tx) => this.createIn(tx, command));
  }

  /** create in the caller's transaction (the ERP intake applies a whole event in one). */
  async createIn(tx: TenantTransaction, command: CreatePurchaseCommand): Promise<PurchaseView> {
    if (!(await this.purchases.groupExists(tx, command.groupId))) throw DomainError.notFound('Group', command.groupId);
    if (!(await this.purchases.productExists(tx, command.productId)))
      throw DomainError.notFound('Product', command.productId);
    const purchase = await this.purchases.create(tx, { ...command, externalId: command.externalId ?? null });
    await this.audit.record(tx, {
      action: 'purchase.created',
      entityType: 'purchase',
      entityId: purchase.id,
      groupId: purchase.groupId,
      after: purchase,
    });
    return purchase;
  }

  /**
   * Changes the seats bought (an ERP order line's new quantity), in the caller's transaction. Never
   * below what its licenses hold: shrink the licenses first. Under the purchase row lock, as splits.
   */
  async setSeatsIn(tx: TenantTransaction, id: string, seats: number): Promise<PurchaseView> {
    const before = await this.purchases.lock(tx, id);
    if (!before) throw DomainError.notFound('Purchase', id);
    if (seats === before.seats) return before;
    if (seats < before.allocated) {
      throw new DomainError(
        'PURCHASE_SEATS_EXCEEDED',
        `Purchase ${id} cannot shrink to ${seats} seats: its licenses hold ${before.allocated}`,
        {
          purchaseId: id,
          seats,
          allocated: before.allocated,
          requested: before.allocated,
        },
      );
    }
    const after = await this.purchases.setSeats(tx, id, seats, before.allocated);
    await this.audit.record(tx, {
      action: 'purchase.updated',
      entityType: 'purchase',
      entityId: id,
      groupId: after.groupId,
      before,
      after,
    });
    return after;
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
