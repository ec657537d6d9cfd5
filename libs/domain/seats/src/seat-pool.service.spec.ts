import type { INestApplicationContext } from '@nestjs/common';
import { PrismaService, TenantPrisma } from '@leasehold/db';
import { DomainError } from '@leasehold/errors';
import { SeatPoolService } from './seat-pool.service';
import { SeatCheckoutService } from './seat-checkout.service';
import { SeatsService } from './seats.service';
import {
  asSeatVendor,
  insertSeatLicense,
  createSeatsContext,
  expireLease,
  SeatFixture,
  seatsInUse,
} from './seats.testing';

describe('SeatPoolService.resize', () => {
  let app: INestApplicationContext;
  beforeAll(async () => {
    app = await createSeatsContext();
  });
  afterAll(() => app.close());

  const slots = async (licenseId: string) =>
    (await app.get(PrismaService).seatSlot.findMany({ where: { licenseId }, orderBy: { slot: 'asc' } })).map(
      (s) => s.slot,
    );
  const resize = (f: SeatFixture, quantity: number) =>
    asSeatVendor(app, f, () =>
      app.get(TenantPrisma).client.$transaction(async (tx) => {
        await tx.license.updateMany({ where: { id: f.licenseId }, data: { quantity } });
        return app.get(SeatPoolService).resize(tx, f.licenseId, quantity);
      }),
    );
  const checkout = (f: SeatFixture, fingerprint: string) =>
    asSeatVendor(app, f, () =>
      app
        .get(SeatCheckoutService)
        .checkout({ containerId: f.containerId, license: { licenseId: f.licenseId }, fingerprint }),
    );

  it('creates one slot per seat and grows and shrinks a free pool exactly', async () => {
    const f = await insertSeatLicense(app, { quantity: 3 });
    expect(await slots(f.licenseId)).toEqual([0, 1, 2]);
    expect(await resize(f, 5)).toEqual({ slots: 5, excess: 0 });
    expect(await slots(f.licenseId)).toEqual([0, 1, 2, 3, 4]);
    expect(await resize(f, 2)).toEqual({ slots: 2, excess: 0 });
    expect(await slots(f.licenseId)).toEqual([0, 1]);
    expect(await resize(f, 0)).toEqual({ slots: 0, excess: 0 });
  });

  it('never ends a running session when shrinking below the seats in use; excess slots go once freed', async () => {
    const f = await insertSeatLicense(app, { quantity: 4 });
    const leases: { leaseId: string }[] = [];
    for (const fp of ['a', 'b', 'c']) leases.push(await checkout(f, fp));
    // 3 in use, shrink to 1: the free slot goes, the three held ones stay as 2 excess.
    expect(await resize(f, 1)).toEqual({ slots: 3, excess: 2 });
    expect(await seatsInUse(app, f.licenseId)).toBe(3);
    await expect(checkout(f, 'd')).rejects.toMatchObject({ code: 'NO_SEAT_AVAILABLE' });

    // One release: still 2 in use ≥ 1, so still no seat for anyone else.
    await asSeatVendor(app, f, () => app.get(SeatsService).release(f.containerId, leases[0].leaseId));
    await expect(checkout(f, 'd')).rejects.toMatchObject({ code: 'NO_SEAT_AVAILABLE' });
    await asSeatVendor(app, f, () => app.get(SeatsService).release(f.containerId, leases[1].leaseId));
    await expireLease(app, leases[2].leaseId);
    // All three freed (one only by expiry): the next checkout trims to 1 slot and takes it.
    const d = await checkout(f, 'd');
    expect(await slots(f.licenseId)).toHaveLength(1);
    expect(d.slot).toBe((await slots(f.licenseId))[0]);
    await expect(checkout(f, 'e')).rejects.toMatchObject({ code: 'NO_SEAT_AVAILABLE' });
    // The expired lease whose slot was deleted is recorded as ended.
    const expired = await app.get(PrismaService).seatLease.findFirstOrThrow({ where: { id: leases[2].leaseId } });
    expect(expired.endReason).toBe('EXPIRED');
  });

  it('refuses a negative quantity and an unknown license', async () => {
    const f = await insertSeatLicense(app, { quantity: 1 });
    await expect(
      asSeatVendor(app, f, () =>
        app.get(TenantPrisma).client.$transaction((tx) => app.get(SeatPoolService).resize(tx, f.licenseId, -1)),
      ),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    const other = await insertSeatLicense(app, { quantity: 1 });
    await expect(
      asSeatVendor(app, other, () =>
        app.get(TenantPrisma).client.$transaction((tx) => app.get(SeatPoolService).resize(tx, f.licenseId, 2)),
      ),
    ).rejects.toBeInstanceOf(DomainError);
  });
});
