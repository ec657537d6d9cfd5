import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import type { Queue, QueueEvents } from 'bullmq';
import request from 'supertest';
import { Prisma, PrismaService } from '@leasehold/db';
import type { ProcessOutcome } from '@leasehold/domain-integrations';
import { ERP_INTAKE_JOBS, QUEUES } from '@leasehold/queues';
import { createVendor, postInboundEvent, startApiApp, startWorkerApp, TestVendor } from '@leasehold/testing';
import { workerQueue } from '../testing/worker-queue';

// The set-up the erp-intake.processor.*.spec.ts files share. Each spec file is its own database
// (tools/jest/per-file.ts), so each boots its own worker and intake.

export const DAY = 86_400_000;

export const uniqueOrder = () => `SO-${randomUUID().slice(0, 8)}`;

export const expiresAt = new Date(Date.now() + 365 * DAY);

export const enterpriseOrder = (orderId: string, customer = `CUST-${randomUUID().slice(0, 8)}`) => ({
  orderId,
  group: { externalId: customer, name: 'Acme GmbH' },
  user: {
    externalId: `CONT-${randomUUID().slice(0, 8)}`,
    email: `it-${randomUUID().slice(0, 8)}@acme.example`,
    name: 'Ida Admin',
  },
  items: [
    {
      lineId: '10',
      productCode: 'cargo-office',
      features: ['export-pdf'],
      quantity: 25,
      expiresAt: expiresAt.toISOString(),
    },
    { lineId: '20', productCode: 'cargo-viewer', quantity: 5 },
  ],
});

export class ErpIntake {
  worker!: INestApplication;
  central!: INestApplication;
  prisma!: PrismaService;
  queue!: Queue;
  queueEvents!: QueueEvents;
  vendor!: TestVendor;
  integration!: { id: string; secret: string };
  officeId!: string;
  private sequence = 0;

  async start(): Promise<void> {
    // The intake is license-central's: these end-to-end tests boot it by name beside the worker
    // (startApiApp) and send events over HTTP, as an ERP would. The worker never imports an API app.
    this.worker = await startWorkerApp();
    this.central = await startApiApp('license-central');
    this.prisma = this.worker.get(PrismaService);
    ({ queue: this.queue, queueEvents: this.queueEvents } = await workerQueue(this.worker, QUEUES.erpIntake));

    this.vendor = await createVendor(this.central, 'ERP Vendor');
    const vendorId = this.vendorId();
    this.officeId = (
      await this.prisma.product.create({ data: { vendorId, code: 'cargo-office', name: 'Cargo Office' } })
    ).id;
    await this.prisma.feature.createMany({
      data: [
        { vendorId, productId: this.officeId, code: 'export-pdf', name: 'PDF export' },
        { vendorId, productId: this.officeId, code: 'cloud-sync', name: 'Cloud sync' },
      ],
    });
    await this.prisma.product.create({ data: { vendorId, code: 'cargo-viewer', name: 'Cargo Viewer' } });
    const created = await this.http()
      .post('/v1/integrations')
      .set(this.vendor.auth)
      .send({ name: 'SAP', kind: 'ERP' })
      .expect(201);
    this.integration = { id: created.body.id as string, secret: created.body.secret as string };
  }

  async close(): Promise<void> {
    jest.restoreAllMocks();
    await this.queueEvents?.close();
    await this.central?.close();
    await this.worker?.close();
  }

  http() {
    return request(this.central.getHttpServer());
  }

  vendorId(): string {
    return this.vendor.vendor.id;
  }

  private eventId(): string {
    return `evt-${++this.sequence}-${randomUUID().slice(0, 8)}`;
  }

  /** Signed exactly as docs/erp-integration.md tells an ERP to; answers the stored event's id. */
  async send(type: string, data: unknown): Promise<string> {
    const res = await postInboundEvent(this.central, this.integration, { id: this.eventId(), type, data }).expect(202);
    expect(res.body).toMatchObject({ status: 'RECEIVED', duplicate: false });
    return res.body.id as string;
  }

  /** The stored event once the worker is done with it (no longer RECEIVED). */
  async settled(id: string) {
    for (let i = 0; i < 200; i++) {
      const event = await this.prisma.inboundEvent.findFirstOrThrow({ where: { id } });
      if (event.status !== 'RECEIVED') return event;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`inbound event ${id} was not processed`);
  }

  async sendAndSettle(type: string, data: unknown) {
    return this.settled(await this.send(type, data));
  }

  /** Runs one processing job (a new job id: as a retry or a duplicate would) and waits for its answer. */
  async runJob(inboundEventId: string, attempts = 1): Promise<ProcessOutcome> {
    const job = await this.queue.add(
      ERP_INTAKE_JOBS.process,
      { vendorId: this.vendorId(), inboundEventId },
      { jobId: `test-${randomUUID()}`, attempts, backoff: { type: 'fixed', delay: 100 } },
    );
    return (await job.waitUntilFinished(this.queueEvents, 20_000)) as ProcessOutcome;
  }

  /** Stores a RECEIVED event without queueing it, as when Redis was down at intake. */
  async storeUnqueued(type: string, data: unknown, receivedAt = new Date()): Promise<string> {
    const id = this.eventId();
    const row = await this.prisma.inboundEvent.create({
      data: {
        vendorId: this.vendorId(),
        integrationId: this.integration.id,
        externalEventId: id,
        dedupKey: id,
        type,
        payload: { id, type, data } as Prisma.InputJsonValue,
        status: 'RECEIVED',
        receivedAt,
      },
    });
    return row.id;
  }

  /** Every row an event could write, for "nothing was half-applied". */
  async counts() {
    const where = { vendorId: this.vendorId() };
    return {
      groups: await this.prisma.group.count({ where }),
      users: await this.prisma.user.count({ where }),
      containers: await this.prisma.container.count({ where }),
      purchases: await this.prisma.purchase.count({ where }),
      licenses: await this.prisma.license.count({ where }),
      audit: await this.prisma.auditEntry.count({ where }),
      outbox: await this.prisma.domainEvent.count({ where }),
    };
  }
}

/**
 * Boots the worker and license-central's intake, with a vendor (the products cargo-office, with
 * the features export-pdf and cloud-sync, and cargo-viewer) and its ERP integration, before the
 * describe block's tests, and closes them after them.
 */
export function useErpIntake(): ErpIntake {
  const erp = new ErpIntake();
  beforeAll(() => erp.start());
  afterAll(() => erp.close());
  return erp;
}
