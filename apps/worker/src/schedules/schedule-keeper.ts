import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { WorkerHost } from '@nestjs/bullmq';
import { HealthIndicatorService } from '@nestjs/terminus';
import { redisErrorLogger } from '@leasehold/redis';
import { PeriodicSchedule } from './periodic-schedule';

/** How often the keeper checks that Redis still holds every job scheduler (and repairs it). */
export const SCHEDULE_CHECK_EVERY_MS = 5_000;
/** The injection token of the check interval (SCHEDULE_CHECK_EVERY_MS; tests shorten it). */
export const SCHEDULE_CHECK_INTERVAL = Symbol('SCHEDULE_CHECK_INTERVAL');
/** A check (or the readiness probe's look) that Redis does not answer within this is a failure. */
const REDIS_ANSWER_MS = 2_000;

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer from Redis within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Keeps the worker's periodic jobs alive. Job schedulers live only in Redis: a Redis restarted or
 * replaced empty has none, and without them nothing is relayed, delivered, renewed or swept again
 * (the BullMQ workers keep running, waiting for jobs that never come). Every few seconds the keeper
 * checks each queue's schedulers and re-registers the missing ones (a job with `every` runs at
 * once when registered, so the sweeps catch up immediately). The readiness probe reports a worker
 * whose schedules are missing or whose BullMQ workers are not running (docs/operations.md).
 */
@Injectable()
export class ScheduleKeeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ScheduleKeeper.name);
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private schedules: PeriodicSchedule[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly indicator: HealthIndicatorService,
    @Inject(SCHEDULE_CHECK_INTERVAL) private readonly everyMs: number,
  ) {}

  onApplicationBootstrap(): void {
    this.schedules = this.discovery
      .getProviders()
      .map((wrapper) => wrapper.instance as unknown)
      .filter((instance): instance is PeriodicSchedule => instance instanceof PeriodicSchedule);
    // A BullMQ worker's connection errors (Redis away, its jobs gone with a replaced Redis) are
    // logged, never an unhandled 'error' event; the worker reconnects and carries on by itself.
    for (const host of this.workerHosts())
      host.worker?.on('error', redisErrorLogger(this.logger, `worker ${host.worker.name}`));
    // The schedules register themselves in the same phase; the first check comes one period later.
    this.timer = setInterval(() => void this.check(), this.everyMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Checks every queue's schedulers once and re-registers the missing ones (never two checks at once). */
  check(): Promise<void> {
    this.checking ??= this.repairAll().finally(() => (this.checking = undefined));
    return this.checking;
  }

  private async repairAll(): Promise<void> {
    for (const schedule of this.schedules) {
      try {
        const repaired = await within(schedule.repair(), REDIS_ANSWER_MS, `job schedulers of ${schedule.queue.name}`);
        if (repaired.length) {
          this.logger.warn(
            { queue: schedule.queue.name, schedulers: repaired },
            'job schedulers were missing from Redis (restarted or replaced empty?); registered them again',
          );
        }
      } catch (error) {
        // Redis away: the next check tries again; readiness reports it meanwhile.
        this.logger.warn({ queue: schedule.queue.name, err: error }, 'could not check the job schedulers');
      }
    }
  }

  private workerHosts(): WorkerHost[] {
    return this.discovery
      .getProviders()
      .map((wrapper) => wrapper.instance as unknown)
      .filter((instance): instance is WorkerHost => instance instanceof WorkerHost);
  }

  /** Readiness: every scheduler is in Redis and every BullMQ worker is running. */
  async health() {
    const check = this.indicator.check('schedules');
    const notRunning = this.workerHosts()
      .filter((host) => !host.worker?.isRunning())
      .map((host) => host.worker?.name ?? host.constructor.name);
    try {
      const missing = (
        await Promise.all(
          this.schedules.map((s) =>
            within(s.missing(), REDIS_ANSWER_MS, `job schedulers of ${s.queue.name}`).then((ids) =>
              ids.map((id) => `${s.queue.name}/${id}`),
            ),
          ),
        )
      ).flat();
      if (missing.length || notRunning.length) return check.down({ missing, notRunning });
      return check.up({ schedulers: this.schedules.reduce((n, s) => n + s.jobs.length, 0) });
    } catch (error) {
      return check.down({ message: error instanceof Error ? error.message : String(error), notRunning });
    }
  }
}
