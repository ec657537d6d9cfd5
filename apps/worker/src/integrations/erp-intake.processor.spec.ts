import { randomUUID } from 'node:crypto';
import { getQueueToken } from '@nestjs/bullmq';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Queue, QueueEvents } from 'bullmq';
import request from 'supertest';
import { ConfigService } from '@leasehold/config';
import { Prisma, PrismaService, TenantContext } from '@leasehold/db';
import { CatalogService } from '@leasehold/domain-catalog';
import { ProcessInboundEventUseCase, ProcessOutcome } from '@leasehold/domain-integrations';
import { bullConnection, ERP_INTAKE_JOBS, inboundEventJobId, QUEUES } from '@leasehold/queues';
import { createVendor, postInboundEvent, startApiApp, TestVendor } from '@leasehold/testing';
// The intake is license-central's: this end-to-end test boots it by name beside the worker
// (startApiApp) and sends events over HTTP, as an ERP would. The worker never imports an API app.
import { AppModule } from '../app.module';

const DAY = 86_400_000;

describe('ERP intake processing (license-central intake + worker, real Postgres, Redis and BullMQ)', () => {
  let worker: INestApplication;
  let central: INestApplication;
  let prisma: PrismaService;
  let queue: Queue;
  let queueEvents: QueueEvents;
  let vendor: TestVendor;
  let integration: { id: string; secret: string };
  let officeId: string;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    worker = moduleRef.createNestApplication({ bufferLogs: true });
    await worker.init();
    central = await startApiApp('license-central');
    prisma = worker.get(PrismaService);
    queue = worker.get<Queue>(getQueueToken(QUEUES.erpIntake));
    const config = worker.get(ConfigService);
    queueEvents = new QueueEvents(QUEUES.erpIntake, {
      connection: bullConnection(config.get('REDIS_URL')),
      prefix: `${config.get('REDIS_PREFIX')}:bull`,
    });
    await queueEvents.waitUntilReady();

    vendor = await createVendor(central, 'ERP Vendor');
    const vendorId = vendor.vendor.id;
    officeId = (await prisma.product.create({ data: { vendorId, code: 'cargo-office', name: 'Cargo Office' } })).id;
    await prisma.feature.createMany({
      data: [
        { vendorId, productId: officeId, code: 'export-pdf', name: 'PDF export' },
        { vendorId, productId: officeId, code: 'cloud-sync', name: 'Cloud sync' },
      ],
    });
    await prisma.product.create({ data: { vendorId, code: 'cargo-viewer', name: 'Cargo Viewer' } });
    const created = await http()
      .post('/v1/integrations')
      .set(vendor.auth)
      .send({ name: 'SAP', kind: 'ERP' })
      .expect(201);
    integration = { id: created.body.id as string, secret: created.body.secret as string };
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await queueEvents?.close();
    await central?.close();
    await worker?.close();
  });

  const http = () => request(central.getHttpServer());
  const vendorId = () => vendor.vendor.id;
  let sequence = 0;
  const eventId = () => `evt-${++sequence}-${randomUUID().slice(0, 8)}`;
  const uniqueOrder = () => `SO-${randomUUID().slice(0, 8)}`;

  /** Signed exactly as docs/erp-integration.md tells an ERP to; answers the stored event's id. */
  async function send(type: string, data: unknown): Promise<string> {
    const res = await postInboundEvent(central, integration, { id: eventId(), type, data }).expect(202);
    expect(res.body).toMatchObject({ status: 'RECEIVED', duplicate: false });
    return res.body.id as string;
  }

  /** The stored event once the worker is done with it (no longer RECEIVED). */
  async function settled(id: string) {
    for (let i = 0; i < 200; i++) {
      const event = await prisma.inboundEvent.findFirstOrThrow({ where: { id } });
      if (event.status !== 'RECEIVED') return event;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`inbound event ${id} was not processed`);
  }

  async function sendAndSettle(type: string, data: unknown) {
    return settled(await send(type, data));
  }

  /** Runs one processing job (a new job id: as a retry or a duplicate would) and waits for its answer. */
  async function runJob(inboundEventId: string, attempts = 1): Promise<ProcessOutcome> {
    const job = await queue.add(
      ERP_INTAKE_JOBS.process,
      { vendorId: vendorId(), inboundEventId },
      { jobId: `test-${randomUUID()}`, attempts, backoff: { type: 'fixed', delay: 100 } },
    );
    return (await job.waitUntilFinished(queueEvents, 20_000)) as ProcessOutcome;
  }

  /** Stores a RECEIVED event without queueing it, as when Redis was down at intake. */
  async function storeUnqueued(type: string, data: unknown, receivedAt = new Date()): Promise<string> {
    const id = eventId();
    const row = await prisma.inboundEvent.create({
      data: {
        vendorId: vendorId(),
        integrationId: integration.id,
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
  async function counts() {
    const where = { vendorId: vendorId() };
    return {
      groups: await prisma.group.count({ where }),
      users: await prisma.user.count({ where }),
      containers: await prisma.container.count({ where }),
      purchases: await prisma.purchase.count({ where }),
      licenses: await prisma.license.count({ where }),
      audit: await prisma.auditEntry.count({ where }),
      outbox: await prisma.domainEvent.count({ where }),
    };
  }

  const expiresAt = new Date(Date.now() + 365 * DAY);
  const enterpriseOrder = (orderId: string, customer = `CUST-${randomUUID().slice(0, 8)}`) => ({
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

  it('order.created (company): signed POST → 202 → job → group, admin, purchases, ENTERPRISE container and licenses, event PROCESSED with their ids', async () => {
    const orderId = uniqueOrder();
    const order = enterpriseOrder(orderId);
    const event = await sendAndSettle('order.created', order);
    expect(event).toMatchObject({ status: 'PROCESSED', attempts: 1, errors: null, processedAt: expect.any(Date) });

    const group = await prisma.group.findFirstOrThrow({
      where: { vendorId: vendorId(), externalId: order.group.externalId },
    });
    expect(group.name).toBe('Acme GmbH');
    const user = await prisma.user.findFirstOrThrow({
      where: { vendorId: vendorId(), externalId: order.user.externalId },
    });
    expect(user).toMatchObject({ groupId: group.id, role: 'ADMIN', status: 'INVITED', email: order.user.email });
    const container = await prisma.container.findFirstOrThrow({ where: { vendorId: vendorId(), externalId: orderId } });
    expect(container).toMatchObject({ kind: 'ENTERPRISE', groupId: group.id, userId: null });
    const office = await prisma.license.findFirstOrThrow({
      where: { vendorId: vendorId(), externalId: `${orderId}:10` },
    });
    expect(office).toMatchObject({
      containerId: container.id,
      productId: officeId,
      quantity: 25,
      features: ['export-pdf'],
      expiresAt,
      renewalPolicy: 'ERP',
      status: 'ACTIVE',
    });
    const viewer = await prisma.license.findFirstOrThrow({
      where: { vendorId: vendorId(), externalId: `${orderId}:20` },
    });
    expect(viewer).toMatchObject({ quantity: 5, features: [], expiresAt: null, renewalPolicy: 'NONE' });
    const purchases = await prisma.purchase.findMany({
      where: { vendorId: vendorId(), groupId: group.id },
      orderBy: { externalId: 'asc' },
    });
    expect(purchases.map((p) => [p.externalId, p.seats])).toEqual([
      [`${orderId}:10`, 25],
      [`${orderId}:20`, 5],
    ]);
    expect(office.purchaseId).toBe(purchases[0].id);

    expect(event.result).toEqual({
      orderId,
      groupId: group.id,
      userId: user.id,
      createdGroup: true,
      createdUser: true,
      containerId: container.id,
      lines: [
        { lineId: '10', licenseId: office.id, purchaseId: purchases[0].id },
        { lineId: '20', licenseId: viewer.id, purchaseId: purchases[1].id },
      ],
    });
    // audited and announced by the services, as the system
    const audit = await prisma.auditEntry.findMany({
      where: { vendorId: vendorId(), entityId: { in: [group.id, container.id, office.id] } },
    });
    expect(audit.map((a) => [a.action, a.actorType]).sort()).toEqual([
      ['container.created', 'SYSTEM'],
      ['group.created', 'SYSTEM'],
      ['license.created', 'SYSTEM'],
    ]);
    expect(
      await prisma.domainEvent.count({
        where: { vendorId: vendorId(), type: 'license.created', aggregateId: { in: [office.id, viewer.id] } },
      }),
    ).toBe(2);

    // visible to the vendor
    const shown = await http()
      .get(`/v1/integrations/${integration.id}/events/${event.id}`)
      .set(vendor.auth)
      .expect(200);
    expect(shown.body).toMatchObject({ status: 'PROCESSED', result: { containerId: container.id } });

    // a second order of the same customer finds its group and user
    const again = await sendAndSettle('order.created', {
      ...enterpriseOrder(uniqueOrder(), order.group.externalId),
      user: order.user,
    });
    expect(again.result).toMatchObject({ groupId: group.id, userId: user.id, createdGroup: false, createdUser: false });
  });

  it('order.created (single buyer): a user without group and a PERSONAL container', async () => {
    const orderId = uniqueOrder();
    const person = {
      externalId: `CONT-${randomUUID().slice(0, 8)}`,
      email: `solo-${randomUUID().slice(0, 8)}@example.com`,
      name: 'Sam Solo',
    };
    const event = await sendAndSettle('order.created', {
      orderId,
      user: person,
      items: [{ lineId: '1', productCode: 'cargo-office', quantity: 2 }],
    });
    expect(event.status).toBe('PROCESSED');
    const user = await prisma.user.findFirstOrThrow({ where: { vendorId: vendorId(), externalId: person.externalId } });
    expect(user).toMatchObject({ groupId: null, role: null });
    const container = await prisma.container.findFirstOrThrow({ where: { vendorId: vendorId(), externalId: orderId } });
    expect(container).toMatchObject({ kind: 'PERSONAL', userId: user.id, groupId: null, deviceLimit: 3 });
    expect(
      await prisma.license.findFirstOrThrow({ where: { vendorId: vendorId(), externalId: `${orderId}:1` } }),
    ).toMatchObject({ quantity: 2, purchaseId: null });
    expect(await prisma.purchase.count({ where: { vendorId: vendorId(), externalId: `${orderId}:1` } })).toBe(0);
  });

  it('the same event processed again (retried or duplicated job, also two at once) has no second effect', async () => {
    const order = enterpriseOrder(uniqueOrder());
    const id = await storeUnqueued('order.created', order);
    const before = await counts();
    // the worker runs one job at a time; direct calls race it, as a second worker replica would
    const direct = () =>
      worker
        .get(TenantContext)
        .run(
          vendorId(),
          () => worker.get(ProcessInboundEventUseCase).execute({ inboundEventId: id, finalAttempt: true }),
          { type: 'SYSTEM', id: null },
        );
    const outcomes = await Promise.all([runJob(id), direct(), direct(), runJob(id)]);
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['processed', 'skipped', 'skipped', 'skipped']);
    const after = await counts();
    expect(after.containers - before.containers).toBe(1);
    expect(after.licenses - before.licenses).toBe(2);
    expect(after.groups - before.groups).toBe(1);

    // a job retried after a crash that followed the commit
    expect(await runJob(id)).toEqual({ outcome: 'skipped', status: 'PROCESSED' });
    expect(await counts()).toEqual(after);
    expect(await prisma.inboundEvent.findFirstOrThrow({ where: { id } })).toMatchObject({
      status: 'PROCESSED',
      attempts: 1,
    });
  });

  it('order.changed changes quantity (and the purchase with it), features and expiry; shrinking works too', async () => {
    const orderId = uniqueOrder();
    await sendAndSettle('order.created', enterpriseOrder(orderId));
    const later = new Date(expiresAt.getTime() + 30 * DAY);
    const grown = await sendAndSettle('order.changed', {
      orderId,
      items: [{ lineId: '10', quantity: 40, features: ['export-pdf', 'cloud-sync'], expiresAt: later.toISOString() }],
    });
    expect(grown.status).toBe('PROCESSED');
    const license = await prisma.license.findFirstOrThrow({
      where: { vendorId: vendorId(), externalId: `${orderId}:10` },
    });
    expect(license).toMatchObject({
      quantity: 40,
      features: ['export-pdf', 'cloud-sync'],
      expiresAt: later,
      revision: 2,
    });
    expect(await prisma.purchase.findFirstOrThrow({ where: { id: license.purchaseId! } })).toMatchObject({
      seats: 40,
    });
    expect(grown.result).toEqual({
      orderId,
      containerId: license.containerId,
      lines: [{ lineId: '10', licenseId: license.id, changed: true }],
    });

    const shrunk = await sendAndSettle('order.changed', { orderId, items: [{ lineId: '10', quantity: 10 }] });
    expect(shrunk.status).toBe('PROCESSED');
    expect(await prisma.license.findFirstOrThrow({ where: { id: license.id } })).toMatchObject({
      quantity: 10,
      revision: 3,
    });
    expect(await prisma.purchase.findFirstOrThrow({ where: { id: license.purchaseId! } })).toMatchObject({
      seats: 10,
    });

    const unknownLine = await sendAndSettle('order.changed', { orderId, items: [{ lineId: '99', quantity: 1 }] });
    expect(unknownLine).toMatchObject({
      status: 'FAILED',
      errors: { code: 'ERP_ORDER_UNKNOWN', details: { orderId, lineIds: ['99'] } },
    });
  });

  it('after the group admin moved seats to another installation, the line quantity stays the purchase total; features, expiry, renewal and cancellation reach the moved seats', async () => {
    const orderId = uniqueOrder();
    await sendAndSettle('order.created', enterpriseOrder(orderId));
    const license = await prisma.license.findFirstOrThrow({
      where: { vendorId: vendorId(), externalId: `${orderId}:10` },
    });
    const home = await prisma.container.findFirstOrThrow({ where: { id: license.containerId } });
    // the group admin moved 10 of the 25 seats to a second installation (as PurchaseSplitService.move leaves it)
    const branch = await prisma.container.create({
      data: {
        vendorId: vendorId(),
        kind: 'ENTERPRISE',
        name: 'Branch',
        groupId: home.groupId,
        credentialHash: randomUUID(),
        credentialPrefix: 'x',
      },
    });
    await prisma.license.updateMany({ where: { id: license.id }, data: { quantity: 15 } });
    const moved = await prisma.license.create({
      data: {
        vendorId: vendorId(),
        containerId: branch.id,
        productId: officeId,
        purchaseId: license.purchaseId,
        quantity: 10,
        features: ['export-pdf'],
        expiresAt,
      },
    });
    const quantities = async () => [
      (await prisma.license.findFirstOrThrow({ where: { id: license.id } })).quantity,
      (await prisma.license.findFirstOrThrow({ where: { id: moved.id } })).quantity,
    ];
    const seats = async () =>
      (await prisma.purchase.findFirstOrThrow({ where: { id: license.purchaseId ?? '' } })).seats;

    // growth goes to the order's own license
    expect((await sendAndSettle('order.changed', { orderId, items: [{ lineId: '10', quantity: 30 }] })).status).toBe(
      'PROCESSED',
    );
    expect([await quantities(), await seats()]).toEqual([[20, 10], 30]);
    // a shrink takes the order's own license first, then the installations seats were moved to
    expect((await sendAndSettle('order.changed', { orderId, items: [{ lineId: '10', quantity: 25 }] })).status).toBe(
      'PROCESSED',
    );
    expect([await quantities(), await seats()]).toEqual([[15, 10], 25]);
    expect((await sendAndSettle('order.changed', { orderId, items: [{ lineId: '10', quantity: 5 }] })).status).toBe(
      'PROCESSED',
    );
    expect([await quantities(), await seats()]).toEqual([[0, 5], 5]);
    expect(await prisma.seatSlot.count({ where: { licenseId: moved.id } })).toBe(5);
    // the same total again changes nothing
    const same = await sendAndSettle('order.changed', { orderId, items: [{ lineId: '10', quantity: 5 }] });
    expect(same.result).toMatchObject({ lines: [{ lineId: '10', changed: false }] });

    const later = new Date(expiresAt.getTime() + 30 * DAY);
    await sendAndSettle('order.changed', {
      orderId,
      items: [{ lineId: '10', features: ['export-pdf', 'cloud-sync'], expiresAt: later.toISOString() }],
    });
    expect(await prisma.license.findFirstOrThrow({ where: { id: moved.id } })).toMatchObject({
      features: ['export-pdf', 'cloud-sync'],
      expiresAt: later,
    });
    const renewedTo = new Date(later.getTime() + 365 * DAY);
    await sendAndSettle('subscription.renewed', { orderId, lineIds: ['10'], expiresAt: renewedTo.toISOString() });
    expect(await prisma.license.findFirstOrThrow({ where: { id: moved.id } })).toMatchObject({ expiresAt: renewedTo });
    await sendAndSettle('order.cancelled', { orderId });
    expect(await prisma.license.findFirstOrThrow({ where: { id: moved.id } })).toMatchObject({ status: 'REVOKED' });
  });

  it('the ERP sets the offline period per line (default 30) and changes it on every license of the purchase', async () => {
    const orderId = uniqueOrder();
    const order = enterpriseOrder(orderId);
    await sendAndSettle('order.created', {
      ...order,
      items: [{ ...order.items[0], offlinePeriodDays: 7 }, order.items[1]],
    });
    const office = await prisma.license.findFirstOrThrow({
      where: { vendorId: vendorId(), externalId: `${orderId}:10` },
    });
    const viewer = await prisma.license.findFirstOrThrow({
      where: { vendorId: vendorId(), externalId: `${orderId}:20` },
    });
    expect([office.offlinePeriodDays, viewer.offlinePeriodDays]).toEqual([7, 30]);
    const changed = await sendAndSettle('order.changed', { orderId, items: [{ lineId: '10', offlinePeriodDays: 3 }] });
    expect(changed).toMatchObject({ status: 'PROCESSED', result: { lines: [{ lineId: '10', changed: true }] } });
    expect(await prisma.license.findFirstOrThrow({ where: { id: office.id } })).toMatchObject({
      offlinePeriodDays: 3,
      revision: office.revision + 1,
    });
  });

  it('order.cancelled revokes the order’s licenses; a resent cancellation changes nothing', async () => {
    const orderId = uniqueOrder();
    await sendAndSettle('order.created', enterpriseOrder(orderId));
    const cancelled = await sendAndSettle('order.cancelled', { orderId, reason: 'customer withdrew' });
    expect(cancelled.status).toBe('PROCESSED');
    const licenses = await prisma.license.findMany({
      where: { vendorId: vendorId(), externalId: { startsWith: `${orderId}:` } },
    });
    expect(licenses.map((l) => l.status)).toEqual(['REVOKED', 'REVOKED']);
    expect(
      await prisma.domainEvent.count({
        where: { type: 'license.revoked', aggregateId: { in: licenses.map((l) => l.id) } },
      }),
    ).toBe(2);

    const again = await sendAndSettle('order.cancelled', { orderId });
    expect(again.status).toBe('PROCESSED');
    expect((again.result as { lines: { changed: boolean }[] }).lines.map((l) => l.changed)).toEqual([false, false]);
    expect(
      await prisma.domainEvent.count({
        where: { type: 'license.revoked', aggregateId: { in: licenses.map((l) => l.id) } },
      }),
    ).toBe(2);
  });

  it('subscription.renewed extends the expiry and completes the ERP renewal once', async () => {
    const orderId = uniqueOrder();
    await sendAndSettle('order.created', enterpriseOrder(orderId));
    const license = await prisma.license.findFirstOrThrow({
      where: { vendorId: vendorId(), externalId: `${orderId}:10` },
    });
    const renewedTo = new Date(expiresAt.getTime() + 365 * DAY);
    const renewed = await sendAndSettle('subscription.renewed', {
      orderId,
      lineIds: ['10'],
      expiresAt: renewedTo.toISOString(),
    });
    expect(renewed).toMatchObject({
      status: 'PROCESSED',
      result: { lines: [{ lineId: '10', licenseId: license.id, changed: true }] },
    });
    expect(await prisma.license.findFirstOrThrow({ where: { id: license.id } })).toMatchObject({
      expiresAt: renewedTo,
      revision: 2,
    });
    expect(await prisma.licenseRenewal.findMany({ where: { licenseId: license.id } })).toEqual([
      expect.objectContaining({ termEnd: expiresAt, status: 'SUCCEEDED', newExpiresAt: renewedTo }),
    ]);
    // resent by the ERP under a new event id: nothing moves
    const resent = await sendAndSettle('subscription.renewed', {
      orderId,
      lineIds: ['10'],
      expiresAt: renewedTo.toISOString(),
    });
    expect(resent).toMatchObject({ status: 'PROCESSED', result: { lines: [{ lineId: '10', changed: false }] } });
    expect(await prisma.license.findFirstOrThrow({ where: { id: license.id } })).toMatchObject({ revision: 2 });
  });

  it('an unknown product code fails the event with its errors, not retried, and creates nothing', async () => {
    const before = await counts();
    const order = enterpriseOrder(uniqueOrder());
    order.items.push({ lineId: '30', productCode: 'no-such-product', quantity: 1 });
    const event = await sendAndSettle('order.created', order);
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
    expect(await counts()).toEqual(before);
    const failed = await http()
      .get(`/v1/integrations/${integration.id}/events?status=FAILED`)
      .set(vendor.auth)
      .expect(200);
    expect(failed.body.data.map((e: { id: string }) => e.id)).toContain(event.id);
  });

  it('a rule broken half-way (a personal line above the device limit) rolls back the user, container and earlier lines', async () => {
    const before = await counts();
    const person = {
      externalId: `CONT-${randomUUID().slice(0, 8)}`,
      email: `half-${randomUUID().slice(0, 8)}@example.com`,
      name: 'Hal Half',
    };
    const event = await sendAndSettle('order.created', {
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
    expect(await counts()).toEqual(before);
  });

  it('an infrastructure failure is retried by BullMQ and then applied once', async () => {
    const id = await storeUnqueued('order.created', enterpriseOrder(uniqueOrder()));
    const catalog = worker.get(CatalogService);
    const original = catalog.findProductByCodeIn.bind(catalog);
    let failures = 0;
    const spy = jest
      .spyOn(catalog, 'findProductByCodeIn')
      .mockImplementation(async (...args: Parameters<CatalogService['findProductByCodeIn']>) => {
        if (failures++ === 0) throw new Error('connection reset by peer');
        return original(...args);
      });
    const outcome = await runJob(id, 3);
    spy.mockRestore();
    expect(outcome.outcome).toBe('processed');
    expect(await prisma.inboundEvent.findFirstOrThrow({ where: { id } })).toMatchObject({
      status: 'PROCESSED',
      attempts: 2,
      errors: null,
    });
  });

  it('customer.updated renames the group and changes the user’s name and email', async () => {
    const order = enterpriseOrder(uniqueOrder());
    await sendAndSettle('order.created', order);
    const email = `new-${randomUUID().slice(0, 8)}@acme.example`;
    const event = await sendAndSettle('customer.updated', {
      group: { externalId: order.group.externalId, name: 'Acme AG' },
      user: { externalId: order.user.externalId, email, name: 'Ida Boss' },
    });
    expect(event.status).toBe('PROCESSED');
    expect(
      await prisma.group.findFirstOrThrow({ where: { vendorId: vendorId(), externalId: order.group.externalId } }),
    ).toMatchObject({ name: 'Acme AG' });
    expect(
      await prisma.user.findFirstOrThrow({ where: { vendorId: vendorId(), externalId: order.user.externalId } }),
    ).toMatchObject({ name: 'Ida Boss', email });

    const unknown = await sendAndSettle('customer.updated', { group: { externalId: 'CUST-never-ordered', name: 'X' } });
    expect(unknown).toMatchObject({
      status: 'PROCESSED',
      result: { groupId: null, userId: null, unknown: ['CUST-never-ordered'] },
    });
  });

  it('the sweep queues a RECEIVED event whose job was never enqueued, and it is processed', async () => {
    expect((await queue.getJobSchedulers()).map((s) => ({ key: s.key, every: s.every }))).toContainEqual({
      key: ERP_INTAKE_JOBS.dispatchReceived,
      every: 60_000,
    });
    const orderId = uniqueOrder();
    const stale = await storeUnqueued('order.created', enterpriseOrder(orderId), new Date(Date.now() - 2 * 60_000));
    const fresh = await storeUnqueued('order.cancelled', { orderId: 'SO-not-yet' });
    const sweep = await queue.add(ERP_INTAKE_JOBS.dispatchReceived, {} as never);
    expect(await sweep.waitUntilFinished(queueEvents, 20_000)).toEqual({ enqueued: 1 });
    expect(await settled(stale)).toMatchObject({ status: 'PROCESSED' });
    expect(await prisma.container.count({ where: { vendorId: vendorId(), externalId: orderId } })).toBe(1);
    // younger than a minute: left to its own job
    expect(await prisma.inboundEvent.findFirstOrThrow({ where: { id: fresh } })).toMatchObject({ status: 'RECEIVED' });
  });
  it('processes nothing of a suspended vendor: its queued event stays RECEIVED, unapplied, and is processed once the vendor is active again', async () => {
    const orderId = uniqueOrder();
    const queued = await storeUnqueued('order.created', enterpriseOrder(orderId), new Date(Date.now() - 2 * 60_000));
    await prisma.vendor.update({ where: { id: vendorId() }, data: { status: 'SUSPENDED' } });
    try {
      // queued as intake queues it (before the suspension), then worked on while suspended
      const job = await queue.add(
        ERP_INTAKE_JOBS.process,
        { vendorId: vendorId(), inboundEventId: queued },
        { jobId: inboundEventJobId(queued) },
      );
      expect(await job.waitUntilFinished(queueEvents, 20_000)).toEqual({
        outcome: 'deferred',
        reason: 'VENDOR_SUSPENDED',
      });
      const sweep = await queue.add(ERP_INTAKE_JOBS.dispatchReceived, {} as never);
      await sweep.waitUntilFinished(queueEvents, 20_000);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await prisma.inboundEvent.findFirstOrThrow({ where: { id: queued } })).toMatchObject({
        status: 'RECEIVED',
        processedAt: null,
      });
      expect(await prisma.container.count({ where: { vendorId: vendorId(), externalId: orderId } })).toBe(0);
    } finally {
      await prisma.vendor.update({ where: { id: vendorId() }, data: { status: 'ACTIVE' } });
    }
    const sweep = await queue.add(ERP_INTAKE_JOBS.dispatchReceived, {} as never);
    await sweep.waitUntilFinished(queueEvents, 20_000);
    expect(await settled(queued)).toMatchObject({ status: 'PROCESSED' });
    expect(await prisma.container.count({ where: { vendorId: vendorId(), externalId: orderId } })).toBe(1);
  });
});
