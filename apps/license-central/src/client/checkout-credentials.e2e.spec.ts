import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { PrismaService } from '@leasehold/db';
import { generateContainerSecret } from '@leasehold/domain-licensing';
import { createTestApp } from '@leasehold/testing';
import { LICENSE_CENTRAL_API } from '../api-info';
import { AppModule } from '../app.module';
import { resetSecret, seatWorld } from '../testing/seat-world';

// The common checkout authenticates in the statement that claims its seat (on the container the
// secret's remembered route names, under that container's lock). A route remembered from an
// earlier request authenticates nothing: every refusal must be the one the `device` strategy
// gives, and none may take a seat, count a denial or append an event.

describe('checkout: authentication in the claiming statement', () => {
  let app: INestApplication;
  let prisma: PrismaService;
  const http = () => request(app.getHttpServer());
  const checkout = (device: { Authorization: string }, body: object, idempotencyKey?: string) => {
    const req = http().post('/client/v1/seats/checkout').set(device);
    return (idempotencyKey ? req.set('Idempotency-Key', idempotencyKey) : req).send(body);
  };
  const fp = (name: string) => `fp-${name}-0000`;
  const seatsTaken = (licenseId: string) => prisma.seatLease.count({ where: { licenseId } });
  const eventsOf = (vendorId: string) => prisma.domainEvent.count({ where: { vendorId } });

  beforeAll(async () => {
    app = await createTestApp(AppModule, LICENSE_CENTRAL_API);
    prisma = app.get(PrismaService);
  });
  afterAll(() => app.close());

  it('a reset secret whose route the process remembers is refused (CREDENTIALS_REVOKED) and takes no seat', async () => {
    const w = await seatWorld(app, { quantity: 3 });
    // Remembered: the secret's first checkout looked its route up.
    await checkout(w.device, { licenseId: w.licenseId, fingerprint: fp('before-reset') }).expect(201);
    const fresh = await resetSecret(app, w);
    const events = await eventsOf(w.vendor.vendor.id);

    for (const key of [undefined, 'reset-secret-retry']) {
      const stale = await checkout(w.device, { licenseId: w.licenseId, fingerprint: fp('after-reset') }, key);
      expect([stale.status, stale.body.error?.code]).toEqual([401, 'CREDENTIALS_REVOKED']);
    }
    expect(await seatsTaken(w.licenseId)).toBe(1);
    expect(await eventsOf(w.vendor.vendor.id)).toBe(events);

    const renewed = await checkout(fresh, { licenseId: w.licenseId, fingerprint: fp('after-reset') });
    expect(renewed.status).toBe(201);
  });

  it('unknown, malformed and missing secrets are refused 401, whatever the body says', async () => {
    const w = await seatWorld(app);
    const unknown = { Authorization: `Bearer ${generateContainerSecret().token}` };
    for (const body of [
      { licenseId: w.licenseId, fingerprint: fp('unknown') },
      { licenseId: w.licenseId, product: w.productCode, fingerprint: fp('unknown') },
    ]) {
      expect((await checkout(unknown, body)).body.error.code).toBe('CREDENTIALS_INVALID');
      expect((await checkout({ Authorization: 'Bearer lhc_short' }, body)).body.error.code).toBe('CREDENTIALS_INVALID');
      expect((await http().post('/client/v1/seats/checkout').send(body)).status).toBe(401);
    }
    expect(await seatsTaken(w.licenseId)).toBe(0);
  });

  it("a suspended vendor's secret is refused (VENDOR_SUSPENDED) and takes no seat, on both paths", async () => {
    const w = await seatWorld(app);
    await checkout(w.device, { licenseId: w.licenseId, fingerprint: fp('remembered') }).expect(201);
    await prisma.vendor.update({ where: { id: w.vendor.vendor.id }, data: { status: 'SUSPENDED' } });
    for (const key of [undefined, 'suspended-retry']) {
      const refused = await checkout(w.device, { licenseId: w.licenseId, fingerprint: fp('suspended') }, key);
      expect([refused.status, refused.body.error?.code]).toEqual([403, 'VENDOR_SUSPENDED']);
    }
    expect(await seatsTaken(w.licenseId)).toBe(1);
    await prisma.vendor.update({ where: { id: w.vendor.vendor.id }, data: { status: 'ACTIVE' } });
  });

  it("another container's license, of the same or another vendor, is not found (404) with a valid secret", async () => {
    const mine = await seatWorld(app);
    const sibling = await seatWorld(app, { vendor: mine.vendor });
    const foreign = await seatWorld(app);
    for (const licenseId of [sibling.licenseId, foreign.licenseId]) {
      const answer = await checkout(mine.device, { licenseId, fingerprint: fp('reach') });
      expect([answer.status, answer.body.error?.code]).toEqual([404, 'NOT_FOUND']);
    }
    const byProduct = await checkout(mine.device, { product: foreign.productCode, fingerprint: fp('reach') });
    expect([byProduct.status, byProduct.body.error?.code]).toEqual([404, 'NOT_FOUND']);
    expect((await seatsTaken(sibling.licenseId)) + (await seatsTaken(foreign.licenseId))).toBe(0);
  });

  it('an authenticated checkout the statement could not grant is decided in the same transaction: full (409 with its denial) and revoked access (403)', async () => {
    const w = await seatWorld(app, { quantity: 1 });
    await checkout(w.device, { licenseId: w.licenseId, fingerprint: fp('first') }).expect(201);
    const full = await checkout(w.device, { licenseId: w.licenseId, fingerprint: fp('second') });
    expect([full.status, full.body.error?.code]).toEqual([409, 'NO_SEAT_AVAILABLE']);
    expect(full.body.error.details).toMatchObject({ licenseId: w.licenseId, quantity: 1, inUse: 1 });
    expect(full.body.error.details.retryAfter).toBeGreaterThan(0);
    expect(await prisma.domainEvent.count({ where: { aggregateId: w.licenseId, type: 'seat.denied' } })).toBe(1);
    const usage = await prisma.licenseUsageHour.findMany({ where: { licenseId: w.licenseId } });
    expect(usage.map((u) => u.denials)).toEqual([1]);

    await prisma.container.updateMany({
      where: { id: w.containerId },
      data: { accessRevokedAt: new Date(), accessRevokedReason: 'USER_REMOVED' },
    });
    const revoked = await checkout(w.device, { licenseId: w.licenseId, fingerprint: fp('third') });
    expect([revoked.status, revoked.body.error?.code]).toEqual([403, 'CONTAINER_ACCESS_REVOKED']);
    expect(await seatsTaken(w.licenseId)).toBe(1);
  });
});
