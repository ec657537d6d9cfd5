import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { TenantContext, TenantPrisma } from '@leasehold/db';
import { OfflineDevicesService } from '@leasehold/domain-licensing';
import { randomBytes } from 'node:crypto';
import { fingerprintDigest, returnKeyHashOf } from '@leasehold/license-file';
import { createPersonalContainerViaApi, createTestApp, createVendor, dbOf, TestVendor } from '@leasehold/testing';
import { LICENSE_CENTRAL_API } from '../api-info';
import { AppModule } from '../app.module';

// OfflineDevicesService's entry points: the same device limit, lock and idempotency as online
// activation, for devices known only by their fingerprint digest.
describe('DevicesService offline activation and deactivation (by fingerprint digest)', () => {
  let app: INestApplication;
  let acme: TestVendor;
  const http = () => request(app.getHttpServer());
  const digest = (n: number | string) => fingerprintDigest(`offline-machine-${n}-${Math.random()}`);

  beforeAll(async () => {
    app = await createTestApp(AppModule, LICENSE_CENTRAL_API);
    acme = await createVendor(app, 'Acme');
  });
  afterAll(() => app.close());

  const inTransaction = <T>(
    fn: (
      service: OfflineDevicesService,
      tx: Parameters<Parameters<TenantPrisma['client']['$transaction']>[0]>[0],
    ) => Promise<T>,
  ) =>
    app
      .get(TenantContext)
      .run(acme.vendor.id, () =>
        app.get(TenantPrisma).client.$transaction((tx) => fn(app.get(OfflineDevicesService), tx)),
      );

  it('online and offline devices share the device limit; 20 racing offline activations admit exactly the free slots', async () => {
    const c = await createPersonalContainerViaApi(http, dbOf(app), acme, { deviceLimit: 3 });
    await http()
      .post('/client/v1/activations')
      .set(c.device)
      .send({ fingerprint: 'online-fingerprint-1', name: 'Online' })
      .expect(201);
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        inTransaction((s, tx) =>
          s.activateOfflineIn(tx, c.containerId, { fingerprintDigest: digest(i), name: `Bench ${i}` }),
        ),
      ),
    );
    const admitted = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    expect(admitted).toHaveLength(2);
    expect(
      admitted.every((r) => r.created && r.device.method === 'OFFLINE' && r.device.fingerprint.startsWith('offline ')),
    ).toBe(true);
    const reasons = new Set(
      results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as { code: string }).code] : [])),
    );
    expect(reasons).toEqual(new Set(['DEVICE_LIMIT_REACHED']));
  });

  it('the same digest again is the same device, and so is an online device whose fingerprint has that digest', async () => {
    const c = await createPersonalContainerViaApi(http, dbOf(app), acme, { deviceLimit: 1 });
    const online = await http()
      .post('/client/v1/activations')
      .set(c.device)
      .send({ fingerprint: 'online-fingerprint-2', name: 'Online' })
      .expect(201);
    const same = await inTransaction((s, tx) =>
      s.activateOfflineIn(tx, c.containerId, {
        fingerprintDigest: fingerprintDigest('online-fingerprint-2'),
        name: 'x',
      }),
    );
    expect(same).toMatchObject({ created: false, device: { id: online.body.id } });

    const d = digest('again');
    const other = await createPersonalContainerViaApi(http, dbOf(app), acme, { deviceLimit: 1 });
    const first = await inTransaction((s, tx) =>
      s.activateOfflineIn(tx, other.containerId, { fingerprintDigest: d, name: 'Bench' }),
    );
    const again = await inTransaction((s, tx) =>
      s.activateOfflineIn(tx, other.containerId, { fingerprintDigest: d, name: 'Bench' }),
    );
    expect(again).toEqual({ device: first.device, created: false });
  });

  it('deactivation by digest frees the slot; a second one finds no active device', async () => {
    const c = await createPersonalContainerViaApi(http, dbOf(app), acme, { deviceLimit: 1 });
    const d = digest('release');
    const returnKey = randomBytes(32).toString('base64url');
    await inTransaction((s, tx) =>
      s.activateOfflineIn(tx, c.containerId, {
        fingerprintDigest: d,
        name: 'Bench',
        returnKeyHash: returnKeyHashOf(returnKey),
      }),
    );
    await expect(
      inTransaction((s, tx) =>
        s.activateOfflineIn(tx, c.containerId, { fingerprintDigest: digest('x'), name: 'Other' }),
      ),
    ).rejects.toMatchObject({ code: 'DEVICE_LIMIT_REACHED' });
    // Without the program's key (or with another) the slot stays held.
    await expect(
      inTransaction((s, tx) => s.deactivateOfflineIn(tx, c.containerId, d, 'VENDOR_KEY')),
    ).rejects.toMatchObject({ code: 'RETURN_PROOF_INVALID' });
    await expect(
      inTransaction((s, tx) =>
        s.deactivateOfflineIn(tx, c.containerId, d, 'VENDOR_KEY', randomBytes(32).toString('base64url')),
      ),
    ).rejects.toMatchObject({ code: 'RETURN_PROOF_INVALID' });
    const released = await inTransaction((s, tx) =>
      s.deactivateOfflineIn(tx, c.containerId, d, 'VENDOR_KEY', returnKey),
    );
    expect(released).toMatchObject({ active: false, deactivatedBy: 'VENDOR_KEY' });
    await expect(
      inTransaction((s, tx) => s.deactivateOfflineIn(tx, c.containerId, d, 'VENDOR_KEY', returnKey)),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(
      inTransaction((s, tx) =>
        s.activateOfflineIn(tx, c.containerId, { fingerprintDigest: digest('y'), name: 'Next' }),
      ),
    ).resolves.toMatchObject({ created: true });
  });
});
