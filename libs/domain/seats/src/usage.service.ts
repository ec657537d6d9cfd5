import { Injectable } from '@nestjs/common';
import { TenantPrisma } from '@leasehold/db';
import { DomainError } from '@leasehold/errors';
import { OverageRepository } from './overage.repository';
import { ReservationsRepository } from './reservations.repository';
import { allowanceOf, seatCapacity } from './seat-capacity';
import { UsageRepository } from './usage.repository';
import { UsageHistory, UsagePoint, UsageQuery } from './seats.types';

// Usage per license: peak concurrent seats, seat-hours, sessions, distinct users and workstations
// and refused checkouts per hour or day, as a gap-free series (every bucket present, zeros
// included) that a chart can plot as it is. Read from the worker's aggregates up to their
// watermark, computed from the lease history after it (docs/usage.md, "Aggregates").

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const MAX_BUCKETS = { hour: 24 * 93, day: 3 * 366 } as const;

@Injectable()
export class UsageService {
  constructor(
    private readonly db: TenantPrisma,
    private readonly usage: UsageRepository,
    private readonly overage: OverageRepository,
    private readonly reservations: ReservationsRepository,
  ) {}

  /** `from` is rounded down and `to` up to whole buckets (UTC). Scope by group for the portal. */
  async history(query: UsageQuery, scope: { groupId?: string } = {}): Promise<UsageHistory> {
    const license = await this.db.client.license.findFirst({
      where: { id: query.licenseId, ...(scope.groupId ? { container: { groupId: scope.groupId } } : {}) },
      select: { id: true, quantity: true, overagePercent: true, overageExtraSeats: true },
    });
    if (!license) throw DomainError.notFound('License', query.licenseId);
    const bucketMs = query.granularity === 'hour' ? HOUR_MS : DAY_MS;
    const from = new Date(Math.floor(query.from.getTime() / bucketMs) * bucketMs);
    const to = new Date(Math.ceil(query.to.getTime() / bucketMs) * bucketMs);
    if (to <= from) throw invalid('to', 'to must be after from');
    if ((to.getTime() - from.getTime()) / bucketMs > MAX_BUCKETS[query.granularity]) {
      throw invalid('to', `at most ${MAX_BUCKETS[query.granularity]} ${query.granularity} buckets per request`);
    }
    // Whole buckets before the watermark come from the aggregates (a day only once all its hours
    // are aggregated); the rest is computed from the lease history.
    const aggregatedUntil = await this.usage.aggregatedUntil();
    const split = aggregatedUntil
      ? new Date(
          Math.min(Math.max(Math.floor(aggregatedUntil.getTime() / bucketMs) * bucketMs, from.getTime()), to.getTime()),
        )
      : from;
    const [stored, computed] = await Promise.all([
      split > from ? this.usage.aggregated(license.id, from, split, query.granularity) : [],
      split < to ? this.usage.computed(license.id, split, to, query.granularity) : [],
    ]);
    const byStart = new Map([...stored, ...computed].map((p) => [p.start.getTime(), p]));
    const series: UsagePoint[] = [];
    for (let t = from.getTime(); t < to.getTime(); t += bucketMs)
      series.push(byStart.get(t) ?? emptyPoint(new Date(t)));
    // Overage minutes and peak come from the series (aggregates, then the lease history), as the chart does.
    const peakSeats = series.reduce((max, p) => Math.max(max, p.peakSeats), 0);
    const overageMinutes = series.reduce((sum, p) => sum + p.overageMinutes, 0);
    const overage = {
      minutes: Math.round(overageMinutes * 100) / 100,
      peakSeats: peakSeats > license.quantity ? peakSeats : 0,
      leases: await this.overage.overageLeases(license.id, from, to),
    };
    const episodes = await this.overage.episodes(license.id, from, to);
    const reservations = await this.reservations.list(this.db.client, license.id);
    return {
      licenseId: license.id,
      quantity: license.quantity,
      granularity: query.granularity,
      from,
      to,
      aggregatedUntil,
      series,
      totals: {
        peakSeats,
        seatHours: series.reduce((sum, p) => sum + p.seatHours, 0),
        sessionsStarted: series.reduce((sum, p) => sum + p.sessionsStarted, 0),
        denials: series.reduce((sum, p) => sum + p.denials, 0),
      },
      overage: {
        allowance: allowanceOf(license),
        capacity: seatCapacity(license.quantity, license),
        ...overage,
        episodes: episodes.map((e) => ({ startedAt: e.startedAt, endedAt: e.endedAt, peakSeats: e.peakSeats })),
      },
      reservations: {
        reservedSeats: reservations.reduce((sum, r) => sum + r.seats, 0),
        items: reservations.map((r) => ({
          id: r.id,
          name: r.name,
          seats: r.seats,
          userIds: r.userIds,
          inUse: r.inUse,
        })),
      },
    };
  }
}

function emptyPoint(start: Date): UsagePoint {
  return {
    start,
    peakSeats: 0,
    seatHours: 0,
    overageMinutes: 0,
    sessionsStarted: 0,
    distinctUsers: 0,
    distinctDevices: 0,
    denials: 0,
  };
}

function invalid(field: string, message: string): DomainError {
  return new DomainError('VALIDATION_FAILED', message, { fields: [{ field, messages: [message] }] });
}
