import type { INestApplicationContext } from '@nestjs/common';
import { PgPool, PrismaService } from '@leasehold/db';
import { SeatCheckoutService } from './seat-checkout.service';
import { asSeatVendor, createSeatsContext, insertSeatLicense, SeatFixture, seatsInUse } from './seats.testing';

// The common checkouts of one turn of the event loop share one transaction per vendor
// (PgPool.lockedStatementBatched): BEGIN, their locks, their claims one after another, COMMIT.
// Batched, the seat count must stay exact, a device must still get one seat however often it
// asks, a wrong secret must get nothing, and one checkout's failure must stay its own.

describe('common checkouts batched into one transaction per vendor', () => {
  let app: INestApplicationContext;
  let prisma: PrismaService;
  let transactions: jest.SpyInstance;

  beforeAll(async () => {
    app = await createSeatsContext();
    prisma = app.get(PrismaService);
  });
  beforeEach(() => {
    // the batch's one round trip (BEGIN, locks, statements, COMMIT), private to PgPool
    transactions = jest.spyOn(
      app.get(PgPool) as unknown as { lockedStatementsOnce: () => unknown },
      'lockedStatementsOnce',
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

  const checkout = (f: SeatFixture, fingerprint: string, credentialHash: string, licenseId = f.licenseId) =>
    asSeatVendor(app, f, () =>
      app
        .get(SeatCheckoutService)
        .checkoutByCredential({ containerId: f.containerId, license: { licenseId }, fingerprint }, credentialHash),
    );

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

    // the claims' transactions: one per vendor named (the refused checkouts then take the general path)
    expect(transactions.mock.calls.map(([statements]) => (statements as unknown[]).length).sort()).toEqual([2, 8]);
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
    expect(transactions.mock.calls.map(([statements]) => (statements as unknown[]).length)).toEqual([3, 1, 1, 1]);
    expect(await seatsInUse(app, mine.licenseId)).toBe(2);
  });
});
