import { randomUUID } from 'node:crypto';
import { enterpriseOrder, expiresAt, uniqueOrder, useErpIntake } from './erp-intake.fixture';

describe('ERP intake processing (license-central intake + worker, real Postgres, Redis and BullMQ)', () => {
  const erp = useErpIntake();

  it('order.created (company): signed POST → 202 → job → group, admin, purchases, ENTERPRISE container and licenses, event PROCESSED with their ids', async () => {
    const orderId = uniqueOrder();
    const order = enterpriseOrder(orderId);
    const event = await erp.sendAndSettle('order.created', order);
    expect(event).toMatchObject({ status: 'PROCESSED', attempts: 1, errors: null, processedAt: expect.any(Date) });

    const group = await erp.prisma.group.findFirstOrThrow({
      where: { vendorId: erp.vendorId(), externalId: order.group.externalId },
    });
    expect(group.name).toBe('Acme GmbH');
    const user = await erp.prisma.user.findFirstOrThrow({
      where: { vendorId: erp.vendorId(), externalId: order.user.externalId },
    });
    expect(user).toMatchObject({ groupId: group.id, role: 'ADMIN', status: 'INVITED', email: order.user.email });
    const container = await erp.prisma.container.findFirstOrThrow({
      where: { vendorId: erp.vendorId(), externalId: orderId },
    });
    expect(container).toMatchObject({ kind: 'ENTERPRISE', groupId: group.id, userId: null });
    const office = await erp.prisma.license.findFirstOrThrow({
      where: { vendorId: erp.vendorId(), externalId: `${orderId}:10` },
    });
    expect(office).toMatchObject({
      containerId: container.id,
      productId: erp.officeId,
      quantity: 25,
      features: ['export-pdf'],
      expiresAt,
      renewalPolicy: 'ERP',
      status: 'ACTIVE',
    });
    const viewer = await erp.prisma.license.findFirstOrThrow({
      where: { vendorId: erp.vendorId(), externalId: `${orderId}:20` },
    });
    expect(viewer).toMatchObject({ quantity: 5, features: [], expiresAt: null, renewalPolicy: 'NONE' });
    const purchases = await erp.prisma.purchase.findMany({
      where: { vendorId: erp.vendorId(), groupId: group.id },
      orderBy: { externalId: 'asc' },
    });
    expect(purchases.map((p) => [p.externalId, p.seats])).toEqual([
      [`${orderId}:10`, 25],
      [`${orderId}:20`, 5],
    ]);
    expect(office.purchaseId).toBe(purchases[0].id);

    expect(event.result).toEqual({
      orderId,
      groupId: group.id,
      userId: user.id,
      createdGroup: true,
      createdUser: true,
      containerId: container.id,
      lines: [
        { lineId: '10', licenseId: office.id, purchaseId: purchases[0].id },
        { lineId: '20', licenseId: viewer.id, purchaseId: purchases[1].id },
      ],
    });
    // audited and announced by the services, as the system
    const audit = await erp.prisma.auditEntry.findMany({
      where: { vendorId: erp.vendorId(), entityId: { in: [group.id, container.id, office.id] } },
    });
    expect(audit.map((a) => [a.action, a.actorType]).sort()).toEqual([
      ['container.created', 'SYSTEM'],
      ['group.created', 'SYSTEM'],
      ['license.created', 'SYSTEM'],
    ]);
    expect(
      await erp.prisma.domainEvent.count({
        where: { vendorId: erp.vendorId(), type: 'license.created', aggregateId: { in: [office.id, viewer.id] } },
      }),
    ).toBe(2);

    // visible to the vendor
    const shown = await erp
      .http()
      .get(`/v1/integrations/${erp.integration.id}/events/${event.id}`)
      .set(erp.vendor.auth)
      .expect(200);
    expect(shown.body).toMatchObject({ status: 'PROCESSED', result: { containerId: container.id } });

    // a second order of the same customer finds its group and user
    const again = await erp.sendAndSettle('order.created', {
      ...enterpriseOrder(uniqueOrder(), order.group.externalId),
      user: order.user,
    });
    expect(again.result).toMatchObject({ groupId: group.id, userId: user.id, createdGroup: false, createdUser: false });
  });

  it('order.created (single buyer): a user without group and a PERSONAL container', async () => {
    const orderId = uniqueOrder();
    const person = {
      externalId: `CONT-${randomUUID().slice(0, 8)}`,
      email: `solo-${randomUUID().slice(0, 8)}@example.com`,
      name: 'Sam Solo',
    };
    const event = await erp.sendAndSettle('order.created', {
      orderId,
      user: person,
      items: [{ lineId: '1', productCode: 'cargo-office', quantity: 2 }],
    });
    expect(event.status).toBe('PROCESSED');
    const user = await erp.prisma.user.findFirstOrThrow({
      where: { vendorId: erp.vendorId(), externalId: person.externalId },
    });
    expect(user).toMatchObject({ groupId: null, role: null });
    const container = await erp.prisma.container.findFirstOrThrow({
      where: { vendorId: erp.vendorId(), externalId: orderId },
    });
    expect(container).toMatchObject({ kind: 'PERSONAL', userId: user.id, groupId: null, deviceLimit: 3 });
    expect(
      await erp.prisma.license.findFirstOrThrow({ where: { vendorId: erp.vendorId(), externalId: `${orderId}:1` } }),
    ).toMatchObject({ quantity: 2, purchaseId: null });
    expect(await erp.prisma.purchase.count({ where: { vendorId: erp.vendorId(), externalId: `${orderId}:1` } })).toBe(
      0,
    );
  });
});
