import { createHash, randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import type { Queue, QueueEvents } from 'bullmq';
import { PrismaService } from '@leasehold/db';
import { PERSONAL_DEVICE_LIMIT } from '@leasehold/domain-licensing';
import { LEASE_JOBS, QUEUES } from '@leasehold/queues';
import { startWorkerApp, waitFor } from '@leasehold/testing';
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

export interface InsertedLicense {
  vendorId: string;
  containerId: string;
  licenseId: string;
  /** The owner of a PERSONAL container; null for an ENTERPRISE one. */
  userId: string | null;
}

/**
 * A new vendor (slug `<label>-…`) with a product and one container (and its credential route)
 * holding one license of it; a PERSONAL container belongs to a new user. Rows, past every domain
 * rule: the license has no seat slots.
 */
export async function insertLicense(
  prisma: PrismaService,
  options: {
    label: string;
    kind?: 'ENTERPRISE' | 'PERSONAL';
    license: { quantity: number; borrowAllowed?: boolean; overageExtraSeats?: number };
  },
): Promise<InsertedLicense> {
  const kind = options.kind ?? 'ENTERPRISE';
  const tag = randomUUID().slice(0, 8);
  const vendor = await prisma.vendor.create({
    data: { slug: `${options.label}-${tag}`, name: `${options.label} vendor` },
  });
  const vendorId = vendor.id;
  const product = await prisma.product.create({ data: { vendorId, code: `p-${tag}`, name: 'P' } });
  const user =
    kind === 'PERSONAL'
      ? await prisma.user.create({ data: { vendorId, email: `${tag}@example.com`, name: 'U' } })
      : null;
  const container = await prisma.container.create({
    data: {
      vendorId,
      kind,
      name: 'C',
      userId: user?.id ?? null,
      deviceLimit: kind === 'PERSONAL' ? PERSONAL_DEVICE_LIMIT : null,
      credentialHash: createHash('sha256').update(tag).digest('hex'),
      credentialPrefix: tag,
    },
  });
  await prisma.credentialRoute.create({
    data: { credentialHash: container.credentialHash, vendorId: container.vendorId, containerId: container.id },
  });
  const license = await prisma.license.create({
    data: { vendorId, containerId: container.id, productId: product.id, ...options.license },
  });
  return { vendorId, containerId: container.id, licenseId: license.id, userId: user?.id ?? null };
}
