import type { INestApplicationContext } from '@nestjs/common';
import { PrismaService } from '@leasehold/db';
import { seatEvent } from './seat-events';
import { SeatCheckoutService } from './seat-checkout.service';
import {
  asSeatVendor,
  createSeatsContext,
  expireLease,
  insertDevice,
  insertSeatLicense,
  SeatFixture,
  seatsInUse,
  useSeatReplicas,
} from './seats.testing';

// The common checkout (ENTERPRISE, no user token, ticket or borrow) reads its context and claims
// its seat in one statement (SeatCheckoutRepository.claimCommon), appending its event
// there too. What it writes must be what the general path writes, it must claim the slot the
// general path would, and under its lock two checkouts of one device still get one seat.

describe('checkout: the context and the common claim in one statement', () => {
  let app: INestApplicationContext;
  let prisma: PrismaService;

  beforeAll(async () => {
    app = await createSeatsContext();
    prisma = app.get(PrismaService);
  });
  afterAll(() => app.close());

  const checkout = (
    f: SeatFixture,
    fingerprint: string,
    extra: { clientName?: string; productCode?: string; borrowUntil?: Date } = {},
    on: INestApplicationContext = app,
  ) =>
    asSeatVendor(on, f, () =>
      on.get(SeatCheckoutService).checkout({
        containerId: f.containerId,
        license: extra.productCode ? { productCode: extra.productCode } : { licenseId: f.licenseId },
        fingerprint,
        clientName: extra.clientName,
        borrowUntil: extra.borrowUntil,
      }),
    );
  const eventsOf = (aggregateId: string) =>
    prisma.domainEvent.findMany({ where: { aggregateId }, orderBy: { id: 'asc' } });

  it("writes the lease row and the seat.checked_out event the general path writes, the device's id included", async () => {
    const f = await insertSeatLicense(app, {
      quantity: 2,
      leaseTtlSeconds: 600,
      heartbeatIntervalSeconds: 60,
      borrowAllowed: true,
    });
    const deviceId = await insertDevice(app, f, 'fp-known');
    const lease = await checkout(f, 'fp-known', { clientName: 'ws-01' });
    const row = await prisma.seatLease.findFirstOrThrow({ where: { id: lease.leaseId } });
    expect(row).toMatchObject({
      vendorId: f.vendorId,
      licenseId: f.licenseId,
      containerId: f.containerId,
      deviceId,
      fingerprint: 'fp-known',
      clientName: 'ws-01',
      userId: null,
      borrowUntil: null,
      returnKeyHash: null,
      endedAt: null,
      overage: false,
      slot: lease.slot,
    });
    expect(row.lastHeartbeatAt).toEqual(row.startedAt);
    expect(row.expiresAt).toEqual(lease.expiresAt);
    const slot = await prisma.seatSlot.findFirstOrThrow({ where: { licenseId: f.licenseId, slot: lease.slot } });
    expect([slot.leaseId, slot.expiresAt]).toEqual([lease.leaseId, lease.expiresAt]);

    const events = await eventsOf(lease.leaseId);
    expect(events.map((e) => [e.type, e.vendorId, e.aggregateType])).toEqual([
      ['seat.checked_out', f.vendorId, 'seat'],
    ]);
    // The payload the general path builds in JavaScript, from the same lease row.
    expect(events[0].payload).toEqual(seatEvent('seat.checked_out', row).payload);

    // A borrow takes the general path; its row and event have the same form.
    const borrowed = await checkout(f, 'fp-borrow', { borrowUntil: new Date(Date.now() + 86_400_000) });
    const borrowedRow = await prisma.seatLease.findFirstOrThrow({ where: { id: borrowed.leaseId } });
    expect((await eventsOf(borrowed.leaseId))[0].payload).toEqual(seatEvent('seat.borrowed', borrowedRow).payload);
  });

  it('finds the license by product code in the same statement', async () => {
    const f = await insertSeatLicense(app, { quantity: 1 });
    const lease = await checkout(f, 'fp-product', { productCode: f.productCode });
    expect(lease.licenseId).toBe(f.licenseId);
    expect(await seatsInUse(app, f.licenseId)).toBe(1);
  });

  it('takes the lowest empty slot; the slot of an expired lease goes when none is left, and that lease ends as EXPIRED', async () => {
    const f = await insertSeatLicense(app, { quantity: 3 });
    const [a, b] = [await checkout(f, 'a'), await checkout(f, 'b')];
    expect([a.slot, b.slot]).toEqual([0, 1]);
    await expireLease(app, a.leaseId);
    // The empty slot first (from the index of empty slots), not the expired lease's.
    const c = await checkout(f, 'c');
    expect(c.slot).toBe(2);
    expect(await seatsInUse(app, f.licenseId)).toBe(2);
    // No empty slot left: the general path ends the expired lease and takes its slot.
    const d = await checkout(f, 'd');
    expect(d.slot).toBe(0);
    expect(await prisma.seatLease.findFirstOrThrow({ where: { id: a.leaseId } })).toMatchObject({
      endReason: 'EXPIRED',
    });
    expect((await eventsOf(a.leaseId)).map((e) => e.type)).toEqual(['seat.checked_out', 'seat.expired']);
    expect(await seatsInUse(app, f.licenseId)).toBe(3);
    await expect(checkout(f, 'e')).rejects.toMatchObject({ code: 'NO_SEAT_AVAILABLE' });
  });

  // The pool's size is checked without counting its slots (slotsWithinCapacity: no slot numbered
  // at or above the capacity). A trim can leave a gap below the highest slot; such a pool is counted.
  it('a pool with a gap below its highest slot and no more slots than its capacity hands out every one', async () => {
    const f = await insertSeatLicense(app, { quantity: 5 });
    // Slots 0–3 and 7: five slots for a capacity of 5, one of them numbered above it.
    await prisma.$executeRaw`DELETE FROM seat_slots WHERE "licenseId" = ${f.licenseId}::uuid AND slot = 4`;
    await prisma.$executeRaw`INSERT INTO seat_slots ("vendorId", "licenseId", slot) VALUES (${f.vendorId}::uuid, ${f.licenseId}::uuid, 7)`;
    const slots = [];
    for (const device of ['g1', 'g2', 'g3', 'g4', 'g5']) slots.push((await checkout(f, device)).slot);
    expect(slots).toEqual([0, 1, 2, 3, 7]);
    await expect(checkout(f, 'g6')).rejects.toMatchObject({ code: 'NO_SEAT_AVAILABLE' });
    expect(await seatsInUse(app, f.licenseId)).toBe(5);
  });

  it('a pool with more slots than its capacity hands out none of them before the excess is trimmed', async () => {
    const f = await insertSeatLicense(app, { quantity: 2 });
    const [a, b] = [await checkout(f, 'e1'), await checkout(f, 'e2')];
    // The quantity cut to 1 (as the vendor API does it, the slots stay until they free).
    await prisma.license.update({
      where: { vendorId_id: { vendorId: f.vendorId, id: f.licenseId } },
      data: { quantity: 1 },
    });
    await expect(checkout(f, 'e3')).rejects.toMatchObject({ code: 'NO_SEAT_AVAILABLE' });
    await expireLease(app, a.leaseId);
    await expect(checkout(f, 'e3')).rejects.toMatchObject({ code: 'NO_SEAT_AVAILABLE' });
    expect(await prisma.seatSlot.count({ where: { licenseId: f.licenseId } })).toBe(1);
    expect(b.slot).toBe(1);
    expect(await seatsInUse(app, f.licenseId)).toBe(1);
  });

  describe('on two replicas', () => {
    const replicas = useSeatReplicas();

    it('30 parallel checkouts of one device get one seat: the same lease, one row, one event', async () => {
      const f = await insertSeatLicense(app, { quantity: 5 });
      const answers = await Promise.all(
        Array.from({ length: 30 }, (_, i) => checkout(f, 'same-device', {}, replicas[i % 2])),
      );
      expect(new Set(answers.map((a) => a.leaseId)).size).toBe(1);
      expect(await prisma.seatLease.count({ where: { licenseId: f.licenseId } })).toBe(1);
      expect(await seatsInUse(app, f.licenseId)).toBe(1);
      expect(await prisma.domainEvent.count({ where: { aggregateId: answers[0].leaseId } })).toBe(1);
    });
  });
});
