import request from 'supertest';
import { Prisma, PrismaService } from '@leasehold/db';
import {
  createEnterpriseContainerViaApi,
  createGroupWithMembers,
  createVendor,
  dbOf,
  eventually,
  insertProduct,
  TestPortalUser,
  TestVendor,
  WebhookTestServer,
} from '@leasehold/testing';
import { startWorkerWithApis, WorkerWithApis } from '../testing/worker-with-apis';

// The world of the seat-rule tests (reservations.spec.ts, overage.spec.ts): the worker running its
// relay beside license-central and the portal, a vendor whose ERP receives the reservation and
// overage webhooks, another vendor to try the same ids, and customers made through the vendor API.

const WEBHOOK_PATH = '/erp';
const REACTION_BOUND_MS = 20_000;

export interface ReservationBody {
  name: string;
  seats: number;
  userIds: string[];
}

/** A reservation request, the status and code it is refused with, and who asks (the group's admin unless named). */
export type ReservationRefusal = [body: ReservationBody, status: number, code: string, as?: TestPortalUser];

export interface WebhookEvent {
  type: string;
  data: Record<string, unknown>;
}

/** A customer group (an admin, two members) with a floating license of 3 seats on its enterprise container. */
export interface Customer {
  groupId: string;
  admin: TestPortalUser;
  members: TestPortalUser[];
  device: { Authorization: string };
  licenseId: string;
  /** The license's reservations: the group admins' route in the portal, and the vendor's in license-central. */
  groupReservations: string;
  vendorReservations: string;
  /** Asks the portal for a reservation, as the group's admin unless `as` is given. */
  reserve(body: ReservationBody, as?: TestPortalUser): request.Test;
  /** A checkout by the group's program on a device, for the `user` signed in there or with a held `ticketId`. */
  checkout(fingerprint: string, options?: { user?: TestPortalUser; ticketId?: string }): request.Test;
  /** The program on that device joins the license's wait queue. */
  joinQueue(fingerprint: string): request.Test;
}

export class SeatRulesWorld {
  apps!: WorkerWithApis;
  prisma!: PrismaService;
  vendor!: TestVendor;
  stranger!: TestVendor;
  private server!: WebhookTestServer;
  private productId!: string;

  async start(): Promise<void> {
    this.server = await new WebhookTestServer().start();
    this.apps = await startWorkerWithApis();
    this.prisma = this.apps.central.get(PrismaService);
    this.vendor = await createVendor(this.apps.central, 'Seat Rules Vendor');
    this.stranger = await createVendor(this.apps.central, 'Other Vendor');
    this.productId = (await insertProduct(dbOf(this.apps.central), this.vendor, [])).id;
    await this.http()
      .post('/v1/webhook-endpoints')
      .set(this.vendor.auth)
      .send({
        url: this.server.url(WEBHOOK_PATH),
        eventTypes: ['license.reservation_changed', 'license.overage_started', 'license.overage_ended'],
      })
      .expect(201);
  }

  async stop(): Promise<void> {
    await this.apps?.close();
    await this.server?.stop();
  }

  http = () => request(this.apps.central.getHttpServer());
  portalHttp = () => request(this.apps.portal.getHttpServer());

  async customer(): Promise<Customer> {
    const { groupId, users } = await createGroupWithMembers(this.apps.central, this.vendor, [
      'ADMIN',
      'MEMBER',
      'MEMBER',
    ]);
    const [admin, ...members] = users;
    const container = await createEnterpriseContainerViaApi(this.http, this.vendor, groupId);
    const license = await this.http()
      .post(`/v1/containers/${container.containerId}/licenses`)
      .set(this.vendor.auth)
      .send({ productId: this.productId, quantity: 3 })
      .expect(201);
    const licenseId = license.body.id as string;
    const groupReservations = `/v1/group/licenses/${licenseId}/reservations`;
    const fingerprint = (name: string) => `sha256:seat-rules-${name}`;
    return {
      groupId,
      admin,
      members,
      device: container.device,
      licenseId,
      groupReservations,
      vendorReservations: `/v1/licenses/${licenseId}/reservations`,
      reserve: (body, as = admin) => this.portalHttp().post(groupReservations).set(as.auth).send(body),
      checkout: (name, { user, ticketId } = {}) =>
        this.http()
          .post('/client/v1/seats/checkout')
          .set(container.device)
          .send({
            licenseId,
            fingerprint: fingerprint(name),
            ...(user ? { userToken: user.accessToken } : {}),
            ...(ticketId ? { ticketId } : {}),
          }),
      joinQueue: (name) =>
        this.http()
          .post('/client/v1/seat-queue')
          .set(container.device)
          .send({ licenseId, fingerprint: fingerprint(name) }),
    };
  }

  /** Waits until the vendor's ERP has received at least `count` webhooks of `type` about the license. */
  webhooks(type: string, licenseId: string, count = 1): Promise<WebhookEvent[]> {
    return eventually(
      () => {
        const got = this.server
          .forPath(WEBHOOK_PATH)
          .map((r) => JSON.parse(r.rawBody) as WebhookEvent)
          .filter((e) => e.type === type && JSON.stringify(e).includes(licenseId));
        return got.length >= count ? got : null;
      },
      REACTION_BOUND_MS,
      `${count} ${type} webhook(s)`,
    );
  }

  /** Waits until the relay has published the one event of `type` (and of that `change`) about the aggregate. */
  async relayed(aggregateId: string, type: string, change?: string): Promise<void> {
    const ofChange = change ? Prisma.sql`AND payload->>'change' = ${change}` : Prisma.empty;
    await eventually(
      async () => {
        const published = await this.prisma.$queryRaw<{ n: number }[]>`
          SELECT count(*)::int AS n FROM domain_events
           WHERE "aggregateId" = ${aggregateId} AND type = ${type} ${ofChange} AND "publishedAt" IS NOT NULL`;
        return published[0].n === 1 ? true : null;
      },
      REACTION_BOUND_MS,
      `${type} relayed`,
    );
  }
}

/** The world, started before the describe's tests and stopped after them. */
export function useSeatRulesWorld(): SeatRulesWorld {
  const world = new SeatRulesWorld();
  beforeAll(() => world.start(), 60_000);
  afterAll(() => world.stop());
  return world;
}

/** Usage over the last hour (to a minute ahead), by the hour: the query of a license's usage route. */
export function lastHourUsage(): string {
  const from = new Date(Date.now() - 3_600_000).toISOString();
  const to = new Date(Date.now() + 60_000).toISOString();
  return `from=${from}&to=${to}&granularity=hour`;
}
