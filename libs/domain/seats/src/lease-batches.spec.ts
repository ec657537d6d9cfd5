import type { INestApplicationContext } from '@nestjs/common';
import { PgPool, PrismaService } from '@leasehold/db';
import { SeatCheckoutService } from './seat-checkout.service';
import { SeatsService } from './seats.service';
import { asSeatVendor, createSeatsContext, expireLease, insertSeatLicense, SeatFixture } from './seats.testing';

// The device path's heartbeats, and its releases, of one turn of the event loop go to Postgres as
// one statement per vendor (SeatLeaseRepository.heartbeatByCredential and releaseByCredential,
// statementBatch). Batched, each must still be authenticated and answered on its own: a secret
// extends or frees only its own container's leases, of its own vendor, and a request that fails
// fails alone.

describe('heartbeats and releases batched into one statement per vendor', () => {
  let app: INestApplicationContext;
  let seats: SeatsService;
  let prisma: PrismaService;
  let statements: jest.SpyInstance;

  beforeAll(async () => {
    app = await createSeatsContext();
    seats = app.get(SeatsService);
    prisma = app.get(PrismaService);
  });
  beforeEach(() => {
    statements = jest.spyOn(app.get(PgPool).sql, '$queryRaw');
  });
  afterEach(() => statements.mockRestore());
  afterAll(() => app.close());

  async function leaseOf(f: SeatFixture, fingerprint: string): Promise<string> {
    const lease = await asSeatVendor(app, f, () =>
      app
        .get(SeatCheckoutService)
        .checkout({ containerId: f.containerId, license: { licenseId: f.licenseId }, fingerprint }),
    );
    // a seat with a minute left, so an extension shows
    await prisma.$executeRaw`UPDATE seat_slots SET "expiresAt" = now() + interval '1 minute' WHERE "leaseId" = ${lease.leaseId}::uuid`;
    return lease.leaseId;
  }

  async function hashOf(f: SeatFixture): Promise<string> {
    const container = await prisma.container.findUniqueOrThrow({
      where: { vendorId_id: { vendorId: f.vendorId, id: f.containerId } },
    });
    return container.credentialHash;
  }

  async function seatMinutesLeft(leaseId: string): Promise<number> {
    const [row] = await prisma.$queryRaw<{ minutes: number }[]>`
      SELECT extract(epoch FROM "expiresAt" - now())::float / 60 AS minutes FROM seat_slots WHERE "leaseId" = ${leaseId}::uuid`;
    return row.minutes;
  }

  /** Two vendors' licenses: two leases of mine (`a`, `b`) and one of theirs (`foreign`), with both secrets' hashes. */
  async function twoVendors(label: string) {
    const mine = await insertSeatLicense(app, { quantity: 5 });
    const theirs = await insertSeatLicense(app, { quantity: 2 });
    const [a, b] = [await leaseOf(mine, `${label}-a`), await leaseOf(mine, `${label}-b`)];
    const foreign = await leaseOf(theirs, `${label}-foreign`);
    return { mine, theirs, a, b, foreign, myHash: await hashOf(mine), theirHash: await hashOf(theirs) };
  }

  /**
   * One turn's requests (`act`: vendor, secret hash, lease): my two leases, the first again, then
   * three that must change nothing (another vendor's lease named under mine, their lease with my
   * secret, my lease with their secret), then `more`.
   */
  function mixedTurn<T>(
    w: Awaited<ReturnType<typeof twoVendors>>,
    act: (vendorId: string, credentialHash: string, leaseId: string) => Promise<T>,
    more: (() => Promise<T>)[] = [],
  ): Promise<T[]> {
    statements.mockClear();
    return Promise.all([
      act(w.mine.vendorId, w.myHash, w.a),
      act(w.mine.vendorId, w.myHash, w.b),
      act(w.mine.vendorId, w.myHash, w.a),
      act(w.mine.vendorId, w.myHash, w.foreign),
      act(w.theirs.vendorId, w.myHash, w.foreign),
      act(w.mine.vendorId, w.theirHash, w.b),
      ...more.map((call) => call()),
    ]);
  }

  it('one statement for the heartbeats of one turn: each extends its own lease, and a foreign, wrong or expired one extends nothing', async () => {
    const w = await twoVendors('beat');
    const { mine, theirs, a, b, foreign } = w;
    const expired = await leaseOf(mine, 'beat-expired');
    await expireLease(app, expired);
    const foreignRow = () =>
      prisma.seatLease.findUniqueOrThrow({ where: { vendorId_id: { vendorId: theirs.vendorId, id: foreign } } });
    const foreignBefore = await foreignRow();

    const answers = await mixedTurn(
      w,
      (vendorId, hash, leaseId) => seats.heartbeatByCredential(vendorId, hash, leaseId),
      [() => seats.heartbeatByCredential(mine.vendorId, w.myHash, expired)],
    );

    expect(statements).toHaveBeenCalledTimes(2); // one per vendor named
    expect(answers.map((answer) => answer?.leaseId ?? null)).toEqual([a, b, a, null, null, null, null]);
    for (const leaseId of [a, b]) expect(await seatMinutesLeft(leaseId)).toBeGreaterThan(59);
    expect(await seatMinutesLeft(foreign)).toBeLessThan(1.1);
    expect(await seatMinutesLeft(expired)).toBeLessThan(0);
    expect(await foreignRow()).toEqual(foreignBefore);
  });

  it('a heartbeat whose value Postgres refuses fails alone; the others of its batch are answered', async () => {
    const mine = await insertSeatLicense(app, { quantity: 2 });
    const lease = await leaseOf(mine, 'batch-alone');
    const hash = await hashOf(mine);
    statements.mockClear();

    const [good, bad] = await Promise.allSettled([
      seats.heartbeatByCredential(mine.vendorId, hash, lease),
      seats.heartbeatByCredential(mine.vendorId, hash, 'not-a-uuid'),
    ]);

    expect(good).toMatchObject({ status: 'fulfilled', value: { leaseId: lease } });
    expect(bad).toMatchObject({ status: 'rejected', reason: { code: '22P02' } });
    expect(statements).toHaveBeenCalledTimes(3); // the batch, then each alone
    expect(await seatMinutesLeft(lease)).toBeGreaterThan(59);
  });

  it('one statement per vendor for the releases of one turn: each frees its own seat with one event; a foreign or wrong one frees nothing', async () => {
    const w = await twoVendors('release');
    const { a, b, foreign } = w;

    const answers = await mixedTurn(w, (vendorId, hash, leaseId) => seats.releaseByCredential(vendorId, hash, leaseId));

    expect(statements).toHaveBeenCalledTimes(2); // one per vendor named
    expect(answers.map((answer) => answer && [answer.leaseId, answer.endReason])).toEqual([
      [a, 'RELEASED'],
      [b, 'RELEASED'],
      [a, 'RELEASED'],
      null,
      null,
      null,
    ]);
    const ended = await prisma.seatLease.findMany({ where: { id: { in: [a, b, foreign] } }, orderBy: { id: 'asc' } });
    expect(Object.fromEntries(ended.map((l) => [l.id, l.endReason]))).toEqual({
      [a]: 'RELEASED',
      [b]: 'RELEASED',
      [foreign]: null,
    });
    const events = await prisma.domainEvent.groupBy({
      by: ['aggregateId', 'type'],
      where: { aggregateId: { in: [a, b, foreign] } },
      _count: true,
    });
    expect(events.map((e) => [e.aggregateId, e.type, e._count]).sort()).toEqual(
      [
        [a, 'seat.checked_out', 1],
        [a, 'seat.released', 1],
        [b, 'seat.checked_out', 1],
        [b, 'seat.released', 1],
        [foreign, 'seat.checked_out', 1],
      ].sort(),
    );
    expect(await seatMinutesLeft(foreign)).toBeGreaterThan(0);
  });
});
