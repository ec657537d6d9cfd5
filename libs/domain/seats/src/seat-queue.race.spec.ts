// The wait queue under concurrency: two independent Nest instances (two connection pools, as two
// replicas) on one database. Releases, grant passes (what the relay's ServeSeatQueue runs), plain
// checkouts and claims with tickets all race; the seat count holds exactly, a held seat is never
// taken by a plain checkout, and tickets get seats in the order they joined.
import type { INestApplicationContext } from '@nestjs/common';
import { PrismaService } from '@leasehold/db';
import { DomainError } from '@leasehold/errors';
import { OverageAllowanceService } from './overage-allowance.service';
import { SeatQueueService } from './seat-queue.service';
import { SeatCheckoutService } from './seat-checkout.service';
import { SeatsService } from './seats.service';
import { asSeatVendor, insertSeatLicense, SeatFixture, seatsInUse, useSeatReplicas } from './seats.testing';

describe('seat wait queue races (two instances, one database)', () => {
  const replicas = useSeatReplicas();

  const on = <T>(i: number, f: SeatFixture, fn: (app: INestApplicationContext) => PromiseLike<T>) =>
    asSeatVendor(replicas[i % 2], f, () => fn(replicas[i % 2]));
  const checkout = (i: number, f: SeatFixture, fingerprint: string, ticketId?: string) =>
    on(i, f, (app) =>
      app
        .get(SeatCheckoutService)
        .checkout({ containerId: f.containerId, license: { licenseId: f.licenseId }, fingerprint, ticketId }),
    );

  /** Live holds (a free seat held for a ticket, in its window), straight from the database. */
  async function seatsHeld(licenseId: string): Promise<number> {
    const rows = await replicas[0].get(PrismaService).$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM seat_slots WHERE "licenseId" = ${licenseId}::uuid AND "heldTicketId" IS NOT NULL AND "heldUntil" > now()`;
    return rows[0].n;
  }

  it('30 waiters on a full 5-seat license, racing releases, grant passes, plain checkouts and claims: never more than 5, no seat stolen, FIFO', async () => {
    const quantity = 5;
    const f = await insertSeatLicense(replicas[0], { quantity });
    const prisma = replicas[0].get(PrismaService);
    let leases = await Promise.all(Array.from({ length: quantity }, (_, i) => checkout(i, f, `holder-${i}`)));

    // 30 programs join in a known order (alternating instances); all wait.
    const tickets: string[] = [];
    for (let i = 0; i < 30; i++) {
      const t = await on(i, f, (app) =>
        app
          .get(SeatQueueService)
          .enqueue({ containerId: f.containerId, license: { licenseId: f.licenseId }, fingerprint: `waiter-${i}` }),
      );
      expect(t).toMatchObject({ status: 'WAITING', position: i + 1 });
      tickets.push(t.ticketId);
    }
    const fingerprintOf = new Map(tickets.map((id, i) => [id, `waiter-${i}`]));
    const claimed = new Set<string>();

    for (let round = 0; claimed.size < tickets.length && round < 40; round++) {
      const results = await Promise.allSettled([
        // the holders release (through both instances)…
        ...leases.map((l, i) => on(i, f, (app) => app.get(SeatsService).release(f.containerId, l.leaseId))),
        // …the relay's grant pass runs, several times at once, on both…
        ...[0, 1, 2, 3].map((i) => on(i, f, (app) => app.get(SeatQueueService).serve(f.licenseId))),
        // …newcomers try plain checkouts (they get a seat only when nobody waits)…
        ...Array.from({ length: 10 }, (_, i) => checkout(i, f, `intruder-${round}-${i}`)),
        // …and every waiting program tries to claim with its ticket.
        ...tickets.filter((t) => !claimed.has(t)).map((t, i) => checkout(i, f, fingerprintOf.get(t)!, t)),
      ]);
      const granted = results.flatMap((r) =>
        r.status === 'fulfilled' && r.value && typeof r.value === 'object' && 'slot' in r.value ? [r.value] : [],
      );
      const unexpected = results.flatMap((r) =>
        r.status === 'rejected' &&
        !(r.reason instanceof DomainError && ['NO_SEAT_AVAILABLE', 'QUEUE_TICKET_WAITING'].includes(r.reason.code))
          ? [String(r.reason)]
          : [],
      );
      expect(unexpected.slice(0, 3)).toEqual([]);
      expect((await seatsInUse(replicas[0], f.licenseId)) + (await seatsHeld(f.licenseId))).toBeLessThanOrEqual(
        quantity,
      );
      const claims = await prisma.seatQueueTicket.findMany({ where: { licenseId: f.licenseId, status: 'CLAIMED' } });
      for (const c of claims) claimed.add(c.id);
      leases = granted;
      // One more pass so the seats freed this round are held before the next claims.
      await on(round, f, (app) => app.get(SeatQueueService).serve(f.licenseId));
    }

    // No held seat was taken from its ticket: every ticket got its seat.
    expect(claimed.size).toBe(tickets.length);
    // No newcomer jumped the queue: no plain checkout started while a ticket that joined earlier still waited.
    const jumped = await prisma.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM seat_leases l
       WHERE l."licenseId" = ${f.licenseId}::uuid AND l.fingerprint LIKE 'intruder-%'
         AND EXISTS (SELECT 1 FROM seat_queue_tickets t WHERE t."licenseId" = l."licenseId" AND t."createdAt" < l."startedAt" AND t."grantedAt" > l."startedAt")`;
    expect(jumped[0].n).toBe(0);
    const all = await prisma.seatQueueTicket.findMany({ where: { licenseId: f.licenseId }, orderBy: { seq: 'asc' } });
    expect(all.map((t) => t.id)).toEqual(tickets);
    // Served in order: a later ticket was never granted before an earlier one.
    for (let i = 1; i < all.length; i++)
      expect(all[i].grantedAt!.getTime()).toBeGreaterThanOrEqual(all[i - 1].grantedAt!.getTime());
    // Every lease of the license, queue or not, kept within the quantity at every instant.
    const peak = await prisma.$queryRaw<{ n: number }[]>`
      SELECT max(c)::int AS n FROM (
        SELECT (SELECT count(*) FROM seat_leases y WHERE y."licenseId" = x."licenseId"
                   AND y."startedAt" <= x."startedAt" AND COALESCE(y."endedAt", 'infinity') > x."startedAt") AS c
          FROM seat_leases x WHERE x."licenseId" = ${f.licenseId}::uuid) p`;
    expect(peak[0].n).toBeLessThanOrEqual(quantity);
  }, 180_000);

  it('many waiters joining while seats free on both instances: exactly the quantity held or used, each ticket at most one seat', async () => {
    const quantity = 4;
    const f = await insertSeatLicense(replicas[0], { quantity });
    const leases = await Promise.all(Array.from({ length: quantity }, (_, i) => checkout(i, f, `busy-${i}`)));
    await Promise.allSettled([
      ...Array.from({ length: 40 }, (_, i) =>
        on(i, f, (app) =>
          app
            .get(SeatQueueService)
            .enqueue({ containerId: f.containerId, license: { licenseId: f.licenseId }, fingerprint: `joiner-${i}` }),
        ),
      ),
      ...leases.map((l, i) => on(i + 1, f, (app) => app.get(SeatsService).release(f.containerId, l.leaseId))),
      ...[0, 1, 2, 3, 4, 5].map((i) => on(i, f, (app) => app.get(SeatQueueService).serve(f.licenseId))),
    ]);
    await on(0, f, (app) => app.get(SeatQueueService).serve(f.licenseId));
    const prisma = replicas[0].get(PrismaService);
    const held = await prisma.seatQueueTicket.findMany({
      where: { licenseId: f.licenseId, status: 'HELD' },
      orderBy: { seq: 'asc' },
    });
    expect(held).toHaveLength(quantity);
    expect(await seatsHeld(f.licenseId)).toBe(quantity);
    expect(new Set(held.map((t) => t.heldSlot)).size).toBe(quantity);
    // The held ones are the first four in the queue.
    const first = await prisma.seatQueueTicket.findMany({
      where: { licenseId: f.licenseId },
      orderBy: { seq: 'asc' },
      take: quantity,
    });
    expect(held.map((t) => t.id)).toEqual(first.map((t) => t.id));
  }, 120_000);

  it('with an overage allowance the queue is served up to the capacity (quantity + allowance), as checkout is', async () => {
    const f = await insertSeatLicense(replicas[0], { quantity: 1 });
    await asSeatVendor(replicas[0], f, () =>
      replicas[0].get(OverageAllowanceService).set(f.licenseId, { extraSeats: 1 }),
    );
    const first = await checkout(0, f, 'cap-a');
    await checkout(1, f, 'cap-b'); // the overage seat: the capacity (2) is full now
    const ticket = await on(0, f, (app) =>
      app
        .get(SeatQueueService)
        .enqueue({ containerId: f.containerId, license: { licenseId: f.licenseId }, fingerprint: 'cap-c' }),
    );
    expect(ticket).toMatchObject({ status: 'WAITING', position: 1 });
    await on(1, f, (app) => app.get(SeatsService).release(f.containerId, first.leaseId));
    await expect(on(0, f, (app) => app.get(SeatQueueService).serve(f.licenseId))).resolves.toBe(1);
    expect(await seatsHeld(f.licenseId)).toBe(1);
    await expect(checkout(1, f, 'cap-c', ticket.ticketId)).resolves.toMatchObject({
      licenseId: f.licenseId,
      overage: true,
    });
    expect(await seatsInUse(replicas[0], f.licenseId)).toBe(2);
  });
});
