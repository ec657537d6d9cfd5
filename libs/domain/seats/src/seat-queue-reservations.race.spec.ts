// The wait queue and seat reservations together, on two Nest instances (two pools, as two replicas)
// on one database. Attacks first: a waiting ticket must not take (or block) a seat reserved for
// someone else, a reserved user must not be refused their own free reserved seat because others
// wait, and under racing releases, grant passes, checkouts and claims the reserved seats stay with
// their users while the seat count holds exactly.
import type { INestApplicationContext } from '@nestjs/common';
import { PrismaService } from '@leasehold/db';
import { DomainError } from '@leasehold/errors';
import { ReservationsService } from './reservations.service';
import { SeatQueueService } from './seat-queue.service';
import { SeatCheckoutService } from './seat-checkout.service';
import { SeatsService } from './seats.service';
import {
  asSeatVendor,
  insertSeatLicense,
  SeatFixture,
  seatsInUse,
  useSeatReplicas,
  insertGroupMembers,
} from './seats.testing';

describe('wait queue with reservations (two instances, one database)', () => {
  const replicas = useSeatReplicas();

  const on = <T>(i: number, f: SeatFixture, fn: (app: INestApplicationContext) => PromiseLike<T>) =>
    asSeatVendor(replicas[i % 2], f, () => fn(replicas[i % 2]));
  const userOf = (f: SeatFixture, id?: string) => (id ? { user: { id, groupId: f.groupId } } : {});
  const checkout = (i: number, f: SeatFixture, fingerprint: string, userId?: string, ticketId?: string) =>
    on(i, f, (app) =>
      app.get(SeatCheckoutService).checkout({
        containerId: f.containerId,
        license: { licenseId: f.licenseId },
        fingerprint,
        ticketId,
        ...userOf(f, userId),
      }),
    );
  const enqueue = (i: number, f: SeatFixture, fingerprint: string, userId?: string) =>
    on(i, f, (app) =>
      app.get(SeatQueueService).enqueue({
        containerId: f.containerId,
        license: { licenseId: f.licenseId },
        fingerprint,
        ...userOf(f, userId),
      }),
    );
  const serve = (i: number, f: SeatFixture) => on(i, f, (app) => app.get(SeatQueueService).serve(f.licenseId));
  const release = (i: number, f: SeatFixture, leaseId: string) =>
    on(i, f, (app) => app.get(SeatsService).release(f.containerId, leaseId));
  const code = (e: unknown) => (e instanceof DomainError ? e.code : String(e));

  const members = (f: SeatFixture, n: number, tag: string) => insertGroupMembers(replicas[0], f, n, tag);
  const reserve = (f: SeatFixture, seats: number, userIds: string[]) =>
    on(0, f, (app) => app.get(ReservationsService).create(f.licenseId, { name: `R-${userIds[0]}`, seats, userIds }));
  const ticketStatus = async (ticketId: string) =>
    (await replicas[0].get(PrismaService).seatQueueTicket.findFirstOrThrow({ where: { id: ticketId } })).status;

  it('attack: an outsider waiting does not get a seat reserved for others, and does not keep its reserved user out', async () => {
    const f = await insertSeatLicense(replicas[0], { quantity: 3 });
    const [night] = await members(f, 1, 'night');
    const [day1, day2, day3] = await members(f, 3, 'day');
    await reserve(f, 1, [night]);
    await checkout(0, f, 'day-1', day1);
    await checkout(1, f, 'day-2', day2);
    // The one free seat is the night shift's: day-3 is refused and waits.
    expect(code(await checkout(0, f, 'day-3', day3).catch((e: unknown) => e))).toBe('NO_SEAT_AVAILABLE');
    const waiting = await enqueue(1, f, 'day-3', day3);
    expect(waiting).toMatchObject({ status: 'WAITING', position: 1 });
    // The grant pass holds nothing for it: the free seat is not open to day-3.
    await expect(serve(0, f)).resolves.toBe(0);
    expect(await ticketStatus(waiting.ticketId)).toBe('WAITING');
    // The night shift still gets its reserved seat, although a ticket waits.
    await expect(checkout(1, f, 'night-1', night)).resolves.toMatchObject({ licenseId: f.licenseId });
    expect(await seatsInUse(replicas[0], f.licenseId)).toBe(3);
  });

  it('a freed unreserved seat goes to the waiting ticket; the reserved one stays with its user and nobody else takes it', async () => {
    const f = await insertSeatLicense(replicas[0], { quantity: 3 });
    const [night] = await members(f, 1, 'night');
    const [day1, day2, day3, day4] = await members(f, 4, 'day');
    await reserve(f, 1, [night]);
    const first = await checkout(0, f, 'day-1', day1);
    await checkout(1, f, 'day-2', day2);
    const waiting = await enqueue(0, f, 'day-3', day3);
    await release(1, f, first.leaseId);
    await expect(serve(1, f)).resolves.toBe(1);
    expect(await ticketStatus(waiting.ticketId)).toBe('HELD');
    // One seat held for day-3, one reserved for the night shift: a fourth user gets neither.
    expect(code(await checkout(0, f, 'day-4', day4).catch((e: unknown) => e))).toBe('NO_SEAT_AVAILABLE');
    await expect(checkout(1, f, 'day-3', day3, waiting.ticketId)).resolves.toMatchObject({ licenseId: f.licenseId });
    await expect(checkout(0, f, 'night-1', night)).resolves.toMatchObject({ licenseId: f.licenseId });
    expect(await seatsInUse(replicas[0], f.licenseId)).toBe(3);
  });

  it('a reserved seat freed while an outsider waits first goes to the next waiting user of its reservation', async () => {
    const f = await insertSeatLicense(replicas[0], { quantity: 3 });
    const [n1, n2] = await members(f, 2, 'night');
    const [day1, day2, day3] = await members(f, 3, 'day');
    await reserve(f, 1, [n1, n2]);
    const nightLease = await checkout(0, f, 'night-1', n1);
    const dayLease = await checkout(1, f, 'day-1', day1);
    await checkout(0, f, 'day-2', day2);
    const outsider = await enqueue(1, f, 'day-3', day3);
    const colleague = await enqueue(0, f, 'night-2', n2);
    expect(colleague.position).toBe(2);
    await release(1, f, nightLease.leaseId);
    await expect(serve(0, f)).resolves.toBe(1);
    expect(await ticketStatus(outsider.ticketId)).toBe('WAITING');
    expect(await ticketStatus(colleague.ticketId)).toBe('HELD');
    await expect(checkout(1, f, 'night-2', n2, colleague.ticketId)).resolves.toMatchObject({ licenseId: f.licenseId });
    // The next unreserved seat is the outsider's, first in the queue all along.
    await release(0, f, dayLease.leaseId);
    await expect(serve(1, f)).resolves.toBe(1);
    expect(await ticketStatus(outsider.ticketId)).toBe('HELD');
  });

  it('a reserved user does not jump a waiting user of the same reservation', async () => {
    const f = await insertSeatLicense(replicas[0], { quantity: 2 });
    const [n1, n2, n3] = await members(f, 3, 'night');
    const [day1] = await members(f, 1, 'day');
    await reserve(f, 1, [n1, n2, n3]);
    const nightLease = await checkout(0, f, 'night-1', n1);
    await checkout(1, f, 'day-1', day1);
    const colleague = await enqueue(0, f, 'night-2', n2);
    await release(1, f, nightLease.leaseId);
    // Before the grant pass ran: the freed reserved seat is night-2's turn, not night-3's.
    expect(code(await checkout(0, f, 'night-3', n3).catch((e: unknown) => e))).toBe('NO_SEAT_AVAILABLE');
    await expect(serve(1, f)).resolves.toBe(1);
    expect(await ticketStatus(colleague.ticketId)).toBe('HELD');
  });

  it('racing releases, grant passes, plain checkouts and claims on both instances: reserved seats only for their users, never more than the quantity, every ticket served', async () => {
    const quantity = 6;
    const reservedSeats = 2;
    const f = await insertSeatLicense(replicas[0], { quantity });
    const night = await members(f, 4, 'night');
    const day = await members(f, 12, 'day');
    await reserve(f, reservedSeats, night);
    const prisma = replicas[0].get(PrismaService);
    // The night shift's two waiters keep the seats they get; every other seat is released next round.
    const keepers = new Set(night.slice(0, 2));
    // Unreserved users fill the four unreserved seats; 8 more of them and 2 of the night shift wait.
    let leases: { leaseId: string }[] = await Promise.all(day.slice(0, 4).map((u, i) => checkout(i, f, `day-${i}`, u)));
    const waiters = [
      ...day.slice(4).map((u, i) => ({ fp: `day-w${i}`, user: u })),
      ...night.slice(0, 2).map((u, i) => ({ fp: `night-w${i}`, user: u })),
    ];
    const tickets = new Map<string, { fp: string; user: string }>();
    for (const [i, w] of waiters.entries()) {
      const t = await enqueue(i, f, w.fp, w.user);
      tickets.set(t.ticketId, w);
    }
    const claimed = new Set<string>();
    const unreservedInUseOrHeld = async () => {
      const rows = await prisma.$queryRaw<{ n: number }[]>`
        SELECT count(*)::int AS n FROM seat_slots s
          LEFT JOIN seat_leases l ON l.id = s."leaseId" AND s."expiresAt" > now()
          LEFT JOIN seat_queue_tickets t ON t.id = s."heldTicketId" AND s."heldUntil" > now()
         WHERE s."licenseId" = ${f.licenseId}::uuid AND COALESCE(l."userId", t."userId") IS NOT NULL
           AND NOT (COALESCE(l."userId", t."userId") = ANY(${night}::uuid[]))`;
      return rows[0].n;
    };
    for (let round = 0; claimed.size < tickets.size && round < 30; round++) {
      const open = [...tickets].filter(([id]) => !claimed.has(id));
      // Each attempt with the user it is for, so the seats unreserved users got can be released next round.
      const attempts: { user: string | null; run: () => Promise<unknown> }[] = [
        ...leases.map((l, i) => ({ user: null, run: () => release(i, f, l.leaseId) })),
        ...[0, 1, 2].map((i) => ({ user: null, run: () => serve(i, f) })),
        // newcomers, reserved and not, try plain checkouts
        ...[day[0], night[2], night[3]].map((u, i) => ({
          user: u,
          run: () => checkout(i, f, `intruder-${round}-${i}`, u),
        })),
        ...open.map(([id, w], i) => ({ user: w.user, run: () => checkout(i, f, w.fp, w.user, id) })),
      ];
      const results = await Promise.allSettled(attempts.map((a) => a.run()));
      const unexpected = results.flatMap((r) =>
        r.status === 'rejected' && !['NO_SEAT_AVAILABLE', 'QUEUE_TICKET_WAITING'].includes(code(r.reason))
          ? [code(r.reason)]
          : [],
      );
      expect(unexpected.slice(0, 3)).toEqual([]);
      const inUse = await seatsInUse(replicas[0], f.licenseId);
      const held = await prisma.seatSlot.count({
        where: { licenseId: f.licenseId, heldTicketId: { not: null }, heldUntil: { gt: new Date() } },
      });
      expect(inUse + held).toBeLessThanOrEqual(quantity);
      expect(await unreservedInUseOrHeld()).toBeLessThanOrEqual(quantity - reservedSeats);
      for (const t of await prisma.seatQueueTicket.findMany({ where: { licenseId: f.licenseId, status: 'CLAIMED' } }))
        claimed.add(t.id);
      leases = results.flatMap((r, i) => {
        const user = attempts[i].user;
        return r.status === 'fulfilled' && user && !keepers.has(user) ? [r.value as { leaseId: string }] : [];
      });
      await serve(round, f);
    }
    expect(claimed.size).toBe(tickets.size);
  }, 180_000);
});
