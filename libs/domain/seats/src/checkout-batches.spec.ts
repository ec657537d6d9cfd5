import type { INestApplicationContext } from '@nestjs/common';
import { PgPool, PrismaService } from '@leasehold/db';
import { SeatCheckoutService } from './seat-checkout.service';
import {
  asSeatVendor,
  createSeatsContext,
  expireLease,
  insertSeatLicense,
  SeatFixture,
  seatsInUse,
} from './seats.testing';
import { LicenseRef } from './seats.types';

// The common checkouts of one turn of the event loop share one transaction and one statement per
// vendor (SeatCheckoutRepository.claimCommon): BEGIN, their locks, the statement that claims a seat
// for each, COMMIT. Batched, the seat count must stay exact, a device must still get one seat
// however often it asks, a wrong secret must get nothing, and one checkout's failure must stay its own.

describe('common checkouts batched into one transaction per vendor', () => {
  let app: INestApplicationContext;
  let prisma: PrismaService;
  let transactions: jest.SpyInstance;

  beforeAll(async () => {
    app = await createSeatsContext();
    prisma = app.get(PrismaService);
  });
  beforeEach(() => {
    // the batch's one round trip (BEGIN, locks, statement, COMMIT), private to PgPool
    transactions = jest.spyOn(
      app.get(PgPool) as unknown as { lockedStatementOnce: () => unknown },
      'lockedStatementOnce',
    );
  });
  afterEach(() => transactions.mockRestore());
  afterAll(() => app.close());

  async function hashOf(f: SeatFixture): Promise<string> {
    const container = await prisma.container.findUniqueOrThrow({
      where: { vendorId_id: { vendorId: f.vendorId, id: f.containerId } },
    });
    return container.credentialHash;
  }

  const checkout = (
    f: SeatFixture,
    fingerprint: string,
    credentialHash: string,
    license: string | LicenseRef = { licenseId: f.licenseId },
  ) =>
    asSeatVendor(app, f, () =>
      app.get(SeatCheckoutService).checkoutByCredential(
        {
          containerId: f.containerId,
          license: typeof license === 'string' ? { licenseId: license } : license,
          fingerprint,
        },
        credentialHash,
      ),
    );
  const leaseIdOf = (answer: PromiseSettledResult<{ leaseId: string } | null>) =>
    answer.status === 'fulfilled' ? answer.value?.leaseId : undefined;

  it('checkouts of one turn: one transaction per vendor, exactly as many seats as the license has, one per device, none for a wrong secret', async () => {
    const mine = await insertSeatLicense(app, { kind: 'ENTERPRISE', quantity: 5 });
    const theirs = await insertSeatLicense(app, { kind: 'ENTERPRISE', quantity: 2 });
    const [myHash, theirHash] = [await hashOf(mine), await hashOf(theirs)];
    transactions.mockClear();

    const devices = ['d1', 'd2', 'd3', 'd4', 'd5', 'd6', 'd7', 'd1'];
    const answers = await Promise.allSettled([
      ...devices.map((fingerprint) => checkout(mine, `batch-${fingerprint}`, myHash)),
      checkout(theirs, 'batch-theirs', theirHash),
      checkout(theirs, 'batch-forged', myHash), // their container, my secret
    ]);

    // the claims' transactions: one per vendor named, under one lock per claim (the refused
    // checkouts and d1's second then take the general path)
    expect(transactions.mock.calls.map(([locks]) => (locks as unknown[]).length).sort()).toEqual([2, 8]);
    const granted = answers.slice(0, 8).filter((a) => a.status === 'fulfilled');
    const refused = answers.slice(0, 8).filter((a) => a.status === 'rejected');
    expect(new Set(granted.map((a) => (a as PromiseFulfilledResult<{ leaseId: string }>).value.leaseId)).size).toBe(5);
    // seven devices for five seats
    expect(refused.map((a) => (a as PromiseRejectedResult).reason.code)).toEqual([
      'NO_SEAT_AVAILABLE',
      'NO_SEAT_AVAILABLE',
    ]);
    // d1 asked twice: one lease, answered to both or refused to both
    expect(answers[0].status).toBe(answers[7].status);
    if (answers[0].status === 'fulfilled' && answers[7].status === 'fulfilled')
      expect(answers[7].value?.leaseId).toBe(answers[0].value?.leaseId);
    expect(await seatsInUse(app, mine.licenseId)).toBe(5);
    expect(answers[8]).toMatchObject({ status: 'fulfilled', value: { licenseId: theirs.licenseId } });
    expect(answers[9]).toMatchObject({ status: 'fulfilled', value: null });
    expect(await seatsInUse(app, theirs.licenseId)).toBe(1);
  });

  it('a checkout whose statement Postgres refuses fails alone; the others of its transaction are granted', async () => {
    const mine = await insertSeatLicense(app, { kind: 'ENTERPRISE', quantity: 3 });
    const hash = await hashOf(mine);
    transactions.mockClear();

    const [good, bad, other] = await Promise.allSettled([
      checkout(mine, 'alone-1', hash),
      checkout(mine, 'alone-2', hash, 'not-a-uuid'),
      checkout(mine, 'alone-3', hash),
    ]);

    expect(good).toMatchObject({ status: 'fulfilled', value: { licenseId: mine.licenseId } });
    expect(other).toMatchObject({ status: 'fulfilled', value: { licenseId: mine.licenseId } });
    expect(bad).toMatchObject({ status: 'rejected', reason: { code: '22P02' } });
    // the batch, rolled back, then each alone
    expect(transactions.mock.calls.map(([locks]) => (locks as unknown[]).length)).toEqual([3, 1, 1, 1]);
    expect(await seatsInUse(app, mine.licenseId)).toBe(2);
  });

  it('a device asking by license id and by product code in one turn gets one seat, not two', async () => {
    const f = await insertSeatLicense(app, { kind: 'ENTERPRISE', quantity: 3 });
    const hash = await hashOf(f);

    const answers = await Promise.allSettled([
      checkout(f, 'both-refs', hash),
      checkout(f, 'both-refs', hash, { productCode: f.productCode }),
      checkout(f, 'another', hash, { productCode: f.productCode }),
    ]);

    expect(answers.map((a) => a.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(leaseIdOf(answers[1])).toBe(leaseIdOf(answers[0]));
    expect(leaseIdOf(answers[2])).not.toBe(leaseIdOf(answers[0]));
    expect(await seatsInUse(app, f.licenseId)).toBe(2);
    const live = await prisma.seatLease.count({ where: { licenseId: f.licenseId, endedAt: null } });
    expect(live).toBe(2);
  });

  it('a turn of claims takes only the free seats between live and expired ones, each once; the expired one ends', async () => {
    const f = await insertSeatLicense(app, { kind: 'ENTERPRISE', quantity: 6 });
    const hash = await hashOf(f);
    // slots 0–3 taken one by one; then slot 1's lease expires and slot 2's is released
    const held = [];
    for (const fingerprint of ['held-0', 'held-1', 'held-2', 'held-3'])
      held.push((await checkout(f, fingerprint, hash))?.leaseId as string);
    await expireLease(app, held[1]);
    await prisma.$executeRaw`UPDATE seat_slots SET "leaseId" = NULL WHERE "leaseId" = ${held[2]}::uuid`;
    await prisma.$executeRaw`UPDATE seat_leases SET "endedAt" = now(), "endReason" = 'RELEASED' WHERE id = ${held[2]}::uuid`;
    // free now: slot 1 (expired), 2 (empty), 4 and 5 (never used): four seats for six devices
    const devices = ['new-1', 'new-2', 'new-3', 'new-4', 'new-5', 'new-6'];

    const generalPath = jest.spyOn(app.get(PgPool), 'transaction');
    const answers = await Promise.allSettled(devices.map((fingerprint) => checkout(f, fingerprint, hash)));
    const generalPaths = generalPath.mock.calls.length;
    generalPath.mockRestore();

    const granted = answers.map(leaseIdOf).filter((id): id is string => id !== undefined);
    expect(granted).toHaveLength(4);
    // the batch's statement granted the three empty slots (2, 4, 5); the fourth-ranked checkout
    // (which took slot 1, ending its expired lease) and the two refused ones took the general path
    expect(generalPaths).toBe(3);
    expect(answers.filter((a) => a.status === 'rejected').map((a) => (a as PromiseRejectedResult).reason.code)).toEqual(
      ['NO_SEAT_AVAILABLE', 'NO_SEAT_AVAILABLE'],
    );
    expect(await seatsInUse(app, f.licenseId)).toBe(6);
    // every slot holds one lease, each live lease holds one slot, the expired one ended as EXPIRED
    const slots = await prisma.seatSlot.findMany({ where: { licenseId: f.licenseId }, orderBy: { slot: 'asc' } });
    expect(new Set(slots.map((s) => s.leaseId)).size).toBe(6);
    expect(slots.map((s) => s.leaseId)).toEqual(expect.arrayContaining([held[0], held[3], ...granted]));
    const leases = await prisma.seatLease.findMany({ where: { licenseId: f.licenseId, endedAt: null } });
    expect(leases.map((l) => l.id).sort()).toEqual([held[0], held[3], ...granted].sort());
    expect(await prisma.seatLease.findFirstOrThrow({ where: { id: held[1] } })).toMatchObject({ endReason: 'EXPIRED' });
  });
});
