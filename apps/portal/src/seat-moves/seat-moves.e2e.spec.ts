// A group admin moves seats of a purchase between the group's ENTERPRISE containers, and switches
// borrowing off for the group. Attacks first: more than the free seats, another group's or
// vendor's ids, a plain member, racing moves and checkouts on two app instances (two connection
// pools on one database, as two replicas).
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { PrismaService } from '@leasehold/db';
import { PurchasesService } from '@leasehold/domain-licensing';
import { SeatsService } from '@leasehold/domain-seats';
import { createRequestCode } from '@leasehold/license-file';
import {
  asVendor,
  createEnterpriseContainer,
  createGroupWithMembers,
  createLicense,
  createPersonalContainer,
  createTestApp,
  createVendor,
  dbOf,
  expectError,
  InsertedProduct,
  insertProduct,
  TestVendor,
} from '@leasehold/testing';
import { PortalLicensingTestModule } from '../testing/portal-test-module';
import { PORTAL_API } from '../api-info';

describe('portal seat moves and the borrowing switch', () => {
  let app: INestApplication;
  let replica: INestApplication;
  let acme: TestVendor;
  let other: TestVendor;
  let product: InsertedProduct;
  let prisma: PrismaService;
  const http = (on: INestApplication = app) => request(on.getHttpServer());
  const days = (n: number) => new Date(Date.now() + n * 86_400_000);

  beforeAll(async () => {
    app = await createTestApp(PortalLicensingTestModule, PORTAL_API);
    replica = await createTestApp(PortalLicensingTestModule, PORTAL_API);
    acme = await createVendor(app, 'Acme');
    other = await createVendor(app, 'Other');
    product = await insertProduct(dbOf(app), acme);
    prisma = app.get(PrismaService);
  });
  afterAll(() => Promise.all([app.close(), replica.close()]));

  /** Group A bought 10 seats, all in the "Head office" server; two more servers of A; group B with its own server. */
  async function world(seats = 10) {
    const a = await createGroupWithMembers(app, acme, ['ADMIN', 'MEMBER']);
    const [admin, member] = a.users;
    const head = await createEnterpriseContainer(app, acme, a.groupId, 'Head office');
    const branch = await createEnterpriseContainer(app, acme, a.groupId, 'Branch');
    const lab = await createEnterpriseContainer(app, acme, a.groupId, 'Lab');
    const purchase = await asVendor(app, acme, () =>
      app.get(PurchasesService).create({ groupId: a.groupId, productId: product.id, seats }),
    );
    const license = await createLicense(app, acme, head.id, {
      productId: product.id,
      purchaseId: purchase.id,
      quantity: seats,
      features: ['print'],
      expiresAt: days(200),
      borrowAllowed: true,
      maxBorrowDays: 5,
      offlinePeriodDays: 10,
      leaseTtlSeconds: 1200,
      heartbeatIntervalSeconds: 120,
    });
    const b = await createGroupWithMembers(app, acme, ['ADMIN']);
    const bServer = await createEnterpriseContainer(app, acme, b.groupId, 'B server');
    return { a, admin, member, head, branch, lab, purchase, license, b, bServer };
  }

  const move = (auth: { Authorization: string }, body: Record<string, unknown>, on: INestApplication = app) =>
    http(on).post('/v1/group/seat-moves').set(auth).send(body);
  const take = (
    containerId: string,
    licenseId: string,
    fingerprint: string,
    on: INestApplication = app,
    borrowUntil?: Date,
  ) =>
    asVendor(on, acme, () =>
      on
        .get(SeatsService)
        .checkout({ containerId, license: { licenseId }, fingerprint, ...(borrowUntil ? { borrowUntil } : {}) }),
    );
  /** A world whose source license has `inUse` seats checked out. */
  async function busyWorld(inUse: number) {
    const w = await world();
    for (let i = 0; i < inUse; i++) await take(w.head.id, w.license.id, `busy-${i}`);
    return w;
  }
  const quantities = async (purchaseId: string) =>
    (await prisma.license.findMany({ where: { purchaseId }, orderBy: { createdAt: 'asc' } })).map((l) => ({
      id: l.id,
      containerId: l.containerId,
      quantity: l.quantity,
    }));
  const slots = (licenseId: string) => prisma.seatSlot.count({ where: { licenseId } });
  const liveLeases = (licenseId: string) =>
    prisma.seatLease.count({ where: { licenseId, endedAt: null, expiresAt: { gt: new Date() } } });
  const containerRevision = async (containerId: string) => {
    const c = await prisma.container.findFirstOrThrow({ where: { id: containerId } });
    const sum = await prisma.license.aggregate({ where: { containerId }, _sum: { revision: true } });
    return c.revision + (sum._sum.revision ?? 0);
  };

  it('moves seats to another installation of the group: creates its license with the same terms, then grows it; total, slots, revisions and events follow', async () => {
    const w = await world();
    const revisionsBefore = [await containerRevision(w.head.id), await containerRevision(w.branch.id)];
    const first = await move(w.admin.auth, {
      fromLicenseId: w.license.id,
      toContainerId: w.branch.id,
      seats: 3,
    }).expect(201);
    expect(first.body).toMatchObject({
      purchaseId: w.purchase.id,
      seats: 3,
      createdTarget: true,
      from: { licenseId: w.license.id, containerId: w.head.id, quantity: 7 },
      to: { containerId: w.branch.id, quantity: 3 },
    });
    const created = await prisma.license.findFirstOrThrow({ where: { id: first.body.to.licenseId } });
    expect(created).toMatchObject({
      productId: product.id,
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
    const second = await move(w.admin.auth, {
      fromLicenseId: w.license.id,
      toContainerId: w.branch.id,
      seats: 2,
    }).expect(201);
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
    expect((await asVendor(app, acme, () => app.get(PurchasesService).get(w.purchase.id))).allocated).toBe(10);
    // devices of both installations learn of it by themselves (auto-update)
    expect(await containerRevision(w.head.id)).toBeGreaterThan(revisionsBefore[0]);
    expect(await containerRevision(w.branch.id)).toBeGreaterThan(revisionsBefore[1]);
    const events = await prisma.domainEvent.findMany({
      where: { vendorId: acme.vendor.id, type: 'license.seats_moved', aggregateId: { in: [w.license.id, created.id] } },
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
    const changed = await prisma.domainEvent.count({
      where: { vendorId: acme.vendor.id, type: 'license.changed', aggregateId: w.license.id },
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
    const bPurchase = await asVendor(app, acme, () =>
      app.get(PurchasesService).create({ groupId: w.b.groupId, productId: product.id, seats: 4 }),
    );
    const bLicense = await createLicense(app, acme, w.bServer.id, {
      productId: product.id,
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
    const o = await createGroupWithMembers(app, other, ['ADMIN']);
    const oServer = await createEnterpriseContainer(app, other, o.groupId);
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
    const laptop = await createPersonalContainer(app, acme, w.member.id);
    await prisma.container.updateMany({ where: { id: laptop.id }, data: { groupId: w.a.groupId } });
    expectError(
      await move(w.admin.auth, { fromLicenseId: w.license.id, toContainerId: laptop.id, seats: 1 }),
      409,
      'CONTAINER_KIND_MISMATCH',
    );
    const loose = await createLicense(app, acme, w.lab.id, { productId: product.id, quantity: 2 });
    expectError(
      await move(w.admin.auth, { fromLicenseId: loose.id, toContainerId: w.branch.id, seats: 1 }),
      409,
      'LICENSE_NOT_FROM_PURCHASE',
    );
    const same = await move(w.admin.auth, { fromLicenseId: w.license.id, toContainerId: w.head.id, seats: 1 });
    expectError(same, 400, 'VALIDATION_FAILED');
    expect(same.body.error.details.fields.map((f: { field: string }) => f.field)).toEqual(['toContainerId']);
    await prisma.license.updateMany({ where: { id: w.license.id }, data: { status: 'SUSPENDED' } });
    expectError(
      await move(w.admin.auth, { fromLicenseId: w.license.id, toContainerId: w.branch.id, seats: 1 }),
      403,
      'LICENSE_SUSPENDED',
    );
    await prisma.license.updateMany({ where: { id: w.license.id }, data: { status: 'ACTIVE' } });
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
        move(w.admin.auth, { fromLicenseId: w.license.id, toContainerId: w.branch.id, seats: 3 }, app),
        move(w.admin.auth, { fromLicenseId: w.license.id, toContainerId: w.lab.id, seats: 3 }, replica),
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
        move(w.admin.auth, { fromLicenseId: w.license.id, toContainerId: w.branch.id, seats: 4 }, replica),
        ...Array.from({ length: 12 }, (_, i) => take(w.head.id, w.license.id, `late-${i}`, i % 2 ? app : replica)),
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
      const held = await prisma.seatSlot.count({
        where: { licenseId: source.id, leaseId: { not: null }, expiresAt: { gt: new Date() } },
      });
      expect(held).toBe(5 + granted);
      for (const row of rows) expect(await slots(row.id)).toBe(row.quantity);
    }
  });

  describe('borrowing switch', () => {
    const setBorrowing = (auth: { Authorization: string }, body: unknown) =>
      http()
        .put('/v1/group/borrowing')
        .set(auth)
        .send(body as object);

    it('attack: with borrowing switched off, no borrow by online checkout, borrow of a running lease, or offline code; existing borrows run on; devices learn it', async () => {
      const w = await world(4);
      const before = await take(w.head.id, w.license.id, 'nb-early', app, days(2));
      const running = await take(w.head.id, w.license.id, 'ws-running');
      const revision = await containerRevision(w.head.id);
      expect((await http().get('/v1/group/borrowing').set(w.admin.auth).expect(200)).body).toEqual({
        groupId: w.a.groupId,
        borrowingAllowed: true,
      });
      expect((await setBorrowing(w.admin.auth, { borrowingAllowed: false }).expect(200)).body).toEqual({
        groupId: w.a.groupId,
        borrowingAllowed: false,
      });
      expect(await containerRevision(w.head.id)).toBe(revision + 1);
      expect(await containerRevision(w.branch.id)).toBeGreaterThan(0);

      await expect(take(w.head.id, w.license.id, 'nb-late', app, days(2))).rejects.toMatchObject({
        code: 'BORROW_DISABLED_BY_ADMIN',
      });
      await expect(
        asVendor(app, acme, () => app.get(SeatsService).borrow(w.head.id, running.leaseId, days(1))),
      ).rejects.toMatchObject({ code: 'BORROW_DISABLED_BY_ADMIN' });
      const offline = await http()
        .post(`/v1/group/containers/${w.head.id}/offline-activations`)
        .set(w.admin.auth)
        .send({
          code: createRequestCode({ kind: 'borrow', containerId: w.head.id, fingerprint: 'sha256:offline-laptop' })
            .code,
          borrowUntil: days(2).toISOString(),
        });
      expectError(offline, 403, 'BORROW_DISABLED_BY_ADMIN');
      // the borrow made before runs to its end; ordinary checkouts still work
      const sessions = await http().get('/v1/group/sessions').set(w.admin.auth).expect(200);
      expect(sessions.body.data.find((s: { id: string }) => s.id === before.leaseId)).toMatchObject({ borrowed: true });
      await take(w.head.id, w.license.id, 'ws-online');
      // a group that did not switch is not affected
      expect((await http().get('/v1/group/borrowing').set(w.b.users[0].auth).expect(200)).body.borrowingAllowed).toBe(
        true,
      );

      await setBorrowing(w.admin.auth, { borrowingAllowed: true }).expect(200);
      expect((await take(w.head.id, w.license.id, 'nb-again', app, days(2))).borrowUntil).not.toBeNull();
      const events = await prisma.domainEvent.findMany({
        where: { vendorId: acme.vendor.id, type: 'container.updated', aggregateId: w.head.id },
      });
      expect(events.filter((e) => (e.payload as { cause?: string }).cause === 'group.borrowing_changed')).toHaveLength(
        2,
      );
    });

    it('only the admin switches, with a boolean; the same value twice changes nothing', async () => {
      const w = await world(2);
      expectError(await setBorrowing(w.member.auth, { borrowingAllowed: false }), 403, 'GROUP_ADMIN_REQUIRED');
      expectError(await http().get('/v1/group/borrowing').set(w.member.auth), 403, 'GROUP_ADMIN_REQUIRED');
      expectError(await http().put('/v1/group/borrowing').send({ borrowingAllowed: false }), 401, 'UNAUTHENTICATED');
      for (const bad of [{}, { borrowingAllowed: 'no' }, { borrowingAllowed: null }, { borrowingAllowed: 0 }]) {
        const res = await setBorrowing(w.admin.auth, bad);
        expectError(res, 400, 'VALIDATION_FAILED');
        expect(res.body.error.details.fields.map((f: { field: string }) => f.field)).toEqual(['borrowingAllowed']);
      }
      await setBorrowing(w.admin.auth, { borrowingAllowed: false }).expect(200);
      const revision = await containerRevision(w.head.id);
      await setBorrowing(w.admin.auth, { borrowingAllowed: false }).expect(200);
      expect(await containerRevision(w.head.id)).toBe(revision);
      expect((await prisma.group.findFirstOrThrow({ where: { id: w.b.groupId } })).borrowingAllowed).toBe(true);
    });

    it('race: borrows racing with the switch on two instances: every borrow that committed after the switch was refused', async () => {
      const w = await world(10);
      const results = await Promise.allSettled([
        http(replica).put('/v1/group/borrowing').set(w.admin.auth).send({ borrowingAllowed: false }),
        ...Array.from({ length: 8 }, (_, i) =>
          take(w.head.id, w.license.id, `nb-${i}`, i % 2 ? app : replica, days(1)),
        ),
      ]);
      expect(results[0].status === 'fulfilled' && results[0].value.status).toBe(200);
      for (const r of results.slice(1))
        if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'BORROW_DISABLED_BY_ADMIN' });
      const switchedAt = (
        await prisma.auditEntry.findFirstOrThrow({
          where: { vendorId: acme.vendor.id, entityId: w.a.groupId, action: 'group.updated' },
        })
      ).createdAt;
      const borrowed = await prisma.seatLease.findMany({
        where: { licenseId: w.license.id, borrowUntil: { not: null } },
      });
      for (const lease of borrowed) expect(lease.startedAt.getTime()).toBeLessThanOrEqual(switchedAt.getTime() + 1000);
      await expect(take(w.head.id, w.license.id, 'nb-after', app, days(1))).rejects.toMatchObject({
        code: 'BORROW_DISABLED_BY_ADMIN',
      });
    });
  });
});
