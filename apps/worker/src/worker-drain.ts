import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { WorkerHost } from '@nestjs/bullmq';

/** How long shutdown waits for running jobs before it stops them (they are retried elsewhere). */
export const WORKER_DRAIN_TIMEOUT_MS = 15_000;

/**
 * Graceful shutdown of the worker: first drain BullMQ (stop taking jobs, let running ones finish,
 * at most WORKER_DRAIN_TIMEOUT_MS, then force-close so a stuck job cannot hold shutdown forever;
 * every job is idempotent and BullMQ retries it), then, in the later application-shutdown phase,
 * disconnect Prisma and Redis. Without this, @nestjs/bullmq would close the workers only in that
 * same late phase, after the database was gone under the running jobs.
 */
@Injectable()
export class WorkerDrain implements OnModuleDestroy {
  private readonly logger = new Logger(WorkerDrain.name);

  constructor(private readonly discovery: DiscoveryService) {}

  async onModuleDestroy(): Promise<void> {
    const workers = this.discovery
      .getProviders()
      .map((wrapper) => wrapper.instance as unknown)
      .filter((instance): instance is WorkerHost => instance instanceof WorkerHost)
      .map((host) => host.worker)
      .filter((worker) => worker !== undefined);
    await Promise.all(
      workers.map(async (worker) => {
        let timer: NodeJS.Timeout | undefined;
        const drained = await Promise.race([
          worker.close().then(() => true),
          new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), WORKER_DRAIN_TIMEOUT_MS))),
        ]);
        clearTimeout(timer);
        if (!drained) {
          this.logger.warn(
            { queue: worker.name },
            'jobs still running after the drain timeout; closing the worker without waiting',
          );
          await worker.close(true);
        }
      }),
    );
  }
}
