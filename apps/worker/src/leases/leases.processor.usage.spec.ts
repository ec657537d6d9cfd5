import { randomUUID } from 'node:crypto';
import { LeaseEndReason, TenantContext } from '@leasehold/db';
import { AggregationRun, UsageService } from '@leasehold/domain-seats';
import { AggregateUsageJobData, LEASE_JOBS } from '@leasehold/queues';
import { InsertedLicense, insertLicense, useLeasesWorker } from './leases.fixture';

// The leases queue's usage aggregation on a real BullMQ worker, Redis and Postgres (docs/usage.md):
// per-license hourly and daily aggregates of the closed hours, written exactly once in effect, the
// checkout's denials kept, re-runs to the same rows; the usage API reads the aggregates up to the
// watermark and the lease history after it.

describe('leases jobs (worker on real Redis and Postgres)', () => {
  const worker = useLeasesWorker();

  const HOUR = 3_600_000;
  const MIN = 60_000;

  async function runAggregation(data: AggregateUsageJobData = {}): Promise<AggregationRun> {
    const job = await worker.queue.add(LEASE_JOBS.aggregateUsage, data);
    const run = (await job.waitUntilFinished(worker.queueEvents, 30_000)) as AggregationRun | string;
    return typeof run === 'string' ? (JSON.parse(run) as AggregationRun) : run;
  }

  /** The start of the database's current hour (the open one, never aggregated). */
  async function currentHour(): Promise<number> {
    const rows = await worker.prisma.$queryRaw<{ h: Date }[]>`SELECT date_trunc('hour', now(), 'UTC') AS h`;
    return rows[0].h.getTime();
  }

  /** Lease rows of the license, each from `from` until it ended at `to` ([hours, minutes] from the hour H). */
  function endedLeases(
    license: InsertedLicense,
    H: number,
    leases: {
      slot: number;
      fingerprint: string;
      userId?: string;
      from: [number, number];
      to: [number, number];
      endReason: LeaseEndReason;
      overage?: boolean;
    }[],
  ) {
    const at = ([hours, minutes]: [number, number]) => new Date(H + hours * HOUR + minutes * MIN);
    const { vendorId, licenseId, containerId } = license;
    return leases.map(({ from, to, ...lease }) => ({
      vendorId,
      licenseId,
      containerId,
      ...lease,
      startedAt: at(from),
      expiresAt: at(to),
      endedAt: at(to),
    }));
  }

  /**
   * A 3-seat ENTERPRISE license used in the three hours before `now`'s hour H:
   *   A (u1, ws-1) H-3:00 → H-2:30   B (u2, ws-2) H-3:30 → H-3:45   C (u1, ws-3) H-2:10 → H-1:20
   *   D (no user, ws-4) from H-1:40, live;   4 refused checkouts counted in H-2.
   */
  async function usedLicense(H: number) {
    const license = await insertLicense(worker.prisma, { label: 'usage', license: { quantity: 3 } });
    const { vendorId, containerId, licenseId } = license;
    const tag = randomUUID().slice(0, 8);
    const [u1, u2] = await Promise.all(
      ['u1', 'u2'].map((n) =>
        worker.prisma.user.create({ data: { vendorId, email: `${n}-${tag}@example.com`, name: n } }),
      ),
    );
    const at = (hour: number, minute: number) => new Date(H + hour * HOUR + minute * MIN);
    const base = { vendorId, licenseId, containerId };
    await worker.prisma.seatLease.createMany({
      data: [
        ...endedLeases(license, H, [
          { slot: 0, fingerprint: 'ws-1', userId: u1.id, from: [-3, 0], to: [-2, 30], endReason: 'RELEASED' },
          { slot: 1, fingerprint: 'ws-2', userId: u2.id, from: [-3, 30], to: [-3, 45], endReason: 'EXPIRED' },
          { slot: 1, fingerprint: 'ws-3', userId: u1.id, from: [-2, 10], to: [-1, 20], endReason: 'STOPPED' },
        ]),
        { ...base, slot: 2, fingerprint: 'ws-4', startedAt: at(-1, 40), expiresAt: new Date(Date.now() + 30 * MIN) },
      ],
    });
    await worker.prisma.licenseUsageHour.create({ data: { vendorId, licenseId, hour: at(-2, 0), denials: 4 } });
    return { vendorId, licenseId };
  }

  const hourRows = (licenseId: string) =>
    worker.prisma.licenseUsageHour.findMany({
      where: { licenseId },
      orderBy: { hour: 'asc' },
      select: {
        hour: true,
        peakSeats: true,
        seatMinutes: true,
        sessionsStarted: true,
        distinctUsers: true,
        distinctDevices: true,
        denials: true,
      },
    });

  it('writes hourly and daily aggregates of the closed hours once, keeps denials, and re-runs to the same rows', async () => {
    const H = await currentHour();
    const { vendorId, licenseId } = await usedLicense(H);
    // As on the first deployment: no watermark yet, so the job starts at the oldest lease.
    await worker.prisma.$executeRaw`DELETE FROM usage_aggregation_state`;
    const first = await runAggregation();
    if ((await currentHour()) !== H) return; // the hour turned during the test: the expectations below name H
    expect(new Date(first.aggregatedUntil).getTime()).toBe(H);

    const expected = [
      {
        hour: new Date(H - 3 * HOUR),
        peakSeats: 2,
        seatMinutes: 75,
        sessionsStarted: 2,
        distinctUsers: 2,
        distinctDevices: 2,
        denials: 0,
      },
      {
        hour: new Date(H - 2 * HOUR),
        peakSeats: 2,
        seatMinutes: 80,
        sessionsStarted: 1,
        distinctUsers: 1,
        distinctDevices: 2,
        denials: 4,
      },
      {
        hour: new Date(H - 1 * HOUR),
        peakSeats: 1,
        seatMinutes: 40,
        sessionsStarted: 1,
        distinctUsers: 1,
        distinctDevices: 2,
        denials: 0,
      },
    ];
    expect(await hourRows(licenseId)).toEqual(expected);
    expect(
      (
        await worker.prisma.usageAggregationState.findUniqueOrThrow({ where: { name: 'usage' } })
      ).aggregatedUntil.getTime(),
    ).toBe(H);

    const day = Math.floor((H - 3 * HOUR) / (24 * HOUR)) * 24 * HOUR;
    const dayRow = await worker.prisma.licenseUsageDay.findFirstOrThrow({
      where: { licenseId, day: new Date(day) },
    });
    if (H - HOUR < day + 24 * HOUR && H - HOUR >= day) {
      // All three hours in one UTC day: the day's distinct users and workstations are the day's, not sums.
      expect(dayRow).toMatchObject({
        peakSeats: 2,
        sessionsStarted: 4,
        distinctUsers: 2,
        distinctDevices: 4,
        denials: 4,
      });
      expect(dayRow.seatMinutes).toBeGreaterThanOrEqual(195);
    }

    // Again, twice at once: no hour closed since, nothing written, the rows unchanged.
    const again = await Promise.all([runAggregation(), runAggregation()]);
    expect(again.map((r) => r.from)).toEqual([null, null]);
    expect(await hourRows(licenseId)).toEqual(expected);

    // A repair run over the same hours (twice at once, and the open hour is never written):
    // the same values, not doubled, and the denials kept.
    await worker.prisma.licenseUsageHour.updateMany({
      where: { licenseId, hour: new Date(H - 2 * HOUR) },
      data: { peakSeats: 99, seatMinutes: 1 },
    });
    const range = { from: new Date(H - 3 * HOUR).toISOString(), to: new Date(H + HOUR).toISOString() };
    const repairs = await Promise.all([runAggregation(range), runAggregation(range)]);
    expect(repairs.map((r) => new Date(r.to as Date).getTime())).toEqual([H, H]);
    expect(await hourRows(licenseId)).toEqual(expected);
    expect(await worker.prisma.licenseUsageHour.count({ where: { licenseId, hour: { gte: new Date(H) } } })).toBe(0);

    // Charts read the aggregates for closed hours (a value only the stored row has shows through)
    // and compute the open hour from the lease history (the live lease D).
    await worker.prisma.licenseUsageHour.updateMany({
      where: { licenseId, hour: new Date(H - 3 * HOUR) },
      data: { peakSeats: 3 },
    });
    const usage = await worker.app
      .get(TenantContext)
      .run(vendorId, () =>
        worker.app
          .get(UsageService)
          .history({ licenseId, from: new Date(H - 3 * HOUR), to: new Date(H + HOUR), granularity: 'hour' }),
      );
    expect(usage.aggregatedUntil?.getTime()).toBe(H);
    expect(usage.series.map((p) => [p.start.getTime(), p.peakSeats, p.sessionsStarted, p.denials])).toEqual([
      [H - 3 * HOUR, 3, 2, 0],
      [H - 2 * HOUR, 2, 1, 4],
      [H - 1 * HOUR, 1, 1, 0],
      [H, 1, 0, 0],
    ]);
  });

  it('writes the minutes in overage (more seats in use than the quantity) per hour and day; the usage answer sums them from the aggregates', async () => {
    const H = await currentHour();
    // 1 seat, 1 extra: A H-3:00 → H-1:30; B H-3:20 → H-3:50 (30 min at 2); C H-2:45 → H-1:10 (15 + 10 min at 2).
    const license = await insertLicense(worker.prisma, {
      label: 'overage',
      license: { quantity: 1, overageExtraSeats: 1 },
    });
    const { vendorId, licenseId } = license;
    await worker.prisma.seatLease.createMany({
      data: endedLeases(license, H, [
        { slot: 0, fingerprint: 'ws-a', from: [-3, 0], to: [-1, 30], endReason: 'RELEASED' },
        { slot: 1, fingerprint: 'ws-b', from: [-3, 20], to: [-3, 50], endReason: 'RELEASED', overage: true },
        { slot: 1, fingerprint: 'ws-c', from: [-2, 45], to: [-1, 10], endReason: 'RELEASED', overage: true },
      ]),
    });
    const range = { from: new Date(H - 3 * HOUR).toISOString(), to: new Date(H).toISOString() };
    await runAggregation(range);
    if ((await currentHour()) !== H) return; // the hour turned during the test
    const rows = await worker.prisma.licenseUsageHour.findMany({
      where: { licenseId },
      orderBy: { hour: 'asc' },
      select: { hour: true, peakSeats: true, overageMinutes: true },
    });
    expect(rows.map((r) => [r.hour.getTime(), r.peakSeats, Math.round(r.overageMinutes * 1000) / 1000])).toEqual([
      [H - 3 * HOUR, 2, 30],
      [H - 2 * HOUR, 2, 15],
      [H - 1 * HOUR, 2, 10],
    ]);
    const day = Math.floor((H - 3 * HOUR) / (24 * HOUR)) * 24 * HOUR;
    if (H - HOUR < day + 24 * HOUR) {
      const dayRow = await worker.prisma.licenseUsageDay.findFirstOrThrow({
        where: { licenseId, day: new Date(day) },
      });
      expect(Math.round(dayRow.overageMinutes * 1000) / 1000).toBe(55);
    }

    // The usage answer reads the stored minutes (a value only the stored row has shows through).
    await worker.prisma.licenseUsageHour.updateMany({
      where: { licenseId, hour: new Date(H - 3 * HOUR) },
      data: { overageMinutes: 31 },
    });
    await worker.prisma
      .$executeRaw`UPDATE usage_aggregation_state SET "aggregatedUntil" = GREATEST("aggregatedUntil", ${new Date(H)}::timestamptz) WHERE name = 'usage'`;
    const usage = await worker.app.get(TenantContext).run(vendorId, () =>
      worker.app.get(UsageService).history({
        licenseId,
        from: new Date(H - 3 * HOUR),
        to: new Date(H + HOUR),
        granularity: 'hour',
      }),
    );
    expect(usage.series.map((p) => Math.round(p.overageMinutes * 1000) / 1000)).toEqual([31, 15, 10, 0]);
    expect(usage.overage).toMatchObject({ minutes: 56, peakSeats: 2, leases: 2, capacity: 2 });
  });

  it('refuses a range job whose end is not after its start (the job fails, nothing is written)', async () => {
    const job = await worker.queue.add(
      LEASE_JOBS.aggregateUsage,
      { from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' },
      { attempts: 1 },
    );
    await expect(job.waitUntilFinished(worker.queueEvents, 30_000)).rejects.toThrow(/bad range/);
  });
});
