import type { INestApplicationContext } from '@nestjs/common';
import { PrismaService } from '@leasehold/db';
import { SeatCheckoutService } from './seat-checkout.service';
import { SeatsService } from './seats.service';
import { SessionsService } from './sessions.service';
import { asSeatVendor, createSeatsContext, SeatFixture } from './seats.testing';

// The services of seats.service.*.spec.ts on one Nest context, and the calls those specs make as
// the license's vendor (the tenant every seat query is scoped to). The licenses, devices and
// expired leases they work on come from ./seats.testing.

export class SeatsServiceContext {
  app!: INestApplicationContext;
  checkouts!: SeatCheckoutService;
  seats!: SeatsService;
  sessions!: SessionsService;
  prisma!: PrismaService;

  readonly checkout = (f: SeatFixture, fingerprint: string, extra: { borrowUntil?: Date; clientName?: string } = {}) =>
    asSeatVendor(this.app, f, () =>
      this.checkouts.checkout({
        containerId: f.containerId,
        license: { licenseId: f.licenseId },
        fingerprint,
        ...extra,
      }),
    );
  readonly heartbeat = (f: SeatFixture, leaseId: string) =>
    asSeatVendor(this.app, f, () => this.seats.heartbeat(f.containerId, leaseId));
  readonly release = (f: SeatFixture, leaseId: string) =>
    asSeatVendor(this.app, f, () => this.seats.release(f.containerId, leaseId));
  readonly lease = (id: string) => this.prisma.seatLease.findFirstOrThrow({ where: { id } });
  /** The types of the domain events recorded for `aggregateId`, oldest first. */
  readonly events = (aggregateId: string) =>
    this.prisma.domainEvent
      .findMany({ where: { aggregateId }, orderBy: { id: 'asc' } })
      .then((rows) => rows.map((r) => r.type));
}

export const days = (n: number) => new Date(Date.now() + n * 86_400_000);

/** A SeatsServiceContext started before the describe block's tests and closed after them. */
export function useSeatsService(): SeatsServiceContext {
  const ctx = new SeatsServiceContext();
  beforeAll(async () => {
    ctx.app = await createSeatsContext();
    ctx.checkouts = ctx.app.get(SeatCheckoutService);
    ctx.seats = ctx.app.get(SeatsService);
    ctx.sessions = ctx.app.get(SessionsService);
    ctx.prisma = ctx.app.get(PrismaService);
  });
  afterAll(() => ctx.app.close());
  return ctx;
}
