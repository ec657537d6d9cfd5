import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { signInboundEvent } from '@leasehold/domain-integrations';
import { PrismaService } from '@leasehold/db';
import { createTestApp, createVendor, TestVendor } from '@leasehold/testing';
import { LICENSE_CENTRAL_API } from '../api-info';
import { AppModule } from '../app.module';

describe('ERP/CRM integrations and the signed inbound webhook', () => {
  let app: INestApplication;
  let acme: TestVendor;
  let other: TestVendor;
  let prisma: PrismaService;

  beforeAll(async () => {
    app = await createTestApp(AppModule, LICENSE_CENTRAL_API);
    prisma = app.get(PrismaService);
    acme = await createVendor(app, 'Acme');
    other = await createVendor(app, 'Other');
  });
  afterAll(() => app.close());

  const http = () => request(app.getHttpServer());
  const nowSeconds = () => Math.floor(Date.now() / 1000);

  async function integration(vendor = acme): Promise<{ id: string; secret: string }> {
    const res = await http().post('/v1/integrations').set(vendor.auth).send({ name: 'SAP', kind: 'ERP' }).expect(201);
    return { id: res.body.id as string, secret: res.body.secret as string };
  }

  /** Sends `body` exactly as the documentation tells an ERP to: signed over the raw bytes. */
  function send(
    target: { id: string; secret: string },
    body: unknown,
    options: { timestamp?: number; secret?: string; headers?: Record<string, string> } = {},
  ) {
    const raw = typeof body === 'string' ? body : JSON.stringify(body);
    const timestamp = String(options.timestamp ?? nowSeconds());
    return http()
      .post(`/webhooks/erp/${target.id}`)
      .set('Content-Type', 'application/json')
      .set('Leasehold-Timestamp', timestamp)
      .set('Leasehold-Signature', signInboundEvent(options.secret ?? target.secret, timestamp, raw))
      .set(options.headers ?? {})
      .send(raw);
  }

  const cancelled = (id: string, orderId = 'SO-1') => ({ id, type: 'order.cancelled', data: { orderId } });
  const storedEvents = (integrationId: string) =>
    prisma.inboundEvent.findMany({ where: { integrationId }, orderBy: { id: 'asc' } });

  it('creates an integration with a secret shown once, reads, lists and renames it', async () => {
    const created = await http()
      .post('/v1/integrations')
      .set(acme.auth)
      .send({ name: 'Dynamics', kind: 'CRM' })
      .expect(201);
    expect(created.body).toMatchObject({
      name: 'Dynamics',
      kind: 'CRM',
      status: 'ACTIVE',
      secretVersion: 1,
      webhookPath: `/webhooks/erp/${created.body.id}`,
    });
    expect(created.body.secret).toMatch(/^lhi_/);
    const stored = await prisma.integration.findUniqueOrThrow({ where: { id: created.body.id } });
    expect(stored.encryptedSecret).not.toContain(created.body.secret);

    const got = await http().get(`/v1/integrations/${created.body.id}`).set(acme.auth).expect(200);
    expect(got.body.secret).toBeUndefined();
    const list = await http().get('/v1/integrations').set(acme.auth).expect(200);
    expect(list.body.data.map((i: { id: string }) => i.id)).toContain(created.body.id);
    const renamed = await http()
      .patch(`/v1/integrations/${created.body.id}`)
      .set(acme.auth)
      .send({ name: 'Dynamics 365' })
      .expect(200);
    expect(renamed.body.name).toBe('Dynamics 365');
  });

  it('accepts a signed event with 202, stores it RECEIVED and queues it', async () => {
    const target = await integration();
    const res = await send(target, cancelled('evt-accepted')).expect(202);
    expect(res.body).toEqual({ id: expect.any(String), status: 'RECEIVED', duplicate: false });
    const [stored] = await storedEvents(target.id);
    expect(stored).toMatchObject({
      id: res.body.id,
      status: 'RECEIVED',
      externalEventId: 'evt-accepted',
      dedupKey: 'evt-accepted',
      type: 'order.cancelled',
    });
    const listed = await http().get(`/v1/integrations/${target.id}/events`).set(acme.auth).expect(200);
    expect(listed.body.data).toEqual([
      expect.objectContaining({ id: res.body.id, status: 'RECEIVED', payload: cancelled('evt-accepted') }),
    ]);
  });

  it('refuses a wrong signature, an unknown integration and a missing signature with 401, storing nothing', async () => {
    const target = await integration();
    const wrong = await send(target, cancelled('evt-x'), { secret: 'lhi_not-the-secret' }).expect(401);
    expect(wrong.body.error.code).toBe('INBOUND_SIGNATURE_INVALID');
    // the signature covers the bytes: a body changed after signing fails
    const timestamp = String(nowSeconds());
    const signature = signInboundEvent(target.secret, timestamp, JSON.stringify(cancelled('evt-x')));
    const tampered = await http()
      .post(`/webhooks/erp/${target.id}`)
      .set({ 'Content-Type': 'application/json', 'Leasehold-Timestamp': timestamp, 'Leasehold-Signature': signature })
      .send(JSON.stringify(cancelled('evt-x', 'SO-OTHER')))
      .expect(401);
    expect(tampered.body.error.code).toBe('INBOUND_SIGNATURE_INVALID');
    const unsigned = await http()
      .post(`/webhooks/erp/${target.id}`)
      .set('Leasehold-Timestamp', timestamp)
      .send(cancelled('evt-x'))
      .expect(401);
    expect(unsigned.body.error.code).toBe('INBOUND_SIGNATURE_INVALID');
    const unknown = await send(
      { id: '0193a1b2-0000-7000-8000-000000000000', secret: target.secret },
      cancelled('evt-x'),
    ).expect(401);
    expect(unknown.body.error.code).toBe('INBOUND_SIGNATURE_INVALID');
    expect(await storedEvents(target.id)).toEqual([]);
  });

  it('refuses a stale (replayed), future or missing timestamp even when correctly signed', async () => {
    const target = await integration();
    const stale = await send(target, cancelled('evt-old'), { timestamp: nowSeconds() - 6 * 60 }).expect(401);
    expect(stale.body.error.code).toBe('INBOUND_TIMESTAMP_REJECTED');
    const future = await send(target, cancelled('evt-future'), { timestamp: nowSeconds() + 10 * 60 }).expect(401);
    expect(future.body.error.code).toBe('INBOUND_TIMESTAMP_REJECTED');
    const missing = await http()
      .post(`/webhooks/erp/${target.id}`)
      .set('Leasehold-Signature', 'v1=00')
      .send(cancelled('evt-none'))
      .expect(401);
    expect(missing.body.error.code).toBe('INBOUND_TIMESTAMP_REJECTED');
    await send(target, cancelled('evt-fresh'), { timestamp: nowSeconds() - 4 * 60 }).expect(202);
    expect((await storedEvents(target.id)).map((e) => e.externalEventId)).toEqual(['evt-fresh']);
  });

  it('stores a resent event once, by its signed id (whatever Idempotency-Key says), also when copies race', async () => {
    const target = await integration();
    const first = await send(target, cancelled('evt-dup')).expect(202);
    const again = await send(target, cancelled('evt-dup')).expect(202);
    expect(again.body).toEqual({ id: first.body.id, status: 'RECEIVED', duplicate: true });

    // The header is not signed: it neither merges two events nor splits one.
    const a = await send(target, cancelled('evt-a'), { headers: { 'Idempotency-Key': 'order-SO-1-cancel' } }).expect(
      202,
    );
    const b = await send(target, cancelled('evt-b'), { headers: { 'Idempotency-Key': 'order-SO-1-cancel' } }).expect(
      202,
    );
    expect(b.body).toMatchObject({ duplicate: false });
    expect(b.body.id).not.toBe(a.body.id);

    const racing = await Promise.all(Array.from({ length: 5 }, () => send(target, cancelled('evt-race'))));
    expect(racing.map((r) => r.status)).toEqual([202, 202, 202, 202, 202]);
    expect(new Set(racing.map((r) => r.body.id as string)).size).toBe(1);
    expect(racing.filter((r) => r.body.duplicate === false)).toHaveLength(1);

    expect((await storedEvents(target.id)).map((e) => e.dedupKey)).toEqual(['evt-dup', 'evt-a', 'evt-b', 'evt-race']);
  });

  it('attack: a captured signed request replayed within the window with a new Idempotency-Key, or none, is not stored again', async () => {
    const target = await integration();
    const raw = JSON.stringify({
      id: 'evt-quantity-5',
      type: 'order.changed',
      data: { orderId: 'SO-7', items: [{ lineId: '1', quantity: 5 }] },
    });
    const timestamp = String(nowSeconds());
    const signature = signInboundEvent(target.secret, timestamp, raw);
    const replay = (headers: Record<string, string>) =>
      http()
        .post(`/webhooks/erp/${target.id}`)
        .set({
          'Content-Type': 'application/json',
          'Leasehold-Timestamp': timestamp,
          'Leasehold-Signature': signature,
          ...headers,
        })
        .send(raw);
    const original = await replay({ 'Idempotency-Key': 'erp-key-1' }).expect(202);
    expect(original.body.duplicate).toBe(false);
    const replays: Record<string, string>[] = [
      { 'Idempotency-Key': 'attacker-key-2' },
      { 'Idempotency-Key': 'attacker-key-3' },
      {},
    ];
    for (const headers of replays) {
      const replayed = await replay(headers).expect(202);
      expect(replayed.body).toEqual({ id: original.body.id, status: 'RECEIVED', duplicate: true });
    }
    expect((await storedEvents(target.id)).map((e) => e.dedupKey)).toEqual(['evt-quantity-5']);
  });

  it('refuses an event id sent again with a different body with 409 EVENT_ID_REUSED, storing nothing new', async () => {
    const target = await integration();
    const first = await send(target, cancelled('evt-same-id', 'SO-1')).expect(202);
    const reused = await send(target, cancelled('evt-same-id', 'SO-2')).expect(409);
    expect(reused.body.error).toMatchObject({
      code: 'EVENT_ID_REUSED',
      details: { eventId: 'evt-same-id', inboundEventId: first.body.id },
    });
    // The same content with other whitespace and key order is the same event.
    const reordered = '{ "type": "order.cancelled", "data": { "orderId": "SO-1" }, "id": "evt-same-id" }';
    expect((await send(target, reordered).expect(202)).body).toMatchObject({ id: first.body.id, duplicate: true });
    expect(await storedEvents(target.id)).toHaveLength(1);
  });

  it("refuses intake for a suspended vendor's integrations with 403 VENDOR_SUSPENDED, storing nothing", async () => {
    const suspended = await createVendor(app, 'Suspended ERP vendor');
    const target = await integration(suspended);
    await prisma.vendor.update({ where: { id: suspended.vendor.id }, data: { status: 'SUSPENDED' } });
    const res = await send(target, cancelled('evt-while-suspended')).expect(403);
    expect(res.body.error.code).toBe('VENDOR_SUSPENDED');
    expect(await storedEvents(target.id)).toEqual([]);
    // a wrong signature still answers as for anyone (no oracle on the vendor's status)
    expect((await send(target, cancelled('evt-x'), { secret: 'lhi_wrong' }).expect(401)).body.error.code).toBe(
      'INBOUND_SIGNATURE_INVALID',
    );
    await prisma.vendor.update({ where: { id: suspended.vendor.id }, data: { status: 'ACTIVE' } });
    await send(target, cancelled('evt-after-resume')).expect(202);
  });

  it('answers a malformed event with 400 and field errors, and stores it REJECTED for inspection', async () => {
    const target = await integration();
    const body = {
      id: 'evt-bad',
      type: 'order.created',
      data: { orderId: 'SO-9', items: [{ lineId: '1', productCode: 'office', quantity: 0 }] },
    };
    const res = await send(target, body).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details.fields.map((f: { field: string }) => f.field).sort()).toEqual([
      'data.group',
      'data.items.0.quantity',
    ]);
    const rejected = await http()
      .get(`/v1/integrations/${target.id}/events`)
      .query({ status: 'REJECTED' })
      .set(acme.auth)
      .expect(200);
    expect(rejected.body.data).toEqual([
      expect.objectContaining({
        id: res.body.error.details.inboundEventId,
        status: 'REJECTED',
        externalEventId: 'evt-bad',
        dedupKey: null,
        payload: body,
        errors: { fields: res.body.error.details.fields },
      }),
    ]);
    const one = await http()
      .get(`/v1/integrations/${target.id}/events/${res.body.error.details.inboundEventId}`)
      .set(acme.auth)
      .expect(200);
    expect(one.body.status).toBe('REJECTED');

    // the corrected event, resent with the same id, is accepted
    await send(target, cancelled('evt-bad')).expect(202);
    const notJson = await send(target, '{"id": "evt-broken",').expect(400);
    expect(notJson.body.error.code).toBe('MALFORMED_JSON');
  });

  it('stops accepting with the old secret after a rotation, and refuses events to a disabled integration', async () => {
    const target = await integration();
    const rotated = await http().post(`/v1/integrations/${target.id}/rotate-secret`).set(acme.auth).expect(200);
    expect(rotated.body).toMatchObject({ id: target.id, secretVersion: 2 });
    expect(rotated.body.secret).not.toBe(target.secret);
    expect((await send(target, cancelled('evt-old-secret')).expect(401)).body.error.code).toBe(
      'INBOUND_SIGNATURE_INVALID',
    );
    await send({ id: target.id, secret: rotated.body.secret }, cancelled('evt-new-secret')).expect(202);

    await http().patch(`/v1/integrations/${target.id}`).set(acme.auth).send({ status: 'DISABLED' }).expect(200);
    const disabled = await send({ id: target.id, secret: rotated.body.secret }, cancelled('evt-disabled')).expect(403);
    expect(disabled.body.error.code).toBe('INTEGRATION_DISABLED');
  });

  it("hides one vendor's integrations and events from another, and validates input", async () => {
    const target = await integration();
    const event = await send(target, cancelled('evt-private')).expect(202);
    await http().get(`/v1/integrations/${target.id}`).set(other.auth).expect(404);
    await http().get(`/v1/integrations/${target.id}/events`).set(other.auth).expect(404);
    await http().get(`/v1/integrations/${target.id}/events/${event.body.id}`).set(other.auth).expect(404);
    await http().patch(`/v1/integrations/${target.id}`).set(other.auth).send({ name: 'mine' }).expect(404);
    await http().post(`/v1/integrations/${target.id}/rotate-secret`).set(other.auth).expect(404);
    expect(
      (await http().get('/v1/integrations').set(other.auth).expect(200)).body.data.map((i: { id: string }) => i.id),
    ).not.toContain(target.id);

    const bad = await http()
      .post('/v1/integrations')
      .set(acme.auth)
      .send({ name: '', kind: 'FAX', secret: 'mine' })
      .expect(400);
    expect(bad.body.error.details.fields.map((f: { field: string }) => f.field).sort()).toEqual([
      'kind',
      'name',
      'secret',
    ]);
    await http().get('/v1/integrations/not-a-uuid').set(acme.auth).expect(400);
    await http().patch(`/v1/integrations/${target.id}`).set(acme.auth).send({ status: 'PAUSED' }).expect(400);
    await http().get('/v1/integrations').expect(401);
  });
});
