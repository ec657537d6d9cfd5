import { Injectable } from '@nestjs/common';
import { TenantTransaction } from '@leasehold/db';
import { AuditService } from '@leasehold/domain-audit';
import { OutboxRepository } from '@leasehold/domain-events';
import { UpdateSignal } from '@leasehold/domain-updates';
import { DomainError } from '@leasehold/errors';
import { LicenseView, UpdateLicenseCommand } from '../licensing.types';
import { LicensesService } from '../licenses/licenses.service';
import { PurchaseSplitRepository } from './purchase-split.repository';
import { PurchasesService } from './purchases.service';

// How the licenses of one purchase split its seats. The group admin moves seats between the
// group's ENTERPRISE containers (never above the seats bought, never below the seats in use in
// the source); the vendor's ERP sets the purchase total. Both run under the purchase row lock and
// change quantities only through LicensesService.updateIn/createIn (seat slots, revision, events).

const invalid = (field: string, message: string) =>
  new DomainError('VALIDATION_FAILED', message, { fields: [{ field, messages: [message] }] });

export interface MoveSeatsCommand {
  /** The admin's group: both containers must belong to it. */
  groupId: string;
  fromLicenseId: string;
  toContainerId: string;
  seats: number;
}

export interface SeatMoveView {
  purchaseId: string;
  seats: number;
  from: LicenseView;
  to: LicenseView;
  /** The target container had no license of the purchase: one was created with the source's terms. */
  createdTarget: boolean;
}

@Injectable()
export class PurchaseSplitService {
  constructor(
    private readonly split: PurchaseSplitRepository,
    private readonly licenses: LicensesService,
    private readonly purchases: PurchasesService,
    private readonly audit: AuditService,
    private readonly outbox: OutboxRepository,
    private readonly updates: UpdateSignal,
  ) {}

  /**
   * Moves `seats` seats from a license to the license of the same purchase in another container of
   * the group (created with the source's product, features, term and settings if there is none).
   * The purchase's total never changes; the source keeps at least the seats in use in it, even
   * under racing checkouts (only free slots are deleted, else SEATS_IN_USE and nothing moves).
   */
  async move(command: MoveSeatsCommand): Promise<SeatMoveView> {
    const moved = await this.split.transaction((tx) => this.moveIn(tx, command));
    this.updates.announceLicenseChange(moved.from.containerId);
    this.updates.announceLicenseChange(moved.to.containerId);
    return moved;
  }

  private async moveIn(tx: TenantTransaction, command: MoveSeatsCommand): Promise<SeatMoveView> {
    const { groupId, fromLicenseId, toContainerId, seats } = command;
    if (!Number.isInteger(seats) || seats < 1) throw invalid('seats', 'seats must be a positive integer');
    const source = await this.split.licenseWithContainer(tx, fromLicenseId);
    if (!source || source.container.groupId !== groupId) throw DomainError.notFound('License', fromLicenseId);
    const target = await this.split.container(tx, toContainerId);
    if (!target || target.groupId !== groupId) throw DomainError.notFound('Container', toContainerId);
    if (source.container.kind !== 'ENTERPRISE' || target.kind !== 'ENTERPRISE') {
      throw new DomainError('CONTAINER_KIND_MISMATCH', "Seats move only between the group's ENTERPRISE containers", {
        fromContainerKind: source.container.kind,
        toContainerKind: target.kind,
      });
    }
    if (target.id === source.license.containerId)
      throw invalid('toContainerId', "toContainerId must be another container than the license's own");
    const purchaseId = source.license.purchaseId;
    if (!purchaseId) {
      throw new DomainError(
        'LICENSE_NOT_FROM_PURCHASE',
        `License ${fromLicenseId} draws on no purchase; only seats of a purchase can be moved`,
        { licenseId: fromLicenseId },
      );
    }
    if (!(await this.split.lockPurchase(tx, purchaseId))) throw DomainError.notFound('Purchase', purchaseId);
    // Read again under the purchase lock: every quantity change of these licenses takes it first.
    const licenses = await this.split.licensesOfPurchase(tx, purchaseId);
    const from = licenses.find((l) => l.id === fromLicenseId);
    if (!from) throw new DomainError('LICENSE_REVOKED', `License ${fromLicenseId} was revoked`, { id: fromLicenseId });
    const existing = licenses.find((l) => l.containerId === target.id) ?? null;
    for (const license of [from, existing]) {
      if (license && license.status !== 'ACTIVE') {
        throw new DomainError('LICENSE_SUSPENDED', `License ${license.id} is suspended: its seats cannot move`, {
          licenseId: license.id,
        });
      }
    }
    if (seats > from.quantity) throw invalid('seats', `License ${from.id} has ${from.quantity} seats`);

    const shrunk = await this.licenses.updateIn(
      tx,
      from.id,
      { quantity: from.quantity - seats },
      { keepSeatsInUse: true },
    );
    const grown = existing
      ? await this.licenses.updateIn(tx, existing.id, { quantity: existing.quantity + seats })
      : await this.licenses.createIn(tx, target.id, {
          productId: from.productId,
          purchaseId,
          features: from.features,
          quantity: seats,
          validFrom: from.validFrom,
          expiresAt: from.expiresAt,
          leaseTtlSeconds: from.leaseTtlSeconds,
          heartbeatIntervalSeconds: from.heartbeatIntervalSeconds,
          borrowAllowed: from.borrowAllowed,
          maxBorrowDays: from.maxBorrowDays,
          offlinePeriodDays: from.offlinePeriodDays,
          maxDeactivationsPer30Days: from.maxDeactivationsPer30Days,
          renewalPolicy: from.renewalPolicy,
          renewalTermDays: from.renewalTermDays,
        });
    const payload = {
      purchaseId,
      seats,
      fromLicenseId: shrunk.id,
      fromContainerId: shrunk.containerId,
      fromQuantity: shrunk.quantity,
      toLicenseId: grown.id,
      toContainerId: grown.containerId,
      toQuantity: grown.quantity,
      createdTarget: !existing,
    };
    await this.audit.record(tx, {
      action: 'license.seats_moved',
      entityType: 'license',
      entityId: shrunk.id,
      groupId,
      after: payload,
    });
    await this.outbox.append(tx, {
      type: 'license.seats_moved',
      aggregateType: 'license',
      aggregateId: shrunk.id,
      payload,
    });
    return { purchaseId, seats, from: shrunk, to: grown, createdTarget: !existing };
  }

  /** The purchase's licenses that are not revoked (an ERP line's license and those seats were moved to). */
  licensesOfPurchaseIn(tx: TenantTransaction, purchaseId: string): Promise<LicenseView[]> {
    return this.split.licensesOfPurchase(tx, purchaseId);
  }

  /**
   * The vendor (ERP order line) sets the seats bought. Growth goes to the home license (the one the
   * order created). A shrink first gives up seats no license holds, then takes them from the home
   * license, then from the licenses seats were moved to (newest first), through the vendor's
   * shrink (running sessions end never; leases above a quantity run on as excess). `change`
   * (features, expiry of the same ERP line) goes with each quantity change, so one event is one
   * revision. Returns the licenses it changed (none when the total is the same).
   */
  async setTotalIn(
    tx: TenantTransaction,
    purchaseId: string,
    homeLicenseId: string,
    seats: number,
    change: Omit<UpdateLicenseCommand, 'quantity'> = {},
  ): Promise<string[]> {
    const purchase = await this.split.lockPurchase(tx, purchaseId);
    if (!purchase) throw DomainError.notFound('Purchase', purchaseId);
    if (seats === purchase.seats) return [];
    const licenses = await this.split.licensesOfPurchase(tx, purchaseId);
    const home = licenses.find((l) => l.id === homeLicenseId);
    if (!home)
      throw new DomainError('LICENSE_REVOKED', `License ${homeLicenseId} was revoked and can no longer change`, {
        id: homeLicenseId,
      });
    if (seats > purchase.seats) {
      await this.purchases.setSeatsIn(tx, purchaseId, seats);
      await this.licenses.updateIn(tx, home.id, { ...change, quantity: home.quantity + seats - purchase.seats });
      return [home.id];
    }
    const changed: string[] = [];
    let excess = licenses.reduce((sum, l) => sum + l.quantity, 0) - seats;
    for (const license of [home, ...licenses.filter((l) => l.id !== home.id).reverse()]) {
      if (excess <= 0) break;
      const take = Math.min(excess, license.quantity);
      if (take > 0) {
        await this.licenses.updateIn(tx, license.id, { ...change, quantity: license.quantity - take });
        changed.push(license.id);
      }
      excess -= take;
    }
    await this.purchases.setSeatsIn(tx, purchaseId, seats);
    return changed;
  }
}
