// Seat reservations under concurrency: two Nest instances (two pools, as two replicas) on one
// database. Attacks first: an unreserved user must never take the last reserved seats, and two
// reservations racing (or a reservation racing a quantity cut) must never reserve more than the
// quantity.
import type { INestApplicationContext } from '@nestjs/common';
import { PrismaService, TenantPrisma } from '@leasehold/db';
import { DomainError } from '@leasehold/errors';
import { ReservationsService } from './reservations.service';
import { SeatPoolService } from './seat-pool.service';
import { SeatCheckoutService } from './seat-checkout.service';
import {
  asSeatVendor,
  insertSeatLicense,
  SeatFixture,
  seatsInUse,
  useSeatReplicas,
  insertGroupMembers,
} from './seats.testing';

describe('seat reservations (two instances, one database)', () => {
  const replicas = useSeatReplicas();

  const members = (f: SeatFixture, n: number, tag: string) => insertGroupMembers(replicas[0], f, n, tag);

  const checkout = (r: INestApplicationContext, f: SeatFixture, fingerprint: string, userId?: string) =>
    asSeatVendor(r, f, () =>
      r.get(SeatCheckoutService).checkout({
        containerId: f.containerId,
        license: { licenseId: f.licenseId },
        fingerprint,
        ...(userId ? { user: { id: userId, groupId: f.groupId } } : {}),
      }),
    );
  const code = (e: unknown) => (e instanceof DomainError ? e.code : String(e));

  it('attack: an unreserved user cannot take a reserved seat; the reserved user can, also when the rest is full', async () => {
    const f = await insertSeatLicense(replicas[0], { quantity: 3 });
    const [night] = await members(f, 1, 'night');
    const [day] = await members(f, 1, 'day');
    await asSeatVendor(replicas[0], f, () =>
      replicas[0].get(ReservationsService).create(f.licenseId, { name: 'Night shift', seats: 2, userIds: [night] }),
    );
    await checkout(replicas[0], f, 'anon-1');
    const refused = await checkout(replicas[1], f, 'anon-2').catch((e: unknown) => e);
    expect(code(refused)).toBe('NO_SEAT_AVAILABLE');
    expect((refused as DomainError).details).toMatchObject({
      quantity: 3,
      inUse: 1,
      reservedSeats: 2,
      retryAfter: expect.any(Number),
    });
    expect(code(await checkout(replicas[1], f, 'day-1', day).catch((e: unknown) => e))).toBe('NO_SEAT_AVAILABLE');
    const mine = await checkout(replicas[1], f, 'night-1', night);
    expect(mine.overage).toBe(false);
    await checkout(replicas[0], f, 'night-2', night);
    expect(await seatsInUse(replicas[0], f.licenseId)).toBe(3);
  });

  it('many users racing for reserved and unreserved seats: the reserved seats go only to their users, exactly the quantity in use', async () => {
    const f = await insertSeatLicense(replicas[0], { quantity: 10 });
    const night = await members(f, 6, 'night');
    await asSeatVendor(replicas[0], f, () =>
      replicas[0].get(ReservationsService).create(f.licenseId, { name: 'Night shift', seats: 4, userIds: night }),
    );
    const attempts = [
      ...Array.from({ length: 120 }, (_, i) => ({ fp: `anon-${i}`, user: undefined as string | undefined })),
      ...night.flatMap((u, i) => [0, 1].map((k) => ({ fp: `night-${i}-${k}`, user: u }))),
    ].sort(() => Math.random() - 0.5);
    const results = await Promise.allSettled(attempts.map((a, i) => checkout(replicas[i % 2], f, a.fp, a.user)));
    const granted = attempts.filter((_, i) => results[i].status === 'fulfilled');
    const errors = results.flatMap((r) => (r.status === 'rejected' ? [code(r.reason)] : []));
    expect(new Set(errors)).toEqual(new Set(['NO_SEAT_AVAILABLE']));
    expect(granted).toHaveLength(10);
    const nightGranted = granted.filter((a) => a.user).length;
    expect(nightGranted).toBeGreaterThanOrEqual(4); // the 4 reserved seats were theirs whatever the order
    expect(granted.length - nightGranted).toBeLessThanOrEqual(6);
    expect(await seatsInUse(replicas[0], f.licenseId)).toBe(10);
  }, 120_000);

  it('two reservations racing for more than the quantity: exactly one is made', async () => {
    for (let round = 0; round < 5; round++) {
      const f = await insertSeatLicense(replicas[0], { quantity: 10 });
      const [a, b] = await members(f, 2, `r${round}`);
      const results = await Promise.allSettled(
        [a, b].map((u, i) =>
          asSeatVendor(replicas[i], f, () =>
            replicas[i].get(ReservationsService).create(f.licenseId, { name: `R${i}`, seats: 6, userIds: [u] }),
          ),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.flatMap((r) => (r.status === 'rejected' ? [code(r.reason)] : []))).toEqual([
        'RESERVATIONS_EXCEED_QUANTITY',
      ]);
      expect(
        await replicas[0]
          .get(PrismaService)
          .seatReservation.aggregate({ where: { licenseId: f.licenseId }, _sum: { seats: true } }),
      ).toEqual({ _sum: { seats: 6 } });
    }
  });

  it('a reservation racing a quantity cut: never more reserved than the quantity', async () => {
    for (let round = 0; round < 5; round++) {
      const f = await insertSeatLicense(replicas[0], { quantity: 10 });
      const [u] = await members(f, 1, `cut${round}`);
      const cut = asSeatVendor(replicas[1], f, () =>
        replicas[1].get(TenantPrisma).client.$transaction(async (tx) => {
          await tx.license.updateMany({ where: { id: f.licenseId }, data: { quantity: 4 } });
          await replicas[1].get(SeatPoolService).resize(tx, f.licenseId, 4);
        }),
      );
      const reserve = asSeatVendor(replicas[0], f, () =>
        replicas[0].get(ReservationsService).create(f.licenseId, { name: 'Big', seats: 6, userIds: [u] }),
      );
      const [c, r] = await Promise.allSettled([cut, reserve]);
      expect([c.status, r.status].filter((s) => s === 'fulfilled')).toHaveLength(1);
      const license = await replicas[0]
        .get(PrismaService)
        .license.findFirstOrThrow({ where: { id: f.licenseId }, select: { quantity: true } });
      const reserved = await replicas[0]
        .get(PrismaService)
        .seatReservation.aggregate({ where: { licenseId: f.licenseId }, _sum: { seats: true } });
      expect(reserved._sum.seats ?? 0).toBeLessThanOrEqual(license.quantity);
      const failure = c.status === 'rejected' ? c.reason : r.status === 'rejected' ? r.reason : null;
      expect(code(failure)).toBe('RESERVATIONS_EXCEED_QUANTITY');
    }
  });

  it('the database refuses reservations above the quantity even from a writer that skips the service', async () => {
    const f = await insertSeatLicense(replicas[0], { quantity: 2 });
    const prisma = replicas[0].get(PrismaService);
    await expect(
      prisma.seatReservation.create({
        data: { vendorId: f.vendorId, licenseId: f.licenseId, name: 'Too big', seats: 3 },
      }),
    ).rejects.toThrow(/exceed the quantity/);
  });
});
