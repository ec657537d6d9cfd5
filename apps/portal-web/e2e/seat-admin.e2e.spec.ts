// The group admin's seat tools in the portal web app, in headless Chromium (Debian's
// chromium driven by playwright-core) against the real portal and license-central apps on this Jest
// worker's database, set up by web-harness.ts: the seat wait queue in Sessions, seat
// reservations and seat moves on a network container's page, and the group's borrowing switch on
// the dashboard. Each feature: the happy path and one refusal of the API shown to the admin.
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import type { Page } from 'playwright-core';
import request from 'supertest';
import { PrismaService } from '@leasehold/db';
import { PurchasesService } from '@leasehold/domain-licensing';
import {
  asVendor,
  createEnterpriseContainer,
  createGroup,
  createLicense,
  createPortalUser,
  createVendor,
  dbOf,
  insertProduct,
  startApiApp,
  TestPortalUser,
  TestVendor,
} from '@leasehold/testing';
import { logIn, SHOTS, startWebHarness, WebHarness } from './web-harness';

jest.setTimeout(60_000);

describe('portal web app: seat queue, reservations, seat moves and the borrowing switch (headless Chromium)', () => {
  let web: WebHarness;
  let portal: INestApplication;
  let central: INestApplication;
  let page: Page;
  let base: string;
  let vendor: TestVendor;
  let admin: TestPortalUser;
  let night: TestPortalUser;
  let head: { id: string; secret: string };
  let branch: { id: string; secret: string };
  let lab: { id: string; secret: string };
  let headLicenseId: string;
  let labLicenseId: string;

  const lc = () => request(central.getHttpServer());
  const device = (c: { secret: string }) => ({ Authorization: `Bearer ${c.secret}` });
  const checkout = (
    c: { secret: string },
    licenseId: string,
    fingerprint: string,
    extra: Record<string, unknown> = {},
  ) =>
    lc()
      .post('/client/v1/seats/checkout')
      .set(device(c))
      .send({ licenseId, fingerprint, clientName: fingerprint, ...extra });
  /** Another admin demotes this one: the API refuses the next admin call with 403 GROUP_ADMIN_REQUIRED. */
  const setRole = (role: 'ADMIN' | 'MEMBER') =>
    portal.get(PrismaService).user.updateMany({ where: { id: admin.id }, data: { role } });

  beforeAll(async () => {
    web = await startWebHarness();
    portal = web.portal;
    base = web.base;
    central = await startApiApp('license-central');

    vendor = await createVendor(portal, 'Cargo Software');
    const product = await insertProduct(dbOf(portal), vendor, ['print']);
    const group = await createGroup(portal, vendor, 'Northwind Traders');
    admin = await createPortalUser(portal, vendor, { groupId: group.id, role: 'ADMIN', name: 'Ada Admin' });
    night = await createPortalUser(portal, vendor, { groupId: group.id, role: 'MEMBER', name: 'Nina Night' });
    await createPortalUser(portal, vendor, { groupId: group.id, role: 'MEMBER', name: 'Dan Day' });
    head = await createEnterpriseContainer(portal, vendor, group.id, 'Head office');
    branch = await createEnterpriseContainer(portal, vendor, group.id, 'Branch');
    lab = await createEnterpriseContainer(portal, vendor, group.id, 'Lab');
    const purchase = await asVendor(portal, vendor, () =>
      portal.get(PurchasesService).create({ groupId: group.id, productId: product.id, seats: 4 }),
    );
    headLicenseId = (
      await createLicense(portal, vendor, head.id, {
        productId: product.id,
        purchaseId: purchase.id,
        quantity: 4,
        features: ['print'],
        borrowAllowed: true,
        maxBorrowDays: 5,
      })
    ).id;
    labLicenseId = (await createLicense(portal, vendor, lab.id, { productId: product.id, quantity: 1, features: [] }))
      .id;

    page = await (await web.browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await logIn(page, base, vendor.vendor.slug, admin);
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  }, 180_000);

  afterAll(async () => {
    await central?.close();
    await web?.close();
  });

  afterEach(() => setRole('ADMIN'));

  it('Sessions shows the programs waiting for a seat, in order; a refused reload (no longer admin) is shown', async () => {
    await checkout(lab, labLicenseId, 'lab-holder-0001').expect(201);
    for (const fp of ['lab-waiter-0001', 'lab-waiter-0002']) {
      const ticket = await lc()
        .post('/client/v1/seat-queue')
        .set(device(lab))
        .send({ licenseId: labLicenseId, fingerprint: fp, clientName: fp })
        .expect(201);
      expect(ticket.body.status).toBe('WAITING');
    }
    await page.goto(`${base}/group/sessions`);
    const queue = page.getByRole('table', { name: 'Waiting for a seat' });
    await queue.waitFor();
    const rows = queue.locator('tbody tr');
    await expect(rows.count()).resolves.toBe(2);
    await expect(rows.nth(0).innerText()).resolves.toMatch(/lab-waiter-0001[\s\S]*waiting, #1/);
    await expect(rows.nth(1).innerText()).resolves.toMatch(/lab-waiter-0002[\s\S]*waiting, #2/);
    await page.screenshot({ path: join(SHOTS, 'seat-queue.png'), fullPage: true });

    // Refusal: another admin demoted this one; the next reload is refused and says why.
    await setRole('MEMBER');
    await page.getByRole('button', { name: 'Refresh' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    await expect(alert.innerText()).resolves.toContain('GROUP_ADMIN_REQUIRED');
  });

  it('reserves seats of a network license for chosen members, refuses more than the quantity, deletes a reservation', async () => {
    await page.goto(`${base}/group/containers/${head.id}`);
    await page.getByRole('heading', { name: 'Reserved seats' }).waitFor();
    await page.getByText('No seats are reserved.').waitFor();
    await page.getByLabel('Reservation name').fill('Night shift');
    await page.getByLabel('Seats to reserve').fill('2');
    await page.getByRole('checkbox', { name: /Nina Night/ }).check();
    await page.getByRole('button', { name: 'Reserve seats' }).click();
    await page.getByText('Reserved 2 seat(s) for Nina Night (Night shift).').waitFor();
    const table = page.getByRole('table', { name: 'Reservations' });
    await expect(table.innerText()).resolves.toMatch(/Night shift[\s\S]*0 of 2 in use[\s\S]*Nina Night/);
    await page.screenshot({ path: join(SHOTS, 'reservations.png'), fullPage: true });
    const listed = await request(portal.getHttpServer())
      .get(`/v1/group/licenses/${headLicenseId}/reservations`)
      .set(admin.auth)
      .expect(200);
    expect(listed.body.data).toEqual([expect.objectContaining({ name: 'Night shift', seats: 2, userIds: [night.id] })]);

    // Refusal: 2 of 4 seats are reserved already; 3 more do not fit.
    await page.getByLabel('Reservation name').fill('Day shift');
    await page.getByLabel('Seats to reserve').fill('3');
    await page.getByRole('checkbox', { name: /Dan Day/ }).check();
    await page.getByRole('button', { name: 'Reserve seats' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    await expect(alert.innerText()).resolves.toContain('RESERVATIONS_EXCEED_QUANTITY');

    await page.getByRole('button', { name: 'Delete reservation Night shift' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete reservation' }).click();
    await page.getByText('Deleted the reservation Night shift.').waitFor();
    await page.getByText('No seats are reserved.').waitFor();
    expect(
      (
        await request(portal.getHttpServer())
          .get(`/v1/group/licenses/${headLicenseId}/reservations`)
          .set(admin.auth)
          .expect(200)
      ).body.data,
    ).toEqual([]);
  });

  it('moves seats of a purchase to another network container; more than the free seats is refused with how many may move', async () => {
    for (const fp of ['head-ws-00001', 'head-ws-00002', 'head-ws-00003'])
      await checkout(head, headLicenseId, fp).expect(201);
    await page.goto(`${base}/group/containers/${head.id}`);
    await page.getByRole('heading', { name: 'Move seats' }).waitFor();
    await page.getByLabel('To container').selectOption({ label: 'Branch' });

    // Refusal: 3 of the 4 seats are in use, so 2 cannot move.
    await page.getByLabel('Seats to move').fill('2');
    await page.getByRole('button', { name: 'Move seats' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    await expect(alert.innerText()).resolves.toContain('SEATS_IN_USE');
    await page.getByText('At most 1 seat(s) of this license are free to move right now.').waitFor();
    await page.getByRole('heading', { name: 'Move seats' }).scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SHOTS, 'seat-moves-refused.png') });

    await page.getByLabel('Seats to move').fill('1');
    await page.getByRole('button', { name: 'Move seats' }).click();
    await page.getByText('Moved 1 seat(s) to Branch: Head office now has 3, Branch has 1.').waitFor();
    const licenses = await portal.get(PrismaService).license.findMany({
      where: { containerId: { in: [head.id, branch.id] } },
      select: { containerId: true, quantity: true },
    });
    expect(Object.fromEntries(licenses.map((l) => [l.containerId, l.quantity]))).toEqual({
      [head.id]: 3,
      [branch.id]: 1,
    });
  });

  it("switches the group's borrowing off (programs' borrows are then refused); a refused switch is shown and changes nothing", async () => {
    await page.goto(`${base}/group`);
    await page.getByRole('heading', { name: 'Borrowing seats' }).waitFor();
    await page.getByText('Programs of your group may borrow a seat').waitFor();
    await page.getByRole('button', { name: 'Switch borrowing off' }).click();
    await page.getByText('Borrowing is switched off for your group').waitFor();
    const borrowUntil = new Date(Date.now() + 2 * 86_400_000).toISOString();
    const refused = await checkout(head, headLicenseId, 'head-borrow-01', { borrowUntil });
    expect([refused.status, refused.body.error?.code]).toEqual([403, 'BORROW_DISABLED_BY_ADMIN']);

    // Refusal: demoted meanwhile, the switch back is refused and borrowing stays off.
    await setRole('MEMBER');
    await page.getByRole('button', { name: 'Allow borrowing' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    await expect(alert.innerText()).resolves.toContain('GROUP_ADMIN_REQUIRED');
    expect(
      (
        await portal
          .get(PrismaService)
          .group.findMany({ where: { users: { some: { id: admin.id } } }, select: { borrowingAllowed: true } })
      )[0].borrowingAllowed,
    ).toBe(false);

    await setRole('ADMIN');
    await page.getByRole('button', { name: 'Allow borrowing' }).click();
    await page.getByText('Programs of your group may borrow a seat').waitFor();
    // Head office's 3 seats are in use; the Branch's moved seat (the purchase's terms) may be borrowed again.
    const branchLicense = await portal
      .get(PrismaService)
      .license.findFirstOrThrow({ where: { containerId: branch.id } });
    const borrowed = await checkout(branch, branchLicense.id, 'branch-borrow-1', { borrowUntil }).expect(201);
    expect(borrowed.body.borrowUntil).toBe(borrowUntil);
  });
});
