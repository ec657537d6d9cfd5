import { randomUUID } from 'node:crypto';
import { DAY, enterpriseOrder, expiresAt, uniqueOrder, useErpIntake } from './erp-intake.fixture';

describe('ERP intake processing (license-central intake + worker, real Postgres, Redis and BullMQ)', () => {
  const erp = useErpIntake();

  it('order.changed changes quantity (and the purchase with it), features and expiry; shrinking works too', async () => {
    const orderId = uniqueOrder();
    await erp.sendAndSettle('order.created', enterpriseOrder(orderId));
    const later = new Date(expiresAt.getTime() + 30 * DAY);
    const grown = await erp.sendAndSettle('order.changed', {
      orderId,
      items: [{ lineId: '10', quantity: 40, features: ['export-pdf', 'cloud-sync'], expiresAt: later.toISOString() }],
    });
    expect(grown.status).toBe('PROCESSED');
    const license = await erp.prisma.license.findFirstOrThrow({
      where: { vendorId: erp.vendorId(), externalId: `${orderId}:10` },
    });
    expect(license).toMatchObject({
      quantity: 40,
      features: ['export-pdf', 'cloud-sync'],
      expiresAt: later,
      revision: 2,
    });
    expect(await erp.prisma.purchase.findFirstOrThrow({ where: { id: license.purchaseId! } })).toMatchObject({
      seats: 40,
    });
    expect(grown.result).toEqual({
      orderId,
      containerId: license.containerId,
      lines: [{ lineId: '10', licenseId: license.id, changed: true }],
    });

    const shrunk = await erp.sendAndSettle('order.changed', { orderId, items: [{ lineId: '10', quantity: 10 }] });
    expect(shrunk.status).toBe('PROCESSED');
    expect(await erp.prisma.license.findFirstOrThrow({ where: { id: license.id } })).toMatchObject({
      quantity: 10,
      revision: 3,
    });
    expect(await erp.prisma.purchase.findFirstOrThrow({ where: { id: license.purchaseId! } })).toMatchObject({
      seats: 10,
    });

    const unknownLine = await erp.sendAndSettle('order.changed', { orderId, items: [{ lineId: '99', quantity: 1 }] });
    expect(unknownLine).toMatchObject({
      status: 'FAILED',
      errors: { code: 'ERP_ORDER_UNKNOWN', details: { orderId, lineIds: ['99'] } },
    });
  });

  it('after the group admin moved seats to another installation, the line quantity stays the purchase total; features, expiry, renewal and cancellation reach the moved seats', async () => {
    const orderId = uniqueOrder();
    await erp.sendAndSettle('order.created', enterpriseOrder(orderId));
    const license = await erp.prisma.license.findFirstOrThrow({
      where: { vendorId: erp.vendorId(), externalId: `${orderId}:10` },
    });
    const home = await erp.prisma.container.findFirstOrThrow({ where: { id: license.containerId } });
    // the group admin moved 10 of the 25 seats to a second installation (as PurchaseSplitService.move leaves it)
    const branch = await erp.prisma.container.create({
      data: {
        vendorId: erp.vendorId(),
        kind: 'ENTERPRISE',
        name: 'Branch',
        groupId: home.groupId,
        credentialHash: randomUUID(),
        credentialPrefix: 'x',
      },
    });
    await erp.prisma.license.updateMany({ where: { id: license.id }, data: { quantity: 15 } });
    const moved = await erp.prisma.license.create({
      data: {
        vendorId: erp.vendorId(),
        containerId: branch.id,
        productId: erp.officeId,
        purchaseId: license.purchaseId,
        quantity: 10,
        features: ['export-pdf'],
        expiresAt,
      },
    });
    const quantities = async () => [
      (await erp.prisma.license.findFirstOrThrow({ where: { id: license.id } })).quantity,
      (await erp.prisma.license.findFirstOrThrow({ where: { id: moved.id } })).quantity,
    ];
    const seats = async () =>
      (await erp.prisma.purchase.findFirstOrThrow({ where: { id: license.purchaseId ?? '' } })).seats;

    // growth goes to the order's own license
    expect(
      (await erp.sendAndSettle('order.changed', { orderId, items: [{ lineId: '10', quantity: 30 }] })).status,
    ).toBe('PROCESSED');
    expect([await quantities(), await seats()]).toEqual([[20, 10], 30]);
    // a shrink takes the order's own license first, then the installations seats were moved to
    expect(
      (await erp.sendAndSettle('order.changed', { orderId, items: [{ lineId: '10', quantity: 25 }] })).status,
    ).toBe('PROCESSED');
    expect([await quantities(), await seats()]).toEqual([[15, 10], 25]);
    expect((await erp.sendAndSettle('order.changed', { orderId, items: [{ lineId: '10', quantity: 5 }] })).status).toBe(
      'PROCESSED',
    );
    expect([await quantities(), await seats()]).toEqual([[0, 5], 5]);
    expect(await erp.prisma.seatSlot.count({ where: { licenseId: moved.id } })).toBe(5);
    // the same total again changes nothing
    const same = await erp.sendAndSettle('order.changed', { orderId, items: [{ lineId: '10', quantity: 5 }] });
    expect(same.result).toMatchObject({ lines: [{ lineId: '10', changed: false }] });

    const later = new Date(expiresAt.getTime() + 30 * DAY);
    await erp.sendAndSettle('order.changed', {
      orderId,
      items: [{ lineId: '10', features: ['export-pdf', 'cloud-sync'], expiresAt: later.toISOString() }],
    });
    expect(await erp.prisma.license.findFirstOrThrow({ where: { id: moved.id } })).toMatchObject({
      features: ['export-pdf', 'cloud-sync'],
      expiresAt: later,
    });
    const renewedTo = new Date(later.getTime() + 365 * DAY);
    await erp.sendAndSettle('subscription.renewed', { orderId, lineIds: ['10'], expiresAt: renewedTo.toISOString() });
    expect(await erp.prisma.license.findFirstOrThrow({ where: { id: moved.id } })).toMatchObject({
      expiresAt: renewedTo,
    });
    await erp.sendAndSettle('order.cancelled', { orderId });
    expect(await erp.prisma.license.findFirstOrThrow({ where: { id: moved.id } })).toMatchObject({ status: 'REVOKED' });
  });

  it('the ERP sets the offline period per line (default 30) and changes it on every license of the purchase', async () => {
    const orderId = uniqueOrder();
    const order = enterpriseOrder(orderId);
    await erp.sendAndSettle('order.created', {
      ...order,
      items: [{ ...order.items[0], offlinePeriodDays: 7 }, order.items[1]],
    });
    const office = await erp.prisma.license.findFirstOrThrow({
      where: { vendorId: erp.vendorId(), externalId: `${orderId}:10` },
    });
    const viewer = await erp.prisma.license.findFirstOrThrow({
      where: { vendorId: erp.vendorId(), externalId: `${orderId}:20` },
    });
    expect([office.offlinePeriodDays, viewer.offlinePeriodDays]).toEqual([7, 30]);
    const changed = await erp.sendAndSettle('order.changed', {
      orderId,
      items: [{ lineId: '10', offlinePeriodDays: 3 }],
    });
    expect(changed).toMatchObject({ status: 'PROCESSED', result: { lines: [{ lineId: '10', changed: true }] } });
    expect(await erp.prisma.license.findFirstOrThrow({ where: { id: office.id } })).toMatchObject({
      offlinePeriodDays: 3,
      revision: office.revision + 1,
    });
  });

  it('order.cancelled revokes the order’s licenses; a resent cancellation changes nothing', async () => {
    const orderId = uniqueOrder();
    await erp.sendAndSettle('order.created', enterpriseOrder(orderId));
    const cancelled = await erp.sendAndSettle('order.cancelled', { orderId, reason: 'customer withdrew' });
    expect(cancelled.status).toBe('PROCESSED');
    const licenses = await erp.prisma.license.findMany({
      where: { vendorId: erp.vendorId(), externalId: { startsWith: `${orderId}:` } },
    });
    expect(licenses.map((l) => l.status)).toEqual(['REVOKED', 'REVOKED']);
    expect(
      await erp.prisma.domainEvent.count({
        where: { type: 'license.revoked', aggregateId: { in: licenses.map((l) => l.id) } },
      }),
    ).toBe(2);

    const again = await erp.sendAndSettle('order.cancelled', { orderId });
    expect(again.status).toBe('PROCESSED');
    expect((again.result as { lines: { changed: boolean }[] }).lines.map((l) => l.changed)).toEqual([false, false]);
    expect(
      await erp.prisma.domainEvent.count({
        where: { type: 'license.revoked', aggregateId: { in: licenses.map((l) => l.id) } },
      }),
    ).toBe(2);
  });

  it('subscription.renewed extends the expiry and completes the ERP renewal once', async () => {
    const orderId = uniqueOrder();
    await erp.sendAndSettle('order.created', enterpriseOrder(orderId));
    const license = await erp.prisma.license.findFirstOrThrow({
      where: { vendorId: erp.vendorId(), externalId: `${orderId}:10` },
    });
    const renewedTo = new Date(expiresAt.getTime() + 365 * DAY);
    const renewed = await erp.sendAndSettle('subscription.renewed', {
      orderId,
      lineIds: ['10'],
      expiresAt: renewedTo.toISOString(),
    });
    expect(renewed).toMatchObject({
      status: 'PROCESSED',
      result: { lines: [{ lineId: '10', licenseId: license.id, changed: true }] },
    });
    expect(await erp.prisma.license.findFirstOrThrow({ where: { id: license.id } })).toMatchObject({
      expiresAt: renewedTo,
      revision: 2,
    });
    expect(await erp.prisma.licenseRenewal.findMany({ where: { licenseId: license.id } })).toEqual([
      expect.objectContaining({ termEnd: expiresAt, status: 'SUCCEEDED', newExpiresAt: renewedTo }),
    ]);
    // resent by the ERP under a new event id: nothing moves
    const resent = await erp.sendAndSettle('subscription.renewed', {
      orderId,
      lineIds: ['10'],
      expiresAt: renewedTo.toISOString(),
    });
    expect(resent).toMatchObject({ status: 'PROCESSED', result: { lines: [{ lineId: '10', changed: false }] } });
    expect(await erp.prisma.license.findFirstOrThrow({ where: { id: license.id } })).toMatchObject({ revision: 2 });
  });

  it('customer.updated renames the group and changes the user’s name and email', async () => {
    const order = enterpriseOrder(uniqueOrder());
    await erp.sendAndSettle('order.created', order);
    const email = `new-${randomUUID().slice(0, 8)}@acme.example`;
    const event = await erp.sendAndSettle('customer.updated', {
      group: { externalId: order.group.externalId, name: 'Acme AG' },
      user: { externalId: order.user.externalId, email, name: 'Ida Boss' },
    });
    expect(event.status).toBe('PROCESSED');
    expect(
      await erp.prisma.group.findFirstOrThrow({
        where: { vendorId: erp.vendorId(), externalId: order.group.externalId },
      }),
    ).toMatchObject({ name: 'Acme AG' });
    expect(
      await erp.prisma.user.findFirstOrThrow({
        where: { vendorId: erp.vendorId(), externalId: order.user.externalId },
      }),
    ).toMatchObject({ name: 'Ida Boss', email });

    const unknown = await erp.sendAndSettle('customer.updated', {
      group: { externalId: 'CUST-never-ordered', name: 'X' },
    });
    expect(unknown).toMatchObject({
      status: 'PROCESSED',
      result: { groupId: null, userId: null, unknown: ['CUST-never-ordered'] },
    });
  });
});
