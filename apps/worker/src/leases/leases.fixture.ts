import type { INestApplication } from '@nestjs/common';
import type { Queue, QueueEvents } from 'bullmq';
import { PrismaService } from '@leasehold/db';
import { PERSONAL_DEVICE_LIMIT } from '@leasehold/domain-licensing';
import { LEASE_JOBS, QUEUES } from '@leasehold/queues';
import { insertLicenseRows, LicenseRows, startWorkerApp, waitFor } from '@leasehold/testing';
import { workerQueue } from '../testing/worker-queue';

// The set-up the leases.processor.*.spec.ts files share.
// Each spec file is its own database (tools/jest/per-file.ts), so each boots its own worker.

export class LeasesWorker {
  app!: INestApplication;
  prisma!: PrismaService;
  queue!: Queue;
  queueEvents!: QueueEvents;

  async start(): Promise<void> {
    this.app = await startWorkerApp();
    this.prisma = this.app.get(PrismaService);
    ({ queue: this.queue, queueEvents: this.queueEvents } = await workerQueue(this.app, QUEUES.leases));
    // The usage aggregation's scheduler runs it once at start-up. A test that resets the watermark
    // while that run is open loses the reset: the run's watermark row (made before the test's
    // leases, so at the current hour) commits after the test's DELETE, which never saw it.
    await waitFor(
      async () =>
        (await this.queue.getJobs(['waiting', 'active', 'prioritized'])).every(
          (job) => job.name !== LEASE_JOBS.aggregateUsage,
        ),
      30_000,
      'the start-up usage aggregation',
    );
  }

  async close(): Promise<void> {
    await this.queueEvents?.close();
    await this.app?.close();
  }
}

/** Boots the worker (its leases queue running, with the queue's events) before the describe block's tests, and closes it after them. */
export function useLeasesWorker(): LeasesWorker {
  const worker = new LeasesWorker();
  beforeAll(() => worker.start(), 60_000);
  afterAll(() => worker.close());
  return worker;
}

export type InsertedLicense = LicenseRows;

/**
 * A new vendor (slug `<label>-…`) with a product and one container (and its credential route)
 * holding one license of it; a PERSONAL container belongs to a new user. Rows, past every domain
 * rule: the license has no seat slots.
 */
export function insertLicense(
  prisma: PrismaService,
  options: {
    label: string;
    kind?: 'ENTERPRISE' | 'PERSONAL';
    license: { quantity: number; borrowAllowed?: boolean; overageExtraSeats?: number };
  },
): Promise<InsertedLicense> {
  return insertLicenseRows(prisma, { ...options, personalDeviceLimit: PERSONAL_DEVICE_LIMIT });
}
