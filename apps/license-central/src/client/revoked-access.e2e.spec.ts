import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { PrismaService } from '@leasehold/db';
import { createTestApp } from '@leasehold/testing';
import { LICENSE_CENTRAL_API } from '../api-info';
import { AppModule } from '../app.module';
import { seatWorld } from '../testing/seat-world';

// A removed or disabled user's container keeps no seat alive. The worker ends such leases, but
// until it has, the lease still holds its slot: the heartbeat itself must refuse it, by the lane's
// one statement and through Express alike, and extend nothing.

describe('heartbeat of a live lease on a container whose access was revoked', () => {
  let app: INestApplication;
  let prisma: PrismaService;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    app = await createTestApp(AppModule, LICENSE_CENTRAL_API);
    prisma = app.get(PrismaService);
  });
  afterAll(() => app.close());

  it('is refused (403 CONTAINER_ACCESS_REVOKED) and extends neither the seat nor the lease', async () => {
    const w = await seatWorld(app);
    const lease = (
      await http()
        .post('/client/v1/seats/checkout')
        .set(w.device)
        .send({ licenseId: w.licenseId, fingerprint: 'fp-revoked-0000' })
        .expect(201)
    ).body;
    // Revoked, the lease not ended yet (as between the removal and the worker's reaction).
    await prisma.container.updateMany({
      where: { id: w.containerId },
      data: { accessRevokedAt: new Date(), accessRevokedReason: 'USER_DISABLED' },
    });
    const before = await prisma.seatLease.findFirstOrThrow({ where: { id: lease.leaseId } });

    for (const key of [undefined, 'revoked-heartbeat']) {
      const req = http().post(`/client/v1/seats/${lease.leaseId}/heartbeat`).set(w.device);
      const answer = await (key ? req.set('Idempotency-Key', key) : req).send({});
      expect([answer.status, answer.body.error?.code]).toEqual([403, 'CONTAINER_ACCESS_REVOKED']);
      expect(answer.body.error.details).toMatchObject({ reason: 'USER_DISABLED' });
    }
    const after = await prisma.seatLease.findFirstOrThrow({ where: { id: lease.leaseId } });
    expect([after.expiresAt, after.lastHeartbeatAt]).toEqual([before.expiresAt, before.lastHeartbeatAt]);
    const slot = await prisma.seatSlot.findFirstOrThrow({ where: { licenseId: w.licenseId, slot: before.slot } });
    expect(slot.expiresAt).toEqual(before.expiresAt);
  });
});
