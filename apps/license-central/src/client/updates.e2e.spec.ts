import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { createTestApp, createVendor, TestVendor } from '@leasehold/testing';
import { LICENSE_CENTRAL_API } from '../api-info';
import { AppModule } from '../app.module';
import { expectError } from '../testing/error-envelope';
import { createPersonalContainer, createProduct, dbOf, ProductFixture } from '../testing/licensing-fixtures';

describe('auto-update triggers (GET /client/v1/updates long-poll, woken through Redis pub/sub)', () => {
  let app: INestApplication;
  let acme: TestVendor;
  let product: ProductFixture;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    app = await createTestApp(AppModule, LICENSE_CENTRAL_API);
    await app.listen(0);
    acme = await createVendor(app, 'Acme');
    product = await createProduct(http, acme);
  });
  afterAll(() => app.close());

  async function containerWithLicense() {
    const c = await createPersonalContainer(http, dbOf(app), acme);
    const license = await http().post(`/v1/containers/${c.containerId}/licenses`).set(acme.auth).send({ productId: product.productId, quantity: 1 }).expect(201);
    return { ...c, licenseId: license.body.id as string };
  }

  const poll = (device: { Authorization: string }, knownRevision: number, wait: number) =>
    http().get('/client/v1/updates').query({ knownRevision, wait }).set(device);

  it('answers at once when the container revision is above the known one, else after the wait with updateAvailable false', async () => {
    const c = await containerWithLicense();
    expect((await poll(c.device, 0, 25).expect(200)).body).toEqual({ revision: 1, updateAvailable: true, reason: 'LICENSE_CHANGED' });
    const started = Date.now();
    expect((await poll(c.device, 1, 1).expect(200)).body).toEqual({ revision: 1, updateAvailable: false, reason: 'TIMEOUT' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expectError(await poll(c.device, -1, 1), 400, 'VALIDATION_FAILED');
    expectError(await poll(c.device, 1, 26), 400, 'VALIDATION_FAILED');
  });

  it('a revision bump reaches a waiting long-poll client in under a second', async () => {
    const c = await containerWithLicense();
    const waiting = poll(c.device, 1, 10).then((res) => ({ res, at: Date.now() }));
    await new Promise((resolve) => setTimeout(resolve, 300)); // the request is now waiting
    const changedAt = Date.now();
    await http().patch(`/v1/licenses/${c.licenseId}`).set(acme.auth).send({ features: ['print'] }).expect(200);
    const { res, at } = await waiting;
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ revision: 2, updateAvailable: true, reason: 'LICENSE_CHANGED' });
    expect(at - changedAt).toBeLessThan(1000);
  });

  it('a change to another license of the container counts too (the container revision is the sum), and suspend/resume raise it', async () => {
    const c = await containerWithLicense();
    const second = await http().post(`/v1/containers/${c.containerId}/licenses`).set(acme.auth).send({ productId: product.productId, quantity: 1 }).expect(201);
    expect((await poll(c.device, 1, 0).expect(200)).body.revision).toBe(2);
    const waiting = poll(c.device, 2, 10);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await http().post(`/v1/licenses/${second.body.id}/suspend`).set(acme.auth).expect(200);
    expect((await waiting).body).toEqual({ revision: 3, updateAvailable: true, reason: 'LICENSE_CHANGED' });
  });

  it('"update now" by the vendor wakes waiting programs at once even without a new revision; other containers keep waiting', async () => {
    const c = await containerWithLicense();
    const other = await containerWithLicense();
    const waiting = poll(c.device, 1, 10).then((res) => ({ res, at: Date.now() }));
    let otherAnswered = false;
    const otherWaiting = poll(other.device, 1, 2).then((res) => {
      otherAnswered = true;
      return res;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const requestedAt = Date.now();
    const now = await http().post(`/v1/containers/${c.containerId}/update-now`).set(acme.auth).expect(202);
    expect(now.body).toEqual({ containerId: c.containerId, revision: 1 });
    const { res, at } = await waiting;
    expect(res.body).toEqual({ revision: 1, updateAvailable: true, reason: 'UPDATE_REQUESTED' });
    expect(at - requestedAt).toBeLessThan(1000);
    expect(otherAnswered).toBe(false);
    expect((await otherWaiting).body.reason).toBe('TIMEOUT');

    const globex = await createVendor(app, 'Globex');
    expectError(await http().post(`/v1/containers/${c.containerId}/update-now`).set(globex.auth), 404, 'NOT_FOUND');
  });
});
