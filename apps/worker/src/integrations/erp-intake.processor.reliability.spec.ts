import { randomUUID } from 'node:crypto';
import { TenantContext } from '@leasehold/db';
import { CatalogService } from '@leasehold/domain-catalog';
import { ProcessInboundEventUseCase } from '@leasehold/domain-integrations';
import { ERP_INTAKE_JOBS, inboundEventJobId } from '@leasehold/queues';
import { enterpriseOrder, uniqueOrder, useErpIntake } from './erp-intake.fixture';

describe('ERP intake processing (license-central intake + worker, real Postgres, Redis and BullMQ)', () => {
  const erp = useErpIntake();

  it('the same event processed again (retried or duplicated job, also two at once) has no second effect', async () => {
    const order = enterpriseOrder(uniqueOrder());
    const id = await erp.storeUnqueued('order.created', order);
    const before = await erp.counts();
    // the worker runs one job at a time; direct calls race it, as a second worker replica would
    const direct = () =>
      erp.worker
        .get(TenantContext)
        .run(
          erp.vendorId(),
          () => erp.worker.get(ProcessInboundEventUseCase).execute({ inboundEventId: id, finalAttempt: true }),
          { type: 'SYSTEM', id: null },
        );
    const outcomes = await Promise.all([erp.runJob(id), direct(), direct(), erp.runJob(id)]);
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['processed', 'skipped', 'skipped', 'skipped']);
    const after = await erp.counts();
    expect(after.containers - before.containers).toBe(1);
    expect(after.licenses - before.licenses).toBe(2);
    expect(after.groups - before.groups).toBe(1);

    // a job retried after a crash that followed the commit
    expect(await erp.runJob(id)).toEqual({ outcome: 'skipped', status: 'PROCESSED' });
    expect(await erp.counts()).toEqual(after);
    expect(await erp.prisma.inboundEvent.findFirstOrThrow({ where: { id } })).toMatchObject({
      status: 'PROCESSED',
      attempts: 1,
    });
  });

  it('an unknown product code fails the event with its errors, not retried, and creates nothing', async () => {
    const before = await erp.counts();
    const order = enterpriseOrder(uniqueOrder());
    order.items.push({ lineId: '30', productCode: 'no-such-product', quantity: 1 });
    const event = await erp.sendAndSettle('order.created', order);
    expect(event).toMatchObject({
      status: 'FAILED',
      attempts: 1,
      result: null,
      errors: {
        code: 'ERP_UNKNOWN_PRODUCT',
        message: expect.stringContaining('no-such-product'),
        details: { productCodes: ['no-such-product'] },
      },
    });
    expect(await erp.counts()).toEqual(before);
    const failed = await erp
      .http()
      .get(`/v1/integrations/${erp.integration.id}/events?status=FAILED`)
      .set(erp.vendor.auth)
      .expect(200);
    expect(failed.body.data.map((e: { id: string }) => e.id)).toContain(event.id);
  });

  it('a rule broken half-way (a personal line above the device limit) rolls back the user, container and earlier lines', async () => {
    const before = await erp.counts();
    const person = {
      externalId: `CONT-${randomUUID().slice(0, 8)}`,
      email: `half-${randomUUID().slice(0, 8)}@example.com`,
      name: 'Hal Half',
    };
    const event = await erp.sendAndSettle('order.created', {
      orderId: uniqueOrder(),
      user: person,
      items: [
        { lineId: '1', productCode: 'cargo-viewer', quantity: 1 },
        { lineId: '2', productCode: 'cargo-office', quantity: 4 },
      ],
    });
    expect(event).toMatchObject({
      status: 'FAILED',
      errors: { code: 'VALIDATION_FAILED', message: expect.stringContaining('device limit') },
    });
    expect(await erp.counts()).toEqual(before);
  });

  it('an infrastructure failure is retried by BullMQ and then applied once', async () => {
    const id = await erp.storeUnqueued('order.created', enterpriseOrder(uniqueOrder()));
    const catalog = erp.worker.get(CatalogService);
    const original = catalog.findProductByCodeIn.bind(catalog);
    let failures = 0;
    const spy = jest
      .spyOn(catalog, 'findProductByCodeIn')
      .mockImplementation(async (...args: Parameters<CatalogService['findProductByCodeIn']>) => {
        if (failures++ === 0) throw new Error('connection reset by peer');
        return original(...args);
      });
    const outcome = await erp.runJob(id, 3);
    spy.mockRestore();
    expect(outcome.outcome).toBe('processed');
    expect(await erp.prisma.inboundEvent.findFirstOrThrow({ where: { id } })).toMatchObject({
      status: 'PROCESSED',
      attempts: 2,
      errors: null,
    });
  });

  it('the sweep queues a RECEIVED event whose job was never enqueued, and it is processed', async () => {
    expect((await erp.queue.getJobSchedulers()).map((s) => ({ key: s.key, every: s.every }))).toContainEqual({
      key: ERP_INTAKE_JOBS.dispatchReceived,
      every: 60_000,
    });
    const orderId = uniqueOrder();
    const stale = await erp.storeUnqueued('order.created', enterpriseOrder(orderId), new Date(Date.now() - 2 * 60_000));
    const fresh = await erp.storeUnqueued('order.cancelled', { orderId: 'SO-not-yet' });
    const sweep = await erp.queue.add(ERP_INTAKE_JOBS.dispatchReceived, {} as never);
    expect(await sweep.waitUntilFinished(erp.queueEvents, 20_000)).toEqual({ enqueued: 1 });
    expect(await erp.settled(stale)).toMatchObject({ status: 'PROCESSED' });
    expect(await erp.prisma.container.count({ where: { vendorId: erp.vendorId(), externalId: orderId } })).toBe(1);
    // younger than a minute: left to its own job
    expect(await erp.prisma.inboundEvent.findFirstOrThrow({ where: { id: fresh } })).toMatchObject({
      status: 'RECEIVED',
    });
  });

  it('processes nothing of a suspended vendor: its queued event stays RECEIVED, unapplied, and is processed once the vendor is active again', async () => {
    const orderId = uniqueOrder();
    const queued = await erp.storeUnqueued(
      'order.created',
      enterpriseOrder(orderId),
      new Date(Date.now() - 2 * 60_000),
    );
    await erp.prisma.vendor.update({ where: { id: erp.vendorId() }, data: { status: 'SUSPENDED' } });
    try {
      // queued as intake queues it (before the suspension), then worked on while suspended
      const job = await erp.queue.add(
        ERP_INTAKE_JOBS.process,
        { vendorId: erp.vendorId(), inboundEventId: queued },
        { jobId: inboundEventJobId(queued) },
      );
      expect(await job.waitUntilFinished(erp.queueEvents, 20_000)).toEqual({
        outcome: 'deferred',
        reason: 'VENDOR_SUSPENDED',
      });
      const sweep = await erp.queue.add(ERP_INTAKE_JOBS.dispatchReceived, {} as never);
      await sweep.waitUntilFinished(erp.queueEvents, 20_000);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await erp.prisma.inboundEvent.findFirstOrThrow({ where: { id: queued } })).toMatchObject({
        status: 'RECEIVED',
        processedAt: null,
      });
      expect(await erp.prisma.container.count({ where: { vendorId: erp.vendorId(), externalId: orderId } })).toBe(0);
    } finally {
      await erp.prisma.vendor.update({ where: { id: erp.vendorId() }, data: { status: 'ACTIVE' } });
    }
    const sweep = await erp.queue.add(ERP_INTAKE_JOBS.dispatchReceived, {} as never);
    await sweep.waitUntilFinished(erp.queueEvents, 20_000);
    expect(await erp.settled(queued)).toMatchObject({ status: 'PROCESSED' });
    expect(await erp.prisma.container.count({ where: { vendorId: erp.vendorId(), externalId: orderId } })).toBe(1);
  });
});
