import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { PrismaService } from '@leasehold/db';
import {
  ApiContainer,
  createEnterpriseContainerViaApi,
  createGroup,
  createProductViaApi,
  createTestApp,
  createVendor,
  expectError,
  TestVendor,
} from '@leasehold/testing';
import { LICENSE_CENTRAL_API } from '../api-info';
import { AppModule } from '../app.module';

// The seat wait queue through HTTP on two instances: join, wait (long-poll), claim with the
// ticket, leave; the vendor's view of the queue. Each attack on a held seat is a test here. The
// relay's grant after a release is tested through the running worker (apps/worker
// leases.processor.seat-queue.spec.ts); here a seat is held for a ticket the public way: joining
// while a seat is free.

describe('seat wait queue over HTTP', () => {
  let app: INestApplication;
  let second: INestApplication;
  const http = (a: INestApplication = app) => request(a.getHttpServer());

  beforeAll(async () => {
    app = await createTestApp(AppModule, LICENSE_CENTRAL_API);
    second = await createTestApp(AppModule, LICENSE_CENTRAL_API);
  });
  afterAll(async () => {
    await app.close();
    await second.close();
  }, 60_000);

  interface QueueWorld extends ApiContainer {
    vendor: TestVendor;
    licenseId: string;
    productCode: string;
  }

  async function queueWorld(quantity: number, vendor?: TestVendor): Promise<QueueWorld> {
    const v = vendor ?? (await createVendor(app));
    const group = await createGroup(app, v);
    const product = await createProductViaApi(() => http(), v, []);
    const container = await createEnterpriseContainerViaApi(() => http(), v, group.id);
    const license = await http()
      .post(`/v1/containers/${container.containerId}/licenses`)
      .set(v.auth)
      .send({ productId: product.productId, quantity })
      .expect(201);
    return { ...container, vendor: v, licenseId: license.body.id, productCode: product.code };
  }

  const join = (w: QueueWorld, fingerprint: string, a = app) =>
    http(a).post('/client/v1/seat-queue').set(w.device).send({ licenseId: w.licenseId, fingerprint });
  const checkout = (w: QueueWorld, fingerprint: string, ticketId?: string, a = app) =>
    http(a)
      .post('/client/v1/seats/checkout')
      .set(w.device)
      .send({ licenseId: w.licenseId, fingerprint, ...(ticketId ? { ticketId } : {}) });

  it('a free seat is held for the ticket at once; a plain checkout on either instance cannot take it; the ticket claims it', async () => {
    const w = await queueWorld(1);
    const ticket = await join(w, 'fp-waiter-0001').expect(201);
    expect(ticket.body).toMatchObject({
      status: 'HELD',
      position: null,
      licenseId: w.licenseId,
      leaseId: null,
      renewIntervalSeconds: 20,
    });

    // The attack: someone else checks out while the seat is held (both instances).
    for (const a of [app, second])
      expectError(await checkout(w, 'fp-intruder-01', undefined, a), 409, 'NO_SEAT_AVAILABLE');
    // …or claims it with the ticket id from another device of the same container.
    expectError(await checkout(w, 'fp-intruder-01', ticket.body.ticketId), 404, 'NOT_FOUND');

    const lease = await checkout(w, 'fp-waiter-0001', ticket.body.ticketId, second).expect(201);
    const after = await http().get(`/client/v1/seat-queue/${ticket.body.ticketId}?wait=0`).set(w.device).expect(200);
    expect(after.body).toMatchObject({ status: 'CLAIMED', leaseId: lease.body.leaseId });
    // Used once: a second claim from the holder answers its live lease (same device), never a second seat.
    const again = await checkout(w, 'fp-waiter-0001', ticket.body.ticketId).expect(201);
    expect(again.body.leaseId).toBe(lease.body.leaseId);
  });

  it('tickets wait in order with their position; a waiting ticket cannot claim; plain checkouts are refused while tickets wait', async () => {
    const w = await queueWorld(1);
    const holder = await checkout(w, 'fp-holder-001').expect(201);
    const first = await join(w, 'fp-first-0001').expect(201);
    const secondTicket = await join(w, 'fp-second-001', second).expect(201);
    expect([first.body.status, first.body.position, secondTicket.body.status, secondTicket.body.position]).toEqual([
      'WAITING',
      1,
      'WAITING',
      2,
    ]);
    // Joining again answers the same ticket, renewed.
    const rejoined = await join(w, 'fp-first-0001', second).expect(201);
    expect(rejoined.body.ticketId).toBe(first.body.ticketId);
    expect(new Date(rejoined.body.expiresAt).getTime()).toBeGreaterThanOrEqual(
      new Date(first.body.expiresAt).getTime(),
    );

    const waiting = await checkout(w, 'fp-first-0001', first.body.ticketId);
    expectError(waiting, 409, 'QUEUE_TICKET_WAITING');
    expect(waiting.body.error.details).toMatchObject({ position: 1 });
    // The holder itself need not wait.
    expectError(await join(w, 'fp-holder-001'), 409, 'QUEUE_SEAT_HELD');

    // The holder's release frees the seat, but it is the queue's: a newcomer is refused.
    await http().post(`/client/v1/seats/${holder.body.leaseId}/release`).set(w.device).expect(200);
    expectError(await checkout(w, 'fp-newcomer-1'), 409, 'NO_SEAT_AVAILABLE');

    // The vendor sees the queue, in order.
    const queue = await http().get(`/v1/licenses/${w.licenseId}/seat-queue`).set(w.vendor.auth).expect(200);
    expect(queue.body.data.map((t: { id: string; position: number }) => [t.id, t.position])).toEqual([
      [first.body.ticketId, 1],
      [secondTicket.body.ticketId, 2],
    ]);
    const page = await http().get(`/v1/licenses/${w.licenseId}/seat-queue?limit=1`).set(w.vendor.auth).expect(200);
    expect(page.body.data).toHaveLength(1);
    const rest = await http()
      .get(`/v1/licenses/${w.licenseId}/seat-queue?limit=1&cursor=${page.body.nextCursor}`)
      .set(w.vendor.auth)
      .expect(200);
    expect(rest.body.data.map((t: { id: string }) => t.id)).toEqual([secondTicket.body.ticketId]);

    // Leaving: the first leaves, the second moves up; leaving again answers the same.
    const left = await http().delete(`/client/v1/seat-queue/${first.body.ticketId}`).set(w.device).expect(200);
    expect(left.body.status).toBe('CANCELLED');
    await http().delete(`/client/v1/seat-queue/${first.body.ticketId}`).set(w.device).expect(200);
    const moved = await http(second)
      .get(`/client/v1/seat-queue/${secondTicket.body.ticketId}?wait=0`)
      .set(w.device)
      .expect(200);
    expect(moved.body).toMatchObject({ status: 'WAITING', position: 1 });
    expectError(await checkout(w, 'fp-first-0001', first.body.ticketId), 409, 'QUEUE_TICKET_ENDED');
  });

  it('a lapsed ticket cannot claim: not renewed, or the held seat not claimed in its window (the seat is then free again)', async () => {
    const w = await queueWorld(1);
    const ticket = await join(w, 'fp-sleepy-001').expect(201);
    expect(ticket.body.status).toBe('HELD');
    // The claim window runs out (time moved on, as a minute would).
    const prisma = app.get(PrismaService);
    await prisma.$executeRaw`UPDATE seat_queue_tickets SET "expiresAt" = now() - interval '1 second' WHERE id = ${ticket.body.ticketId}::uuid`;
    await prisma.$executeRaw`UPDATE seat_slots SET "heldUntil" = now() - interval '1 second' WHERE "heldTicketId" = ${ticket.body.ticketId}::uuid`;

    const late = await checkout(w, 'fp-sleepy-001', ticket.body.ticketId);
    expectError(late, 409, 'QUEUE_TICKET_ENDED');
    expect(late.body.error.details).toMatchObject({ status: 'LAPSED' });
    const seen = await http().get(`/client/v1/seat-queue/${ticket.body.ticketId}?wait=0`).set(w.device).expect(200);
    expect(seen.body.status).toBe('LAPSED');
    // Nobody waits: the seat is anybody's again.
    await checkout(w, 'fp-punctual-1').expect(201);
  });

  it("another container's or another vendor's ticket is not found; nothing of theirs is touched", async () => {
    const w = await queueWorld(1);
    const ticket = await join(w, 'fp-owner-0001').expect(201);
    const sameVendor = await queueWorld(1, w.vendor);
    const otherVendor = await queueWorld(1);
    for (const other of [sameVendor, otherVendor]) {
      expectError(
        await http().get(`/client/v1/seat-queue/${ticket.body.ticketId}?wait=0`).set(other.device),
        404,
        'NOT_FOUND',
      );
      expectError(
        await http().delete(`/client/v1/seat-queue/${ticket.body.ticketId}`).set(other.device),
        404,
        'NOT_FOUND',
      );
      expectError(await checkout(other, 'fp-owner-0001', ticket.body.ticketId), 404, 'NOT_FOUND');
      expectError(
        await http()
          .post('/client/v1/seat-queue')
          .set(other.device)
          .send({ licenseId: w.licenseId, fingerprint: 'fp-owner-0001' }),
        404,
        'NOT_FOUND',
      );
    }
    expectError(
      await http().get(`/v1/licenses/${w.licenseId}/seat-queue`).set(otherVendor.vendor.auth),
      404,
      'NOT_FOUND',
    );
    const still = await http().get(`/client/v1/seat-queue/${ticket.body.ticketId}?wait=0`).set(w.device).expect(200);
    expect(still.body.status).toBe('HELD');
  });

  it('bad input is a 400 with VALIDATION_FAILED; no credentials a 401', async () => {
    const w = await queueWorld(1);
    for (const body of [
      { licenseId: w.licenseId },
      { fingerprint: 'fp-valid-0001' },
      { licenseId: w.licenseId, product: w.productCode, fingerprint: 'fp-valid-0001' },
      { licenseId: 'nope', fingerprint: 'fp-valid-0001' },
    ]) {
      expectError(await http().post('/client/v1/seat-queue').set(w.device).send(body), 400, 'VALIDATION_FAILED');
    }
    const ticket = await join(w, 'fp-valid-0001').expect(201);
    for (const wait of ['-1', '26', 'soon']) {
      expectError(
        await http().get(`/client/v1/seat-queue/${ticket.body.ticketId}?wait=${wait}`).set(w.device),
        400,
        'VALIDATION_FAILED',
      );
    }
    expectError(
      await http()
        .post('/client/v1/seats/checkout')
        .set(w.device)
        .send({ licenseId: w.licenseId, fingerprint: 'fp-valid-0001', ticketId: 'x' }),
      400,
      'VALIDATION_FAILED',
    );
    expectError(
      await http().post('/client/v1/seat-queue').send({ licenseId: w.licenseId, fingerprint: 'fp-valid-0001' }),
      401,
      'UNAUTHENTICATED',
    );
    expectError(await http().get(`/client/v1/seat-queue/${ticket.body.ticketId}`), 401, 'UNAUTHENTICATED');
    expectError(await http().get(`/v1/licenses/${w.licenseId}/seat-queue`).set(w.device), 401, 'API_KEY_INVALID');
    expectError(
      await http().get(`/v1/licenses/${w.licenseId}/seat-queue?limit=0`).set(w.vendor.auth),
      400,
      'VALIDATION_FAILED',
    );
  });

  it('the long-poll renews a waiting ticket and answers at its timeout while nothing changes', async () => {
    const w = await queueWorld(1);
    await checkout(w, 'fp-holder-002').expect(201);
    const ticket = await join(w, 'fp-patient-01').expect(201);
    const prisma = app.get(PrismaService);
    await prisma.$executeRaw`UPDATE seat_queue_tickets SET "expiresAt" = now() + interval '5 seconds' WHERE id = ${ticket.body.ticketId}::uuid`;
    const started = Date.now();
    const polled = await http(second)
      .get(`/client/v1/seat-queue/${ticket.body.ticketId}?wait=1`)
      .set(w.device)
      .expect(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(polled.body).toMatchObject({ status: 'WAITING', position: 1 });
    expect(new Date(polled.body.expiresAt).getTime()).toBeGreaterThan(Date.now() + 30_000);
  });
});
