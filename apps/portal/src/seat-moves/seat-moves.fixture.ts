import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { PrismaService } from '@leasehold/db';
import { PurchasesService } from '@leasehold/domain-licensing';
import {
  asVendor,
  checkout,
  createEnterpriseContainer,
  createGroupWithMembers,
  createLicense,
  createTestApp,
} from '@leasehold/testing';
import { PORTAL_API } from '../api-info';
import { PortalLicensing, usePortalLicensing } from '../testing/portal-licensing';
import { PortalLicensingTestModule } from '../testing/portal-test-module';

// The set-up the seat-moves specs (moves, borrowing) share: the portal of usePortalLicensing and
// a second instance of it, `replica`, so that a race runs on two connection pools on one database
// as on two replicas; the database rows a move must keep consistent are read straight from Prisma.

export const days = (n: number) => new Date(Date.now() + n * 86_400_000);

export class SeatMovesPortal {
  /** The portal again, on the same database: the other replica of a race. */
  replica!: INestApplication;

  constructor(private readonly portal: PortalLicensing) {}

  get app(): INestApplication {
    return this.portal.app;
  }
  get acme() {
    return this.portal.acme;
  }
  get other() {
    return this.portal.other;
  }
  get product() {
    return this.portal.product;
  }
  get prisma(): PrismaService {
    return this.app.get(PrismaService);
  }

  readonly http = (on: INestApplication = this.app) => request(on.getHttpServer());

  /** Group A bought 10 seats, all in the "Head office" server; two more servers of A; group B with its own server. */
  readonly world = async (seats = 10) => {
    const { app, acme, product } = this;
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
  };

  readonly move = (auth: { Authorization: string }, body: Record<string, unknown>, on: INestApplication = this.app) =>
    this.http(on).post('/v1/group/seat-moves').set(auth).send(body);

  readonly take = (
    containerId: string,
    licenseId: string,
    fingerprint: string,
    on: INestApplication = this.app,
    borrowUntil?: Date,
  ) => checkout(on, this.acme, { containerId, licenseId, fingerprint, ...(borrowUntil ? { borrowUntil } : {}) });

  /** A world whose source license has `inUse` seats checked out. */
  readonly busyWorld = async (inUse: number) => {
    const w = await this.world();
    for (let i = 0; i < inUse; i++) await this.take(w.head.id, w.license.id, `busy-${i}`);
    return w;
  };

  readonly quantities = async (purchaseId: string) =>
    (await this.prisma.license.findMany({ where: { purchaseId }, orderBy: { createdAt: 'asc' } })).map((l) => ({
      id: l.id,
      containerId: l.containerId,
      quantity: l.quantity,
    }));

  readonly slots = (licenseId: string) => this.prisma.seatSlot.count({ where: { licenseId } });

  readonly liveLeases = (licenseId: string) =>
    this.prisma.seatLease.count({ where: { licenseId, endedAt: null, expiresAt: { gt: new Date() } } });

  readonly containerRevision = async (containerId: string) => {
    const c = await this.prisma.container.findFirstOrThrow({ where: { id: containerId } });
    const sum = await this.prisma.license.aggregate({ where: { containerId }, _sum: { revision: true } });
    return c.revision + (sum._sum.revision ?? 0);
  };
}

/** usePortalLicensing's portal and its replica, made before the describe block's tests and closed after them. */
export function useSeatMoves(): SeatMovesPortal {
  const portal = new SeatMovesPortal(usePortalLicensing());
  beforeAll(async () => {
    portal.replica = await createTestApp(PortalLicensingTestModule, PORTAL_API);
  });
  afterAll(() => portal.replica.close());
  return portal;
}
