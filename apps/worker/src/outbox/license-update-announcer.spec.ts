import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { PrismaService } from '@leasehold/db';
import { LicenseUpdateAnnouncer, UpdateNotice, UpdateSignal } from '@leasehold/domain-updates';
import { AppModule } from '../app.module';
import { OutboxRelayService } from './outbox-relay.service';
import { OutboxSubscribers } from './outbox-subscribers';

// The worker loads the updates module, so its outbox relay announces every committed license.*
// event on Redis (docs/auto-update.md): changes made outside the API (renewals, ERP intake) wake
// waiting programs too. Real Postgres, Redis and relay.

describe('license update wake-ups from the worker outbox relay', () => {
  let app: INestApplication;
  let prisma: PrismaService;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication({ bufferLogs: true });
    await app.init();
    prisma = app.get(PrismaService);
  }, 60_000);
  afterAll(() => app?.close());

  it('registers LicenseUpdateAnnouncer as an outbox subscriber for license events', () => {
    const subscribers = app.get(OutboxSubscribers);
    expect(subscribers.all.filter((s) => s.handler instanceof LicenseUpdateAnnouncer)).toHaveLength(1);
    expect(subscribers.for('license.changed').some((s) => s instanceof LicenseUpdateAnnouncer)).toBe(true);
    expect(subscribers.for('license.renewed').some((s) => s instanceof LicenseUpdateAnnouncer)).toBe(true);
    expect(subscribers.for('seat.checked_out').some((s) => s instanceof LicenseUpdateAnnouncer)).toBe(false);
  });

  it('a committed license.changed event is published as a LICENSE_CHANGED wake-up for its container when relayed', async () => {
    const tag = randomUUID().slice(0, 8);
    const vendor = await prisma.vendor.create({ data: { slug: `upd-${tag}`, name: 'Update vendor' } });
    const containerId = randomUUID();
    const heard: UpdateNotice[] = [];
    const signal = app.get(UpdateSignal);
    const stop = await signal.listen(vendor.id, containerId, (notice) => heard.push(notice));
    try {
      await prisma.domainEvent.create({
        data: {
          vendorId: vendor.id,
          type: 'license.changed',
          aggregateType: 'license',
          aggregateId: randomUUID(),
          payload: { containerId, revision: 2 },
        },
      });
      await app.get(OutboxRelayService).relay();
      const deadline = Date.now() + 2000;
      while (!heard.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(heard[0]).toEqual({ vendorId: vendor.id, containerId, reason: 'LICENSE_CHANGED' });
    } finally {
      stop();
    }
  });
});
