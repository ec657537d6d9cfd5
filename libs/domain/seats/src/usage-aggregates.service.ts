import { Injectable } from '@nestjs/common';
import { TenantPrisma } from '@leasehold/db';
import { UsageAggregatesRepository } from './usage-aggregates.repository';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Closed hours computed again on every advance: a checkout or release committed late still lands. */
export const USAGE_REAGGREGATE_HOURS = 2;
/** Hours aggregated per transaction while catching up (first run, or a worker that was down). */
const WINDOW_HOURS = 7 * 24;

export interface AggregationRun {
  /** Hours aggregated, [from, to); null when every closed hour already was. */
  from: Date | null;
  to: Date | null;
  hourRows: number;
  dayRows: number;
  aggregatedUntil: Date;
}

/**
 * Per-license hourly and daily usage aggregates, written by the worker once an hour is over
 * (docs/usage.md). Exactly-once in effect: the watermark row serialises runs and every write is
 * an upsert of values recomputed from the lease history, so retries and overlaps change nothing.
 */
@Injectable()
export class UsageAggregatesService {
  constructor(
    private readonly db: TenantPrisma,
    private readonly aggregates: UsageAggregatesRepository,
  ) {}

  /**
   * Aggregates the closed hours after the watermark (and the last USAGE_REAGGREGATE_HOURS again),
   * a window at a time, at most `maxWindows` windows per call. With `range`, recomputes exactly
   * those hours (rounded to whole hours, never the open one) and leaves the watermark alone.
   */
  async aggregate(range?: { from: Date; to: Date }, maxWindows = 10): Promise<AggregationRun> {
    let last: AggregationRun | undefined;
    for (let i = 0; i < maxWindows; i++) {
      const run = await this.db.client.$transaction(
        async (tx) => {
          const window = await this.aggregates.lockWindow(tx);
          const current = window.currentHour.getTime();
          const from = range
            ? floorTo(range.from.getTime(), HOUR_MS)
            : Math.min(window.aggregatedUntil.getTime(), current - USAGE_REAGGREGATE_HOURS * HOUR_MS);
          const to = Math.min(range ? ceilTo(range.to.getTime(), HOUR_MS) : from + WINDOW_HOURS * HOUR_MS, current);
          if (to <= from || (!range && window.aggregatedUntil.getTime() >= current)) {
            return {
              from: null,
              to: null,
              hourRows: 0,
              dayRows: 0,
              aggregatedUntil: window.aggregatedUntil,
              done: true,
            };
          }
          const hourRows = await this.aggregates.writeHours(tx, new Date(from), new Date(to));
          const dayRows = await this.aggregates.writeDays(
            tx,
            new Date(floorTo(from, DAY_MS)),
            new Date(ceilTo(to, DAY_MS)),
          );
          if (!range) await this.aggregates.advance(tx, new Date(to));
          const until = range ? window.aggregatedUntil : new Date(Math.max(to, window.aggregatedUntil.getTime()));
          return {
            from: new Date(from),
            to: new Date(to),
            hourRows,
            dayRows,
            aggregatedUntil: until,
            done: range !== undefined || to >= current,
          };
        },
        { timeout: 120_000 },
      );
      const { done, ...result } = run;
      last = last && result.from === null ? last : result;
      if (done) break;
    }
    return last as AggregationRun;
  }
}

function floorTo(ms: number, step: number): number {
  return Math.floor(ms / step) * step;
}

function ceilTo(ms: number, step: number): number {
  return Math.ceil(ms / step) * step;
}
