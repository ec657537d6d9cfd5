import { Injectable } from '@nestjs/common';
import { TenantTransaction } from '@leasehold/db';
import { CatalogService } from '@leasehold/domain-catalog';
import {
  ContainersService,
  ContainerView,
  LicensesService,
  LicenseView,
  PurchaseSplitService,
  PurchasesService,
} from '@leasehold/domain-licensing';
import { RenewalsService } from '@leasehold/domain-renewals';
import { DomainError } from '@leasehold/errors';
import { OrderCancelled, OrderChanged, OrderCreated, SubscriptionRenewed } from '../erp-events.schema';
import { ErpCustomers } from './erp-customers';
import { lineExternalId, OrderCreatedResult, OrderLinesResult } from './erp-processing.types';

// ERP orders as our records: an order is one container (externalId = orderId): ENTERPRISE for a
// group's order, PERSONAL for a single buyer. Each order line is one license (externalId =
// "<orderId>:<lineId>"); in an ENTERPRISE container it draws on a purchase of the line's seats
// (same externalId). A group admin may move seats of that purchase to licenses in the group's other
// containers (docs/seats.md): the line's quantity stays the purchase's total (PurchaseSplitService
// applies it), and features, expiry, renewal and cancellation reach every license of the purchase.
// Every rule (device limit, purchase split, features of the product, renewal
// once per term) stays in its domain service; this maps events to calls in the caller's transaction.

const sameSet = (a: string[], b: string[]) => new Set(a).size === new Set(b).size && a.every((x) => b.includes(x));

@Injectable()
export class ErpOrders {
  constructor(
    private readonly customers: ErpCustomers,
    private readonly catalog: CatalogService,
    private readonly containers: ContainersService,
    private readonly licenses: LicensesService,
    private readonly purchases: PurchasesService,
    private readonly split: PurchaseSplitService,
    private readonly renewals: RenewalsService,
  ) {}

  async create(tx: TenantTransaction, order: OrderCreated): Promise<OrderCreatedResult> {
    const existing = await this.containers.findByExternalIdIn(tx, order.orderId);
    if (existing)
      throw new DomainError('ERP_ORDER_EXISTS', `Order ${order.orderId} was already created`, {
        orderId: order.orderId,
        containerId: existing.id,
      });
    const products = await this.products(
      tx,
      order.items.map((item) => item.productCode),
    );

    const group = order.group ? await this.customers.group(tx, order.group) : null;
    const user = order.user
      ? await this.customers.user(tx, order.user, group ? { id: group.group.id, created: group.created } : null)
      : null;
    const owner = group
      ? { kind: 'ENTERPRISE' as const, name: group.group.name, groupId: group.group.id }
      : { kind: 'PERSONAL' as const, name: user?.user.name ?? '', userId: user?.user.id };
    const container = await this.containers.createIn(tx, {
      ...owner,
      name: `${owner.name} – order ${order.orderId}`,
      externalId: order.orderId,
    });

    const lines: OrderCreatedResult['lines'] = [];
    for (const item of order.items) {
      const productId = products.get(item.productCode) ?? '';
      const externalId = lineExternalId(order.orderId, item.lineId);
      const purchase = group
        ? await this.purchases.createIn(tx, { groupId: group.group.id, productId, seats: item.quantity, externalId })
        : null;
      const expiresAt = item.expiresAt ? new Date(item.expiresAt) : null;
      const license = await this.licenses.createIn(tx, container.id, {
        productId,
        purchaseId: purchase?.id ?? null,
        features: item.features,
        quantity: item.quantity,
        ...(item.validFrom ? { validFrom: new Date(item.validFrom) } : {}),
        expiresAt,
        renewalPolicy: item.renewalPolicy ?? (expiresAt ? 'ERP' : 'NONE'),
        renewalTermDays: item.renewalTermDays ?? null,
        ...(item.offlinePeriodDays !== undefined ? { offlinePeriodDays: item.offlinePeriodDays } : {}),
        externalId,
      });
      lines.push({ lineId: item.lineId, licenseId: license.id, purchaseId: purchase?.id ?? null });
    }
    return {
      orderId: order.orderId,
      groupId: group?.group.id ?? null,
      userId: user?.user.id ?? null,
      createdGroup: group?.created ?? false,
      createdUser: user?.created ?? false,
      containerId: container.id,
      lines,
    };
  }

  /**
   * Quantity, features, expiry of the named lines. A line with a purchase: its quantity is the
   * purchase's total (PurchaseSplitService.setTotalIn decides which licenses grow or shrink), and
   * features and expiry change on every license of the purchase. Without one (a personal order):
   * the line's license.
   */
  async change(tx: TenantTransaction, order: OrderChanged): Promise<OrderLinesResult> {
    const { container, byLine } = await this.orderLines(
      tx,
      order.orderId,
      order.items.map((item) => item.lineId),
    );
    const lines: OrderLinesResult['lines'] = [];
    for (const item of order.items) {
      const license = byLine.get(item.lineId);
      if (!license) continue; // orderLines checked every named line
      const expiresAtOf = item.expiresAt !== undefined ? new Date(item.expiresAt) : undefined;
      const resized =
        item.quantity !== undefined && license.purchaseId
          ? await this.split.setTotalIn(tx, license.purchaseId, license.id, item.quantity, {
              features: item.features,
              expiresAt: expiresAtOf,
              offlinePeriodDays: item.offlinePeriodDays,
            })
          : [];
      let changed = resized.length > 0;
      for (const each of await this.purchaseLicenses(tx, license)) {
        if (resized.includes(each.id)) continue;
        const resize =
          !license.purchaseId && item.quantity !== undefined && item.quantity !== each.quantity
            ? item.quantity
            : undefined;
        const features =
          item.features !== undefined && !sameSet(item.features, each.features) ? item.features : undefined;
        const expiresAt =
          expiresAtOf !== undefined && expiresAtOf.getTime() !== each.expiresAt?.getTime() ? expiresAtOf : undefined;
        const offlinePeriodDays =
          item.offlinePeriodDays !== undefined && item.offlinePeriodDays !== each.offlinePeriodDays
            ? item.offlinePeriodDays
            : undefined;
        if (
          resize === undefined &&
          features === undefined &&
          expiresAt === undefined &&
          offlinePeriodDays === undefined
        )
          continue;
        await this.licenses.updateIn(tx, each.id, { quantity: resize, features, expiresAt, offlinePeriodDays });
        changed = true;
      }
      lines.push({ lineId: item.lineId, licenseId: license.id, changed });
    }
    return { orderId: order.orderId, containerId: container.id, lines };
  }

  /** Revokes every license of the order not revoked yet, and those its purchases' seats were moved to. */
  async cancel(tx: TenantTransaction, order: OrderCancelled): Promise<OrderLinesResult> {
    const { container, byLine } = await this.orderLines(tx, order.orderId);
    const lines: OrderLinesResult['lines'] = [];
    for (const [lineId, license] of byLine) {
      let changed = false;
      for (const each of await this.purchaseLicenses(tx, license)) {
        if (each.status === 'REVOKED') continue;
        await this.licenses.transitionIn(tx, each.id, 'revoke');
        changed = true;
      }
      lines.push({ lineId, licenseId: license.id, changed });
    }
    return { orderId: order.orderId, containerId: container.id, lines };
  }

  /**
   * Extends the named lines (all not revoked ones when none are named) to `expiresAt` and
   * completes their ERP renewal, through the renewals domain's exactly-once rule.
   */
  async renew(tx: TenantTransaction, renewal: SubscriptionRenewed): Promise<OrderLinesResult> {
    const { container, byLine } = await this.orderLines(tx, renewal.orderId, renewal.lineIds);
    const expiresAt = new Date(renewal.expiresAt);
    const lines: OrderLinesResult['lines'] = [];
    for (const [lineId, license] of byLine) {
      if (!renewal.lineIds && license.status === 'REVOKED') continue;
      if (renewal.lineIds && !renewal.lineIds.includes(lineId)) continue;
      let changed = false;
      for (const each of await this.purchaseLicenses(tx, license)) {
        if (each.id !== license.id && each.status === 'REVOKED') continue;
        changed = (await this.renewals.renewFromErp(tx, each.id, expiresAt)) || changed;
      }
      lines.push({ lineId, licenseId: license.id, changed });
    }
    return { orderId: renewal.orderId, containerId: container.id, lines };
  }

  /** The line's license first, then the other licenses of its purchase (seats moved there), not revoked. */
  private async purchaseLicenses(tx: TenantTransaction, license: LicenseView): Promise<LicenseView[]> {
    if (!license.purchaseId) return [license];
    const others = await this.split.licensesOfPurchaseIn(tx, license.purchaseId);
    return [license, ...others.filter((l) => l.id !== license.id)];
  }

  /** Product ids by code; every unknown code is named in one error. */
  private async products(tx: TenantTransaction, codes: string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    const unknown: string[] = [];
    for (const code of new Set(codes)) {
      const product = await this.catalog.findProductByCodeIn(tx, code);
      if (product) found.set(code, product.id);
      else unknown.push(code);
    }
    if (unknown.length)
      throw new DomainError('ERP_UNKNOWN_PRODUCT', `No product with code ${unknown.join(', ')}`, {
        productCodes: unknown,
      });
    return found;
  }

  /** The order's container and its licenses by ERP line id; every named line must exist. */
  private async orderLines(
    tx: TenantTransaction,
    orderId: string,
    lineIds?: string[],
  ): Promise<{ container: ContainerView; byLine: Map<string, LicenseView> }> {
    const container = await this.containers.findByExternalIdIn(tx, orderId);
    if (!container)
      throw new DomainError('ERP_ORDER_UNKNOWN', `No order ${orderId} was created (order.created)`, { orderId });
    const prefix = lineExternalId(orderId, '');
    const byLine = new Map<string, LicenseView>();
    for (const license of await this.licenses.listByContainerIn(tx, container.id)) {
      if (license.externalId?.startsWith(prefix)) byLine.set(license.externalId.slice(prefix.length), license);
    }
    const missing = (lineIds ?? []).filter((lineId) => !byLine.has(lineId));
    if (missing.length)
      throw new DomainError('ERP_ORDER_UNKNOWN', `Order ${orderId} has no line ${missing.join(', ')}`, {
        orderId,
        lineIds: missing,
      });
    return { container, byLine };
  }
}
