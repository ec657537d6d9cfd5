import { randomUUID } from 'node:crypto';
import { connect, type AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { ApplicationConfig, Reflector } from '@nestjs/core';
import request from 'supertest';
import { AUTH_METHODS, AuthenticationGuard } from '@leasehold/auth';
import { generateContainerSecret, hashContainerSecret } from '@leasehold/domain-licensing';
import { PrismaService } from '@leasehold/db';
import { storage } from 'nestjs-pino/storage';
import {
  createEnterpriseContainerViaApi,
  createGroup,
  createProductViaApi,
  createTestAppWithEnv,
  createVendor,
  expectError,
  TestVendor,
} from '@leasehold/testing';
import { LICENSE_CENTRAL_API } from '../api-info';
import { AppModule } from '../app.module';
import { SeatsController } from './seats.controller';
import { ValidationController } from './validation.controller';

// The device fast lane (device-fast-lane.ts) serves validate, heartbeat and release in front of
// Nest's router. These tests hold it to the routes: which requests it takes, that it counts each
// request once in the rate limits, and that its errors are the routes' errors.

const PER_CREDENTIAL = 8;

describe('device fast lane', () => {
  let app: INestApplication;
  let vendor: TestVendor;
  let productId: string;
  const http = () => request(app.getHttpServer());
  let guardCalls: jest.SpyInstance;

  beforeAll(async () => {
    app = await createTestAppWithEnv(AppModule, LICENSE_CENTRAL_API, {
      RATE_LIMIT_DEVICE_PER_CREDENTIAL: String(PER_CREDENTIAL),
    });
    vendor = await createVendor(app, 'Lane');
    productId = (await createProductViaApi(http, vendor)).productId;
    guardCalls = jest.spyOn(AuthenticationGuard.prototype, 'canActivate');
  });
  afterAll(async () => {
    guardCalls.mockRestore();
    await app.close();
  });

  /** An enterprise container with a 2-seat license and its own secret (own rate-limit counter). */
  async function container() {
    const group = await createGroup(app, vendor);
    const c = await createEnterpriseContainerViaApi(http, vendor, group.id);
    const license = await http()
      .post(`/v1/containers/${c.containerId}/licenses`)
      .set(vendor.auth)
      .send({ productId, quantity: 2 })
      .expect(201);
    return { ...c, licenseId: license.body.id as string };
  }

  it('the only app-wide guard and pipe are the ones the lane stands in for, and there is no app-wide interceptor', () => {
    // A new global enhancer (a metrics interceptor, another guard) would be skipped by the lane:
    // it must then be applied there too, and this test updated.
    const config = app.get(ApplicationConfig);
    const names = (list: object[]) => list.map((item) => item.constructor.name);
    expect(names(config.getGlobalGuards())).toEqual(['AuthenticationGuard']);
    expect(names(config.getGlobalPipes())).toEqual(['AppValidationPipe']);
    // None: the idempotency interceptor is on each unsafe route (@IdempotentWrites), and the lane
    // leaves every request with an Idempotency-Key to the route.
    expect(names(config.getGlobalInterceptors())).toEqual([]);
  });

  it('the routes it serves still declare the authentication the lane applies', () => {
    const reflector = app.get(Reflector);
    const methods = (handler: object, controller: object) =>
      reflector.getAllAndOverride<string[]>(AUTH_METHODS, [handler as never, controller as never]);
    expect(methods(ValidationController.prototype.validate, ValidationController)).toEqual(['device-token']);
    expect(methods(SeatsController.prototype.heartbeat, SeatsController)).toEqual(['device-token']);
    expect(methods(SeatsController.prototype.release, SeatsController)).toEqual(['device-token']);
    expect(methods(SeatsController.prototype.checkout, SeatsController)).toEqual(['device-token']);
  });

  it('serves checkout, validate, heartbeat and release without the router (no guard call) and answers as the route does', async () => {
    const c = await container();
    guardCalls.mockClear();
    const lease = await http()
      .post('/client/v1/seats/checkout')
      .set(c.device)
      .send({ licenseId: c.licenseId, fingerprint: 'lane-device-1' })
      .expect(201);
    expect(guardCalls).not.toHaveBeenCalled();
    // The same device checking out again through the route gets the same lease, in the same form.
    const again = await http()
      .post('/client/v1/seats/checkout')
      .set(c.device)
      .set('Idempotency-Key', randomUUID())
      .send({ licenseId: c.licenseId, fingerprint: 'lane-device-1' })
      .expect(201);
    expect(guardCalls).toHaveBeenCalledTimes(1);
    expect(again.body).toEqual({ ...lease.body, expiresAt: again.body.expiresAt });
    expect(lease.headers['content-type']).toBe(again.headers['content-type']);

    guardCalls.mockClear();
    const fast = await http().post('/client/v1/validate').set(c.device).send({ fingerprint: 'lane-device-1' });
    const beat = await http()
      .post(`/client/v1/seats/${lease.body.leaseId}/heartbeat`)
      .set(c.device)
      .send({ knownRevision: 0 });
    expect([fast.status, beat.status]).toEqual([200, 200]);
    expect(guardCalls).not.toHaveBeenCalled();

    // The same requests with an Idempotency-Key go through the route (guard, pipe, interceptor).
    const routed = await http()
      .post('/client/v1/validate')
      .set(c.device)
      .set('Idempotency-Key', randomUUID())
      .send({ fingerprint: 'lane-device-1' });
    const routedBeat = await http()
      .post(`/client/v1/seats/${lease.body.leaseId}/heartbeat`)
      .set(c.device)
      .set('Idempotency-Key', randomUUID())
      .send({ knownRevision: 0 });
    expect(guardCalls).toHaveBeenCalledTimes(2);
    expect([routed.status, routedBeat.status]).toEqual([200, 200]);
    expect(Object.keys(fast.body).sort()).toEqual(Object.keys(routed.body).sort());
    expect({ ...fast.body, envelope: undefined, issuedAt: undefined }).toEqual({
      ...routed.body,
      envelope: undefined,
      issuedAt: undefined,
    });
    expect(Object.keys(beat.body).sort()).toEqual(Object.keys(routedBeat.body).sort());
    expect(fast.headers['content-type']).toBe(routed.headers['content-type']);
    expect(Number(fast.headers['content-length'])).toBe(Buffer.byteLength(fast.text));
    expect(JSON.parse(fast.text)).toEqual(fast.body);
    expect(fast.headers['x-request-id']).toEqual(expect.any(String));

    guardCalls.mockClear();
    const released = await http().post(`/client/v1/seats/${lease.body.leaseId}/release`).set(c.device).send({});
    expect(released.status).toBe(200);
    expect(released.body).toMatchObject({ leaseId: lease.body.leaseId, endReason: 'RELEASED' });
    expect(guardCalls).not.toHaveBeenCalled();
  });

  it("remembers a secret's vendor (its credential route) but not its container: after a reset the old secret is refused, the new one served", async () => {
    const c = await container();
    const prisma = app.get(PrismaService);
    const validate = (device: { Authorization: string }) =>
      http().post('/client/v1/validate').set(device).send({ fingerprint: 'lane-route-1' });
    expect((await validate(c.device)).status).toBe(200);
    // The route was read once and is remembered: the device's next request does not need the row.
    await prisma.$executeRaw`DELETE FROM credential_routes WHERE "credentialHash" = ${hashContainerSecret(c.secret)}`;
    expect((await validate(c.device)).status).toBe(200);
    // A remembered route authenticates nothing: the container's own hash decides.
    const reset = await http().post(`/v1/containers/${c.containerId}/credentials/reset`).set(vendor.auth).expect(200);
    expectError(await validate(c.device), 401, 'CREDENTIALS_REVOKED');
    expect((await validate({ Authorization: `Bearer ${reset.body.secret as string}` })).status).toBe(200);
  });

  it('leaves to the route what it does not take: no secret, a malformed one, a body for the full pipe, a bad lease id', async () => {
    const c = await container();
    guardCalls.mockClear();
    expectError(
      await http().post('/client/v1/validate').send({ fingerprint: 'lane-device-2' }),
      401,
      'UNAUTHENTICATED',
    );
    expectError(
      await http().post('/client/v1/validate').set({ Authorization: 'Bearer lhc_nope' }).send({ fingerprint: 'x' }),
      401,
      'CREDENTIALS_INVALID',
    );
    const bad = await http().post('/client/v1/validate').set(c.device).send({ fingerprint: 'short', extra: 1 });
    expectError(bad, 400, 'VALIDATION_FAILED');
    expect(bad.body.error.details.fields.map((f: { field: string }) => f.field).sort()).toEqual([
      'extra',
      'fingerprint',
    ]);
    expectError(
      await http().post('/client/v1/seats/not-a-uuid/heartbeat').set(c.device).send({}),
      400,
      'VALIDATION_FAILED',
    );
    expect(guardCalls).toHaveBeenCalledTimes(4);
  });

  it('answers its errors with the envelope and the request id of the routes', async () => {
    const c = await container();
    guardCalls.mockClear();
    const unknown = await http()
      .post(`/client/v1/seats/${randomUUID()}/heartbeat`)
      .set(c.device)
      .set('X-Request-Id', 'lane-req-1')
      .send({});
    expectError(unknown, 404, 'NOT_FOUND');
    expect(unknown.body.requestId).toBe('lane-req-1');
    expect(unknown.headers['x-request-id']).toBe('lane-req-1');
    // Any id the route's IdParam accepts (8-4-4-4-12 hex digits, not only RFC 4122 ones) is the lane's.
    for (const leaseId of ['00000000-0000-0000-0000-000000000000', 'E3B0C442-98FC-1C14-9AFB-F4C8996FB924'])
      expectError(await http().post(`/client/v1/seats/${leaseId}/release`).set(c.device).send({}), 404, 'NOT_FOUND');
    expectError(
      await http()
        .post('/client/v1/seats/checkout')
        .set(c.device)
        .send({ licenseId: randomUUID(), fingerprint: 'lane-dev-9' }),
      404,
      'NOT_FOUND',
    );
    // A well-formed secret that no container has: the device strategy's verdict, as on the route.
    const stranger = generateContainerSecret();
    expectError(
      await http()
        .post('/client/v1/seats/checkout')
        .set({ Authorization: `Bearer ${stranger.token}` })
        .send({ licenseId: c.licenseId, fingerprint: 'lane-dev-9' }),
      401,
      'CREDENTIALS_INVALID',
    );
    expect(guardCalls).not.toHaveBeenCalled();
  });

  it('reads the body as the JSON parser does: a BOM, a charset, malformed, too deep or unstorable bodies answered as by the route', async () => {
    const c = await container();
    const post = (body: string, contentType = 'application/json') =>
      http()
        .post('/client/v1/validate')
        .set(c.device)
        .set('Content-Type', contentType)
        .set('X-Request-Id', 'lane-body-1')
        .send(body);
    const json = JSON.stringify({ fingerprint: 'lane-device-body' });
    guardCalls.mockClear();
    expect((await post(`\uFEFF${json}`)).status).toBe(200); // a byte-order mark first
    expect((await post(json, 'application/json; charset=utf-8')).status).toBe(200);
    expect(guardCalls).not.toHaveBeenCalled();
    for (const [body, code] of [
      ['{"fingerprint": ', 'MALFORMED_JSON'],
      ['"lane-device-body"', 'MALFORMED_JSON'],
      ['null', 'MALFORMED_JSON'],
      [`${'['.repeat(40)}${']'.repeat(40)}`, 'MALFORMED_BODY'],
    ] as const) {
      const refused = await post(body);
      expectError(refused, 400, code);
      expect(refused.body.requestId).toBe('lane-body-1');
      expect(refused.headers['x-request-id']).toBe('lane-body-1');
    }
    // A NUL in a string: the lane hands it to Express, whose string check refuses it.
    const nul = await post(JSON.stringify({ fingerprint: 'lane\u0000device' }));
    expectError(nul, 400, 'VALIDATION_FAILED');
    expect(guardCalls).not.toHaveBeenCalled();
    // An empty body is {} to the JSON parser: the route's pipe names the missing field.
    expectError(await post(''), 400, 'VALIDATION_FAILED');
    // No body at all (no Content-Length): {} too, which release accepts, served by the lane.
    const lease = await http()
      .post('/client/v1/seats/checkout')
      .set(c.device)
      .send({ licenseId: c.licenseId, fingerprint: 'lane-device-body' })
      .expect(201);
    guardCalls.mockClear();
    await app.listen(0, '127.0.0.1'); // supertest's requests go to this port from now on
    // As wrk sends it: no Content-Length, no Transfer-Encoding (Node's client would add one).
    const { port } = app.getHttpServer().address() as AddressInfo;
    const socket = connect(port, '127.0.0.1');
    socket.write(
      `POST /client/v1/seats/${lease.body.leaseId}/release HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
        `Authorization: ${c.device.Authorization}\r\nConnection: close\r\n\r\n`,
    );
    let answer = '';
    for await (const chunk of socket) answer += String(chunk);
    const released = Number(answer.split(' ')[1]);
    expect(released).toBe(200);
    expect(guardCalls).not.toHaveBeenCalled();
  });

  it("runs the route's code in the request's log context: every line it logs carries the request id", async () => {
    const c = await container();
    const original = ValidationController.prototype.validate;
    let bindings: Record<string, unknown> | undefined;
    const spy = jest.spyOn(ValidationController.prototype, 'validate').mockImplementation(function (
      this: ValidationController,
      ...args
    ) {
      bindings = storage.getStore()?.logger.bindings();
      return original.apply(this, args);
    });
    try {
      guardCalls.mockClear();
      await http()
        .post('/client/v1/validate')
        .set(c.device)
        .set('X-Request-Id', 'lane-log-1')
        .send({ fingerprint: 'lane-device-log' })
        .expect(200);
      expect(guardCalls).not.toHaveBeenCalled();
      expect(bindings).toEqual({ reqId: 'lane-log-1' });
    } finally {
      spy.mockRestore();
    }
  });

  it('counts each request once against the credential, whether it serves it or leaves it to the route', async () => {
    const c = await container();
    const valid = () => http().post('/client/v1/validate').set(c.device).send({ fingerprint: 'lane-device-3' });
    // PER_CREDENTIAL - 1 requests: served by the lane, and one left to the route (a bad body).
    for (let i = 0; i < PER_CREDENTIAL - 2; i++) expect((await valid()).status).toBe(200);
    expectError(
      await http().post('/client/v1/validate').set(c.device).send({ fingerprint: 'bad' }),
      400,
      'VALIDATION_FAILED',
    );
    // The last one within the limit, then the first past it.
    expect((await valid()).status).toBe(200);
    const refused = await valid();
    expectError(refused, 429, 'RATE_LIMITED');
    expect(refused.headers['retry-after']).toEqual(expect.any(String));
  });
});
