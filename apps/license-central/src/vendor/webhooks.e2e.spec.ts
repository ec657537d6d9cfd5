import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { PrismaService } from '@leasehold/db';
import { createTestApp, createVendor, TestVendor } from '@leasehold/testing';
import { LICENSE_CENTRAL_API } from '../api-info';
import { AppModule } from '../app.module';

describe('webhook endpoints and deliveries (vendor API)', () => {
  let app: INestApplication;
  let acme: TestVendor;
  let other: TestVendor;

  beforeAll(async () => {
    app = await createTestApp(AppModule, LICENSE_CENTRAL_API);
    acme = await createVendor(app, 'Acme');
    other = await createVendor(app, 'Other');
  });
  afterAll(() => app.close());

  const http = () => request(app.getHttpServer());
  const create = (vendor: TestVendor, body: object) => http().post('/v1/webhook-endpoints').set(vendor.auth).send(body);

  it('creates an endpoint with a secret shown once, reads, lists, updates, rotates and deletes it', async () => {
    const created = await create(acme, {
      url: 'https://erp.example.com/hooks',
      eventTypes: ['license.created', 'license.changed', 'license.created'],
      description: 'ERP',
    }).expect(201);
    expect(created.body).toMatchObject({
      url: 'https://erp.example.com/hooks',
      eventTypes: ['license.changed', 'license.created'],
      status: 'ACTIVE',
      description: 'ERP',
    });
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const id = created.body.id as string;

    // The secret is never shown again, and is not stored in the clear.
    const read = await http().get(`/v1/webhook-endpoints/${id}`).set(acme.auth).expect(200);
    expect(read.body.secret).toBeUndefined();
    const row = await app.get(PrismaService).webhookEndpoint.findFirstOrThrow({ where: { id } });
    expect(row.encryptedSecret).not.toContain(created.body.secret.slice(6));
    const list = await http().get('/v1/webhook-endpoints').set(acme.auth).expect(200);
    expect(list.body.data.map((e: { id: string }) => e.id)).toContain(id);
    expect(list.body.data.every((e: { secret?: string }) => e.secret === undefined)).toBe(true);

    const patched = await http()
      .patch(`/v1/webhook-endpoints/${id}`)
      .set(acme.auth)
      .send({ eventTypes: ['license.created', '*'], status: 'DISABLED' })
      .expect(200);
    expect(patched.body).toMatchObject({
      eventTypes: ['*'],
      status: 'DISABLED',
      disabledReason: 'Disabled by the vendor',
    });
    const disabledOnly = await http()
      .get('/v1/webhook-endpoints')
      .query({ status: 'DISABLED' })
      .set(acme.auth)
      .expect(200);
    expect(disabledOnly.body.data.map((e: { id: string }) => e.id)).toEqual([id]);
    const enabled = await http()
      .patch(`/v1/webhook-endpoints/${id}`)
      .set(acme.auth)
      .send({ status: 'ACTIVE' })
      .expect(200);
    expect(enabled.body).toMatchObject({ status: 'ACTIVE', disabledAt: null, disabledReason: null });

    const rotated = await http().post(`/v1/webhook-endpoints/${id}/rotate-secret`).set(acme.auth).expect(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(created.body.secret);
    expect((await app.get(PrismaService).webhookEndpoint.findFirstOrThrow({ where: { id } })).encryptedSecret).not.toBe(
      row.encryptedSecret,
    );

    await http().delete(`/v1/webhook-endpoints/${id}`).set(acme.auth).expect(204);
    await http().get(`/v1/webhook-endpoints/${id}`).set(acme.auth).expect(404);
  });

  it('rejects bad input with VALIDATION_FAILED naming each field', async () => {
    const res = await create(acme, {
      url: 'not a url',
      eventTypes: ['license.created', 'no.such_event'],
      extra: true,
    }).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details.fields.map((f: { field: string }) => f.field).sort()).toEqual([
      'eventTypes',
      'extra',
      'url',
    ]);
    const empty = await create(acme, { url: 'https://erp.example.com/hooks', eventTypes: [] }).expect(400);
    expect(empty.body.error.details.fields[0].field).toBe('eventTypes');
    const ftp = await create(acme, { url: 'ftp://erp.example.com/hooks', eventTypes: ['*'] }).expect(400);
    expect(ftp.body.error.details.fields[0].field).toBe('url');
    await http().get('/v1/webhook-endpoints/not-a-uuid').set(acme.auth).expect(400);
    await http().get('/v1/webhook-deliveries/not-a-uuid').set(acme.auth).expect(400);
    const badStatus = await http().get(`/v1/webhook-endpoints`).query({ status: 'BROKEN' }).set(acme.auth).expect(400);
    expect(badStatus.body.error.details.fields[0].field).toBe('status');
  });

  it.each([
    ['http://169.254.169.254/latest/meta-data/', /link-local/],
    ['http://metadata.google.internal/computeMetadata/v1/', /metadata/],
    ['http://[fe80::1]/hook', /link-local/],
    ['http://[::ffff:169.254.169.254]/hook', /link-local/],
    ['http://0.0.0.0:8080/hook', /link-local|unspecified/],
    ['https://user:secret@erp.example.com/hook', /credentials/],
  ])('refuses %s with WEBHOOK_URL_NOT_ALLOWED', async (url, reason) => {
    const res = await create(acme, { url, eventTypes: ['*'] }).expect(422);
    expect(res.body.error.code).toBe('WEBHOOK_URL_NOT_ALLOWED');
    expect(res.body.error.details.reason).toMatch(reason);
  });

  it('allows a loopback http URL outside production (local test servers), and checks URLs on update too', async () => {
    const local = await create(acme, { url: 'http://127.0.0.1:9/hook', eventTypes: ['*'] }).expect(201);
    const res = await http()
      .patch(`/v1/webhook-endpoints/${local.body.id}`)
      .set(acme.auth)
      .send({ url: 'http://169.254.169.254/' })
      .expect(422);
    expect(res.body.error.code).toBe('WEBHOOK_URL_NOT_ALLOWED');
    expect((await http().get(`/v1/webhook-endpoints/${local.body.id}`).set(acme.auth).expect(200)).body.url).toBe(
      'http://127.0.0.1:9/hook',
    );
  });

  it('sends a test event as a delivery, lists deliveries with attempts, and redelivers; refuses both on a disabled endpoint', async () => {
    const endpoint = (
      await create(acme, { url: 'https://erp.example.com/ping', eventTypes: ['license.created'] }).expect(201)
    ).body;
    const ping = await http().post(`/v1/webhook-endpoints/${endpoint.id}/ping`).set(acme.auth).expect(202);
    expect(ping.body).toMatchObject({
      endpointId: endpoint.id,
      eventType: 'webhook_endpoint.ping',
      status: 'PENDING',
      attempts: 0,
    });

    const list = await http().get(`/v1/webhook-endpoints/${endpoint.id}/deliveries`).set(acme.auth).expect(200);
    expect(list.body.data).toEqual([expect.objectContaining({ id: ping.body.id, status: 'PENDING', attempts: 0 })]);
    const none = await http()
      .get(`/v1/webhook-endpoints/${endpoint.id}/deliveries`)
      .query({ status: 'FAILED' })
      .set(acme.auth)
      .expect(200);
    expect(none.body.data).toEqual([]);
    const detail = await http().get(`/v1/webhook-deliveries/${ping.body.id}`).set(acme.auth).expect(200);
    expect(detail.body).toMatchObject({ id: ping.body.id, eventId: ping.body.eventId, attemptLog: [] });

    const again = await http().post(`/v1/webhook-deliveries/${ping.body.id}/redeliver`).set(acme.auth).expect(202);
    expect(again.body).toMatchObject({ id: ping.body.id, status: 'PENDING' });

    // An attempt in flight (locked) cannot be restarted under it.
    await app.get(PrismaService).webhookDelivery.updateMany({
      where: { id: ping.body.id },
      data: { lockedUntil: new Date(Date.now() + 60_000) },
    });
    const busy = await http().post(`/v1/webhook-deliveries/${ping.body.id}/redeliver`).set(acme.auth).expect(409);
    expect(busy.body.error.code).toBe('WEBHOOK_DELIVERY_IN_PROGRESS');

    await http().patch(`/v1/webhook-endpoints/${endpoint.id}`).set(acme.auth).send({ status: 'DISABLED' }).expect(200);
    const refused = await http().post(`/v1/webhook-deliveries/${ping.body.id}/redeliver`).set(acme.auth).expect(409);
    expect(refused.body.error.code).toBe('WEBHOOK_ENDPOINT_DISABLED');
    expect(
      (await http().post(`/v1/webhook-endpoints/${endpoint.id}/ping`).set(acme.auth).expect(409)).body.error.code,
    ).toBe('WEBHOOK_ENDPOINT_DISABLED');
  });

  it('requires a vendor API key', async () => {
    const res = await http().get('/v1/webhook-endpoints').expect(401);
    expect(res.body.error.code).toBe('UNAUTHENTICATED');
    await http()
      .post('/v1/webhook-endpoints')
      .set({ Authorization: 'Bearer lh_nope_nope' })
      .send({ url: 'https://x.example.com', eventTypes: ['*'] })
      .expect(401);
  });

  it("answers 404 for another vendor's endpoints and deliveries, and changes nothing", async () => {
    const endpoint = (await create(acme, { url: 'https://erp.example.com/mine', eventTypes: ['*'] }).expect(201)).body;
    const delivery = (await http().post(`/v1/webhook-endpoints/${endpoint.id}/ping`).set(acme.auth).expect(202)).body;
    const attempts = [
      http().get(`/v1/webhook-endpoints/${endpoint.id}`),
      http().patch(`/v1/webhook-endpoints/${endpoint.id}`).send({ url: 'https://attacker.example.com/' }),
      http().delete(`/v1/webhook-endpoints/${endpoint.id}`),
      http().post(`/v1/webhook-endpoints/${endpoint.id}/rotate-secret`),
      http().post(`/v1/webhook-endpoints/${endpoint.id}/ping`),
      http().get(`/v1/webhook-endpoints/${endpoint.id}/deliveries`),
      http().get(`/v1/webhook-deliveries/${delivery.id}`),
      http().post(`/v1/webhook-deliveries/${delivery.id}/redeliver`),
    ];
    for (const attempt of attempts) {
      const res = await attempt.set(other.auth);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    }
    const mine = await http().get(`/v1/webhook-endpoints/${endpoint.id}`).set(acme.auth).expect(200);
    expect(mine.body).toMatchObject({ url: 'https://erp.example.com/mine', updatedAt: endpoint.updatedAt });
    const theirs = await http().get('/v1/webhook-endpoints').set(other.auth).expect(200);
    expect(theirs.body.data.find((e: { id: string }) => e.id === endpoint.id)).toBeUndefined();
    expect(await app.get(PrismaService).webhookDelivery.count({ where: { endpointId: endpoint.id } })).toBe(1);
  });
});
