// A group admin moves seats of a purchase between the group's ENTERPRISE containers. Attacks
// first: more than the free seats, another group's or vendor's ids, a plain member, racing moves
// and checkouts on two app instances (two connection pools on one database, as two replicas).
import { PurchasesService } from '@leasehold/domain-licensing';
import {
  asVendor,
  createEnterpriseContainer,
  createGroupWithMembers,
  createLicense,
  createPersonalContainer,
  expectError,
} from '@leasehold/testing';
import { useSeatMoves } from './seat-moves.fixture';

describe('portal seat moves and the borrowing switch', () => {
  const portal = useSeatMoves();
  const { http, world, busyWorld, move, take, quantities, slots, liveLeases, containerRevision } = portal;

  it('moves seats to another installation of the group: creates its license with the same terms, then grows it; total, slots, revisions and events follow', async () => {
    const w = await world();
    const revisionsBefore = [await containerRevision(w.head.id), await containerRevision(w.branch.id)];
    const moveToBranch = (seats: number) =>
      move(w.admin.auth, { fromLicenseId: w.license.id, toContainerId: w.branch.id, seats }).expect(201);
    const first = await moveToBranch(3);
    expect(first.body).toMatchObject({
      purchaseId: w.purchase.id,
      seats: 3,
      createdTarget: true,
      from: { licenseId: w.license.id, containerId: w.head.id, quantity: 7 },
      to: { containerId: w.branch.id, quantity: 3 },
    });
    const created = await portal.prisma.license.findFirstOrThrow({ where: { id: first.body.to.licenseId } });
    expect(created).toMatchObject({
      productId: portal.product.id,
      purchaseId: w.purchase.id,
      features: ['print'],
      expiresAt: w.license.expiresAt,
      validFrom: w.license.validFrom,
      borrowAllowed: true,
      maxBorrowDays: 5,
      offlinePeriodDays: 10,
      leaseTtlSeconds: 1200,
      heartbeatIntervalSeconds: 120,
      status: 'ACTIVE',
    });
    const second = await moveToBranch(2);
    expect(second.body).toMatchObject({
      createdTarget: false,
      from: { quantity: 5 },
      to: { licenseId: created.id, quantity: 5 },
    });
    // and back: the target's seats are a license of the same purchase too
    await move(w.admin.auth, { fromLicenseId: created.id, toContainerId: w.head.id, seats: 1 }).expect(201);

    expect(await quantities(w.purchase.id)).toEqual([
      { id: w.license.id, containerId: w.head.id, quantity: 6 },
      { id: created.id, containerId: w.branch.id, quantity: 4 },
    ]);
    expect([await slots(w.license.id), await slots(created.id)]).toEqual([6, 4]);
    expect(
      (await asVendor(portal.app, portal.acme, () => portal.app.get(PurchasesService).get(w.purchase.id))).allocated,
    ).toBe(10);
    // devices of both installations learn of it by themselves (auto-update)
    expect(await containerRevision(w.head.id)).toBeGreaterThan(revisionsBefore[0]);
    expect(await containerRevision(w.branch.id)).toBeGreaterThan(revisionsBefore[1]);
    const events = await portal.prisma.domainEvent.findMany({
      where: {
        vendorId: portal.acme.vendor.id,
        type: 'license.seats_moved',
        aggregateId: { in: [w.license.id, created.id] },
      },
    });
    expect(events).toHaveLength(3);
    expect(events.map((e) => e.payload)).toContainEqual(
      expect.objectContaining({
        purchaseId: w.purchase.id,
        seats: 3,
        fromLicenseId: w.license.id,
        toLicenseId: created.id,
        fromQuantity: 7,
        toQuantity: 3,
        createdTarget: true,
      }),
    );
    const changed = await portal.prisma.domainEvent.count({
      where: { vendorId: portal.acme.vendor.id, type: 'license.changed', aggregateId: w.license.id },
    });
    expect(changed).toBe(3);
    const audit = await http().get('/v1/group/audit').set(w.admin.auth).expect(200);
    expect(audit.body.data.map((e: { action: string }) => e.action)).toContain('license.seats_moved');
  });

  it('attack: moving more than the free seats of the source is refused and changes nothing', async () => {
    const w = await busyWorld(8);
    const refused = await move(w.admin.auth, { fromLicenseId: w.license.id, toContainerId: w.branch.id, seats: 3 });
    expectError(refused, 409, 'SEATS_IN_USE');
    expect(refused.body.error.details).toEqual({ licenseId: w.license.id, seats: 3, movable: 2 });
    expectError(
      await move(w.admin.auth, { fromLicenseId: w.license.id, toContainerId: w.branch.id, seats: 11 }),
      400,
      'VALIDATION_FAILED',
    );
    expect(await quantities(w.purchase.id)).toEqual([{ id: w.license.id, containerId: w.head.id, quantity: 10 }]);
    expect(await slots(w.license.id)).toBe(10);
    await move(w.admin.auth, { fromLicenseId: w.license.id, toContainerId: w.branch.id, seats: 2 }).expect(201);
    expectError(
      await move(w.admin.auth, { fromLicenseId: w.license.id, toContainerId: w.lab.id, seats: 1 }),
      409,
      'SEATS_IN_USE',
    );
    expect(await liveLeases(w.license.id)).toBe(8);
    expect(await slots(w.license.id)).toBe(8);
  });

  it("attack: another group's container or license, another vendor, a plain member: not found or refused", async () => {
    const w = await world();
    const bPurchase = await asVendor(portal.app, portal.acme, () =>
      portal.app.get(PurchasesService).create({ groupId: w.b.groupId, productId: portal.product.id, seats: 4 }),
    );
    const bLicense = await createLicense(portal.app, portal.acme, w.bServer.id, {
      productId: portal.product.id,
      purchaseId: bPurchase.id,
      quantity: 4,
    });
    expectError(
      await move(w.admin.auth, { fromLicenseId: w.license.id, toContainerId: w.bServer.id, seats: 1 }),
      404,
      'NOT_FOUND',
    );
    expectError(
      await move(w.admin.auth, { fromLicenseId: bLicense.id, toContainerId: w.branch.id, seats: 1 }),
      404,
      'NOT_FOUND',
    );
    expectError(
      await move(w.b.users[0].auth, { fromLicenseId: w.license.id, toContainerId: w.branch.id, seats: 1 }),
      404,
      'NOT_FOUND',
    );
    expectError(
      await move(w.member.auth, { fromLicenseId: w.license.id, toContainerId: w.branch.id, seats: 1 }),
      403,
      'GROUP_ADMIN_REQUIRED',
    );
    // another vendor's admin with acme's ids
    const o = await createGroupWithMembers(portal.app, portal.other, ['ADMIN']);
    const oServer = await createEnterpriseContainer(portal.app, portal.other, o.groupId);
    expectError(
      await move(o.users[0].auth, { fromLicenseId: w.license.id, toContainerId: w.branch.id, seats: 1 }),
      404,
      'NOT_FOUND',
    );
    expectError(
      await move(w.admin.auth, { fromLicenseId: w.license.id, toContainerId: oServer.id, seats: 1 }),
      404,
      'NOT_FOUND',
    );
    expectError(
      await http()
        .post('/v1/group/seat-moves')
        .send({ fromLicenseId: w.license.id, toContainerId: w.branch.id, seats: 1 }),
      401,
      'UNAUTHENTICATED',
    );
    expect(await quantities(w.purchase.id)).toEqual([{ id: w.license.id, containerId: w.head.id, quantity: 10 }]);
    expect(await quantities(bPurchase.id)).toEqual([{ id: bLicense.id, containerId: w.bServer.id, quantity: 4 }]);
  });

  it('refuses what is not a move of purchased seats between two ENTERPRISE installations, with stable codes', async () => {
    const w = await world();
    const laptop = await createPersonalContainer(portal.app, portal.acme, w.member.id);
    await portal.prisma.container.updateMany({ where: { id: laptop.id }, data: { groupId: w.a.groupId } });
    expectError(
      await move(w.admin.auth, { fromLicenseId: w.license.id, toContainerId: laptop.id, seats: 1 }),
      409,
      'CONTAINER_KIND_MISMATCH',
    );
    const loose = await createLicense(portal.app, portal.acme, w.lab.id, { productId: portal.product.id, quantity: 2 });
    expectError(
      await move(w.admin.auth, { fromLicenseId: loose.id, toContainerId: w.branch.id, seats: 1 }),
      409,
      'LICENSE_NOT_FROM_PURCHASE',
    );
    const same = await move(w.admin.auth, { fromLicenseId: w.license.id, toContainerId: w.head.id, seats: 1 });
    expectError(same, 400, 'VALIDATION_FAILED');
    expect(same.body.error.details.fields.map((f: { field: string }) => f.field)).toEqual(['toContainerId']);
    await portal.prisma.license.updateMany({ where: { id: w.license.id }, data: { status: 'SUSPENDED' } });
    expectError(
      await move(w.admin.auth, { fromLicenseId: w.license.id, toContainerId: w.branch.id, seats: 1 }),
      403,
      'LICENSE_SUSPENDED',
    );
    await portal.prisma.license.updateMany({ where: { id: w.license.id }, data: { status: 'ACTIVE' } });
    for (const [body, fields] of [
      [{ fromLicenseId: w.license.id, toContainerId: w.branch.id, seats: 0 }, ['seats']],
      [{ fromLicenseId: w.license.id, toContainerId: w.branch.id, seats: 1.5 }, ['seats']],
      [{ fromLicenseId: w.license.id, toContainerId: w.branch.id, seats: '2' }, ['seats']],
      [{ fromLicenseId: 'nope', toContainerId: w.branch.id, seats: 1 }, ['fromLicenseId']],
      [{ fromLicenseId: w.license.id, seats: 1 }, ['toContainerId']],
    ] as const) {
      const res = await move(w.admin.auth, body);
      expectError(res, 400, 'VALIDATION_FAILED');
      expect(res.body.error.details.fields.map((f: { field: string }) => f.field)).toEqual(fields);
    }
    expect(await quantities(w.purchase.id)).toEqual([{ id: w.license.id, containerId: w.head.id, quantity: 10 }]);
  });

  it('race: two moves on two instances that together exceed the free seats of the source: one moves, the other is refused', async () => {
    for (let round = 0; round < 3; round++) {
      const w = await busyWorld(6);
      const results = await Promise.all([
        move(w.admin.auth, { fromLicenseId: w.license.id, toContainerId: w.branch.id, seats: 3 }, portal.app),
        move(w.admin.auth, { fromLicenseId: w.license.id, toContainerId: w.lab.id, seats: 3 }, portal.replica),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
      expect(results.find((r) => r.status === 409)?.body.error.code).toBe('SEATS_IN_USE');
      const rows = await quantities(w.purchase.id);
      expect(rows.reduce((sum, l) => sum + l.quantity, 0)).toBe(10);
      expect(rows[0]).toMatchObject({ id: w.license.id, quantity: 7 });
      for (const row of rows) expect(await slots(row.id)).toBe(row.quantity);
    }
  });

  it('race: a move racing with checkouts on the source on two instances: never a lease without a seat, never the total changed', async () => {
    for (let round = 0; round < 3; round++) {
      const w = await busyWorld(5);
      const racing = await Promise.allSettled([
        move(w.admin.auth, { fromLicenseId: w.license.id, toContainerId: w.branch.id, seats: 4 }, portal.replica),
        ...Array.from({ length: 12 }, (_, i) =>
          take(w.head.id, w.license.id, `late-${i}`, i % 2 ? portal.app : portal.replica),
        ),
      ]);
      const moveAnswer = racing[0].status === 'fulfilled' ? racing[0].value : null;
      expect([201, 409]).toContain(moveAnswer?.status);
      const granted = racing.slice(1).filter((r) => r.status === 'fulfilled').length;
      const rows = await quantities(w.purchase.id);
      expect(rows.reduce((sum, l) => sum + l.quantity, 0)).toBe(10);
      const source = rows[0];
      expect(source.quantity).toBe(moveAnswer?.status === 201 ? 6 : 10);
      // every live lease holds a slot of its license, and no license has more slots than seats
      expect(await liveLeases(source.id)).toBe(5 + granted);
      expect(5 + granted).toBeLessThanOrEqual(source.quantity);
      const held = await portal.prisma.seatSlot.count({
        where: { licenseId: source.id, leaseId: { not: null }, expiresAt: { gt: new Date() } },
      });
      expect(held).toBe(5 + granted);
      for (const row of rows) expect(await slots(row.id)).toBe(row.quantity);
    }
  });
});
