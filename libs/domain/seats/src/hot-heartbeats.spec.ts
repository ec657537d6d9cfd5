import type { INestApplicationContext } from '@nestjs/common';
import { PrismaService } from '@leasehold/db';
import { LeaseSweeperService } from './lease-sweeper.service';
import { SeatCheckoutService } from './seat-checkout.service';
import { SeatsService } from './seats.service';
import { asSeatVendor, createSeatsContext, expireLease, insertSeatLicense } from './seats.testing';

// A heartbeat rewrites one seat_leases row (its expiry and last heartbeat). When no index of the
// table names a column it changes, Postgres can make it a HOT update: the new row version on the
// same page, no index entries. Otherwise every heartbeat inserts into each of the table's nine
// indexes, which at a million licenses was most of a heartbeat's Postgres CPU (docs/benchmarks.md,
// fifth session). Checked on the heap itself: the row version a heartbeat leaves is heap-only.

/** HEAP_ONLY_TUPLE in t_infomask2 (src/include/access/htup_details.h): a version made by a HOT update. */
const HEAP_ONLY_TUPLE = 0x8000;

describe('heartbeats are HOT updates of seat_leases', () => {
  let app: INestApplicationContext;
  let checkouts: SeatCheckoutService;
  let seats: SeatsService;
  let prisma: PrismaService;

  beforeAll(async () => {
    app = await createSeatsContext();
    checkouts = app.get(SeatCheckoutService);
    seats = app.get(SeatsService);
    prisma = app.get(PrismaService);
    await prisma.$executeRawUnsafe('CREATE EXTENSION IF NOT EXISTS pageinspect');
  });
  afterAll(() => app.close());

  /** Whether the lease's current row version was made by a HOT update (pageinspect on its heap page). */
  async function isHeapOnly(leaseId: string): Promise<boolean> {
    const [row] = await prisma.$queryRaw<{ flags: number }[]>`
      SELECT p.t_infomask2 AS flags
        FROM seat_leases l,
             heap_page_items(get_raw_page('seat_leases', (l.ctid::text::point)[0]::int)) p
       WHERE l.id = ${leaseId}::uuid AND p.lp = (l.ctid::text::point)[1]::int`;
    return (row.flags & HEAP_ONLY_TUPLE) !== 0;
  }

  it('no index of seat_leases (columns, expressions or predicates) names a column a heartbeat sets', async () => {
    const indexes = await prisma.$queryRaw<{ definition: string }[]>`
      SELECT pg_get_indexdef(indexrelid) AS definition FROM pg_index WHERE indrelid = 'seat_leases'::regclass`;
    expect(indexes.length).toBeGreaterThan(5);
    expect(indexes.filter((i) => /"expiresAt"|"lastHeartbeatAt"/.test(i.definition))).toEqual([]);
  });

  it('a heartbeat, by the device path and by the authenticated container, leaves a heap-only row version', async () => {
    const f = await insertSeatLicense(app, { quantity: 2 });
    const lease = await asSeatVendor(app, f, () =>
      checkouts.checkout({ containerId: f.containerId, license: { licenseId: f.licenseId }, fingerprint: 'hot-1' }),
    );
    expect(await isHeapOnly(lease.leaseId)).toBe(false); // as inserted
    await asSeatVendor(app, f, () => seats.heartbeat(f.containerId, lease.leaseId));
    expect(await isHeapOnly(lease.leaseId)).toBe(true);
    const { credentialHash } = await prisma.container.findUniqueOrThrow({
      where: { vendorId_id: { vendorId: f.vendorId, id: f.containerId } },
    });
    for (let i = 0; i < 3; i++) {
      await seats.heartbeatByCredential(f.vendorId, credentialHash, lease.leaseId);
      expect(await isHeapOnly(lease.leaseId)).toBe(true);
    }
  });

  it('the sweep still ends an expired lease, found without an index on the expiry', async () => {
    const f = await insertSeatLicense(app, { quantity: 2 });
    const lease = await asSeatVendor(app, f, () =>
      checkouts.checkout({ containerId: f.containerId, license: { licenseId: f.licenseId }, fingerprint: 'hot-2' }),
    );
    await asSeatVendor(app, f, () => seats.heartbeat(f.containerId, lease.leaseId));
    await expireLease(app, lease.leaseId);
    expect(await app.get(LeaseSweeperService).sweepExpired()).toBeGreaterThanOrEqual(1);
    const ended = await prisma.seatLease.findFirstOrThrow({ where: { id: lease.leaseId } });
    expect(ended).toMatchObject({ endReason: 'EXPIRED', endedAt: expect.any(Date) });
  });
});
