import { Injectable } from '@nestjs/common';
import { TenantTransaction } from '@leasehold/db';
import { AuditService } from '@leasehold/domain-audit';
import { DomainEventType, OutboxRepository } from '@leasehold/domain-events';
import { SeatPoolService } from '@leasehold/domain-seats';
import { UpdateSignal } from '@leasehold/domain-updates';
import { DomainError } from '@leasehold/errors';
import {
  CreateLicenseCommand,
  LicenseStatus,
  LicenseView,
  LicenseWithProductView,
  UpdateLicenseCommand,
} from '../licensing.types';
import { LicenseChange, LicensesRepository } from './licenses.repository';

// A license puts a product (with some of its features) in a container: quantity is devices that
// may run at once (PERSONAL) or concurrent seats (ENTERPRISE). Every change raises its revision
// and is audited and announced in the same transaction. Licenses drawing on a group's purchase
// never hold more seats in total than were bought: checked under a lock on the purchase row.

const invalid = (field: string, message: string) =>
  new DomainError('VALIDATION_FAILED', message, { fields: [{ field, messages: [message] }] });

const TRANSITIONS: Record<
  'suspend' | 'resume' | 'revoke',
  { from: LicenseStatus[]; to: LicenseStatus; event: DomainEventType }
> = {
  suspend: { from: ['ACTIVE'], to: 'SUSPENDED', event: 'license.suspended' },
  resume: { from: ['SUSPENDED'], to: 'ACTIVE', event: 'license.resumed' },
  revoke: { from: ['ACTIVE', 'SUSPENDED'], to: 'REVOKED', event: 'license.revoked' },
};

@Injectable()
export class LicensesService {
  constructor(
    private readonly licenses: LicensesRepository,
    private readonly seatPool: SeatPoolService,
    private readonly audit: AuditService,
    private readonly outbox: OutboxRepository,
    private readonly updates: UpdateSignal,
  ) {}

  async create(containerId: string, command: CreateLicenseCommand): Promise<LicenseView> {
    const created = await this.licenses.transaction((tx) => this.createIn(tx, containerId, command));
    return this.announced(created);
  }

  /**
   * create in the caller's transaction (the ERP intake applies a whole event in one). Programs
   * waiting for updates hear of it from the outbox relay, after the caller commits.
   */
  async createIn(tx: TenantTransaction, containerId: string, command: CreateLicenseCommand): Promise<LicenseView> {
    const container = await this.licenses.containerFacts(tx, containerId);
    if (!container) throw DomainError.notFound('Container', containerId);
    const features = await this.checkFeatures(tx, command.productId, command.features ?? []);
    const validFrom = command.validFrom ?? new Date();
    this.checkWindow(validFrom, command.expiresAt ?? null);
    this.checkQuantity(container, command.quantity);
    if (command.purchaseId) {
      await this.checkPurchase(tx, command.purchaseId, null, command.quantity, {
        groupId: container.groupId,
        productId: command.productId,
      });
    }
    const license = await this.licenses.create(tx, {
      containerId,
      productId: command.productId,
      purchaseId: command.purchaseId ?? null,
      features,
      quantity: command.quantity,
      validFrom,
      expiresAt: command.expiresAt ?? null,
      externalId: command.externalId ?? null,
      ...this.settings(command),
    });
    await this.seatPool.resize(tx, license.id, license.quantity);
    await this.record(tx, 'license.created', license, { after: license });
    return license;
  }

  async get(id: string): Promise<LicenseView> {
    const license = await this.licenses.findById(id);
    if (!license) throw DomainError.notFound('License', id);
    return license;
  }

  async listByContainer(containerId: string, filter: { take: number; cursor?: string }): Promise<LicenseView[]> {
    return this.licenses.listByContainer(containerId, filter);
  }

  /** Every license of the container, read in the caller's transaction (an ERP order's lines). */
  listByContainerIn(tx: TenantTransaction, containerId: string): Promise<LicenseView[]> {
    return this.licenses.listAllByContainer(tx, containerId);
  }

  /** The licenses of several containers with their products, for lists of containers. */
  listWithProductByContainers(containerIds: string[]): Promise<LicenseWithProductView[]> {
    return this.licenses.listWithProductByContainers(containerIds);
  }

  async update(id: string, command: UpdateLicenseCommand): Promise<LicenseView> {
    const changed = await this.licenses.transaction((tx) => this.updateIn(tx, id, command));
    return this.announced(changed);
  }

  /**
   * update in the caller's transaction (see createIn). With `keepSeatsInUse`, a smaller quantity
   * must not leave seats in use above it (a seat move: SEATS_IN_USE, nothing changes); without it,
   * leases above a shrunk quantity run on as excess (the vendor's shrink).
   */
  async updateIn(
    tx: TenantTransaction,
    id: string,
    command: UpdateLicenseCommand,
    options: { keepSeatsInUse?: boolean } = {},
  ): Promise<LicenseView> {
    if (command.quantity !== undefined) {
      // Lock order for quantity changes: the purchase row first, then the license (as seat moves do).
      const purchaseId = await this.licenses.purchaseIdOf(tx, id);
      if (purchaseId) await this.licenses.lockPurchase(tx, purchaseId, id);
    }
    const before = await this.licenses.lock(tx, id);
    if (!before) throw DomainError.notFound('License', id);
    if (before.status === 'REVOKED')
      throw new DomainError('LICENSE_REVOKED', `License ${id} was revoked and can no longer change`, { id });
    const change: LicenseChange = { ...this.settings(command) };
    if (command.features !== undefined)
      change.features = await this.checkFeatures(tx, before.productId, command.features);
    if (command.validFrom !== undefined || command.expiresAt !== undefined) {
      const validFrom = command.validFrom ?? before.validFrom;
      const expiresAt = command.expiresAt !== undefined ? command.expiresAt : before.expiresAt;
      this.checkWindow(validFrom, expiresAt);
      Object.assign(change, { validFrom, expiresAt });
    }
    if (command.quantity !== undefined && command.quantity !== before.quantity) {
      const container = await this.licenses.containerFacts(tx, before.containerId);
      if (!container) throw DomainError.notFound('Container', before.containerId);
      this.checkQuantity(container, command.quantity);
      if (before.purchaseId) await this.checkPurchase(tx, before.purchaseId, id, command.quantity, null);
      change.quantity = command.quantity;
    }
    const after = await this.licenses.update(tx, id, change);
    if (change.quantity !== undefined) {
      const pool = await this.seatPool.resize(tx, id, after.quantity);
      if (options.keepSeatsInUse && pool.excess > 0) {
        const seats = before.quantity - after.quantity;
        throw new DomainError(
          'SEATS_IN_USE',
          `Only ${Math.max(0, seats - pool.excess)} of the ${seats} seats of license ${id} are free to move now`,
          {
            licenseId: id,
            seats,
            movable: Math.max(0, seats - pool.excess),
          },
        );
      }
    }
    await this.record(tx, 'license.changed', after, { before, after });
    return after;
  }

  async transition(id: string, action: 'suspend' | 'resume' | 'revoke'): Promise<LicenseView> {
    const moved = await this.licenses.transaction((tx) => this.transitionIn(tx, id, action));
    return this.announced(moved);
  }

  /** transition in the caller's transaction (see createIn). */
  async transitionIn(tx: TenantTransaction, id: string, action: 'suspend' | 'resume' | 'revoke'): Promise<LicenseView> {
    const rule = TRANSITIONS[action];
    const before = await this.licenses.lock(tx, id);
    if (!before) throw DomainError.notFound('License', id);
    if (before.status === 'REVOKED') throw new DomainError('LICENSE_REVOKED', `License ${id} was revoked`, { id });
    if (!rule.from.includes(before.status)) {
      throw new DomainError('LICENSE_STATUS_CONFLICT', `Cannot ${action} a license that is ${before.status}`, {
        id,
        status: before.status,
      });
    }
    const after = await this.licenses.setStatus(tx, id, rule.to);
    await this.record(tx, rule.event, after, {
      before: { status: before.status },
      after: { status: after.status, revision: after.revision },
    });
    return after;
  }

  /**
   * After commit: wakes the container's programs waiting for updates (GET /client/v1/updates)
   * within a second; the outbox relay announces the event again later, which is harmless.
   */
  private announced(license: LicenseView): LicenseView {
    this.updates.announceLicenseChange(license.containerId);
    return license;
  }

  private settings(command: Partial<CreateLicenseCommand & UpdateLicenseCommand>): LicenseChange {
    const keys = [
      'leaseTtlSeconds',
      'heartbeatIntervalSeconds',
      'borrowAllowed',
      'maxBorrowDays',
      'offlinePeriodDays',
      'maxDeactivationsPer30Days',
      'renewalPolicy',
      'renewalTermDays',
    ] as const;
    const settings: Record<string, unknown> = {};
    for (const key of keys) if (command[key] !== undefined) settings[key] = command[key];
    if (settings['heartbeatIntervalSeconds'] !== undefined && settings['leaseTtlSeconds'] !== undefined) {
      if ((settings['heartbeatIntervalSeconds'] as number) >= (settings['leaseTtlSeconds'] as number)) {
        throw invalid('heartbeatIntervalSeconds', 'heartbeatIntervalSeconds must be shorter than leaseTtlSeconds');
      }
    }
    return settings as LicenseChange;
  }

  /** Feature codes must be codes of the license's product; duplicates collapse. */
  private async checkFeatures(tx: TenantTransaction, productId: string, features: string[]): Promise<string[]> {
    const codes = await this.licenses.productFeatureCodes(tx, productId);
    if (!codes) throw DomainError.notFound('Product', productId);
    const unknown = features.filter((f) => !codes.includes(f));
    if (unknown.length) {
      throw new DomainError('FEATURE_NOT_IN_PRODUCT', `Not features of product ${productId}: ${unknown.join(', ')}`, {
        productId,
        unknown,
      });
    }
    return [...new Set(features)];
  }

  private checkWindow(validFrom: Date, expiresAt: Date | null): void {
    if (expiresAt && expiresAt.getTime() <= validFrom.getTime())
      throw invalid('expiresAt', 'expiresAt must be after validFrom');
  }

  private checkQuantity(container: { deviceLimit: number | null }, quantity: number): void {
    if (container.deviceLimit !== null && quantity > container.deviceLimit) {
      throw invalid(
        'quantity',
        `quantity of a license in a PERSONAL container cannot exceed its device limit (${container.deviceLimit})`,
      );
    }
  }

  private async checkPurchase(
    tx: TenantTransaction,
    purchaseId: string,
    licenseId: string | null,
    quantity: number,
    fit: { groupId: string | null; productId: string } | null,
  ): Promise<void> {
    const purchase = await this.licenses.lockPurchase(tx, purchaseId, licenseId);
    if (!purchase) throw DomainError.notFound('Purchase', purchaseId);
    if (fit && (fit.groupId !== purchase.groupId || fit.productId !== purchase.productId)) {
      throw new DomainError(
        'CONTAINER_KIND_MISMATCH',
        "A license may only draw on a purchase of its container's group and of the same product",
        {
          purchaseId,
          purchaseGroupId: purchase.groupId,
          containerGroupId: fit.groupId,
        },
      );
    }
    if (purchase.allocated + quantity > purchase.seats) {
      throw new DomainError(
        'PURCHASE_SEATS_EXCEEDED',
        `Purchase ${purchaseId} has ${purchase.seats - purchase.allocated} of ${purchase.seats} seats left`,
        {
          purchaseId,
          seats: purchase.seats,
          allocated: purchase.allocated,
          requested: quantity,
        },
      );
    }
  }

  private async record(
    tx: TenantTransaction,
    type: DomainEventType,
    license: LicenseView,
    change: { before?: unknown; after?: unknown },
  ): Promise<void> {
    await this.audit.record(tx, { action: type, entityType: 'license', entityId: license.id, ...change });
    await this.outbox.append(tx, {
      type,
      aggregateType: 'license',
      aggregateId: license.id,
      payload: {
        licenseId: license.id,
        containerId: license.containerId,
        productId: license.productId,
        status: license.status,
        revision: license.revision,
        quantity: license.quantity,
      },
    });
  }
}
