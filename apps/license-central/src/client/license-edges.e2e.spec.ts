// A license cannot be multiplied at its edges. Each block replays an exploit as a
// customer would run it against the built app (container secret, group admin carrying codes) and
// checks that it no longer yields more running machines than the license has.
import { createHash, randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { PrismaService } from '@leasehold/db';
import {
  createReleaseCode,
  createRequestCode,
  parseRequestCode,
  returnKeyHashOf,
  verifyLicenseFile,
  verifyResponseCode,
} from '@leasehold/license-file';
import {
  ApiProduct,
  createEnterpriseContainerViaApi,
  createPersonalContainerViaApi,
  createProductViaApi,
  createTestApp,
  createVendor,
  dbOf,
  expectError,
  insertGroup,
  TestVendor,
} from '@leasehold/testing';
import { LICENSE_CENTRAL_API } from '../api-info';
import { AppModule } from '../app.module';

const DAY = 24 * 3600 * 1000;
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A format-1 request code (as programs built before return keys make): no return key hash. Built
 * by hand from the documented layout (docs/license-file-format.md), since the library now makes format 2.
 */
function legacyRequestCode(kind: 'activate' | 'borrow', containerId: string, fingerprint: string): string {
  const body = Buffer.concat([
    Buffer.of(0x10 | (kind === 'activate' ? 1 : 3)),
    Buffer.from(containerId.replace(/-/g, ''), 'hex'),
    createHash('sha256').update(fingerprint, 'utf8').digest().subarray(0, 16),
    randomBytes(8),
  ]);
  const bytes = Buffer.concat([body, createHash('sha256').update(body).digest().subarray(0, 4)]);
  let bits = '';
  for (const b of bytes) bits += b.toString(2).padStart(8, '0');
  let symbols = '';
  for (let i = 0; i < bits.length; i += 5) symbols += CROCKFORD[parseInt(bits.slice(i, i + 5).padEnd(5, '0'), 2)];
  return symbols.match(/.{1,5}/g)!.join('-');
}

describe('no license multiplied at its edges (validate, borrow returns, offline grants)', () => {
  let app: INestApplication;
  let acme: TestVendor;
  let product: ApiProduct;
  let prisma: PrismaService;
  const http = () => request(app.getHttpServer());
  const machine = (n: string) => `machine-${n}-${Math.random().toString(36).slice(2, 10)}`;

  beforeAll(async () => {
    app = await createTestApp(AppModule, LICENSE_CENTRAL_API);
    prisma = app.get(PrismaService);
    acme = await createVendor(app, 'Acme');
    product = await createProductViaApi(http, acme);
  });
  afterAll(() => app.close());

  async function publicKeys(): Promise<Record<string, string>> {
    const res = await http().get(`/client/v1/vendors/${acme.vendor.id}/signing-keys`).expect(200);
    return Object.fromEntries(
      (res.body.data as { keyId: string; publicKeyPem: string }[]).map((k) => [k.keyId, k.publicKeyPem]),
    );
  }

  async function enterprise(license: Record<string, unknown> = {}) {
    const c = await createEnterpriseContainerViaApi(http, acme, await insertGroup(dbOf(app), acme.vendor.id));
    const created = await http()
      .post(`/v1/containers/${c.containerId}/licenses`)
      .set(acme.auth)
      .send({ productId: product.productId, quantity: 1, borrowAllowed: true, maxBorrowDays: 7, ...license })
      .expect(201);
    return { ...c, licenseId: created.body.id as string };
  }

  async function personal(license: Record<string, unknown> = {}, deviceLimit = 3) {
    const c = await createPersonalContainerViaApi(http, dbOf(app), acme, { deviceLimit });
    const created = await http()
      .post(`/v1/containers/${c.containerId}/licenses`)
      .set(acme.auth)
      .send({ productId: product.productId, quantity: 1, ...license })
      .expect(201);
    return { ...c, licenseId: created.body.id as string };
  }

  const validate = async (device: { Authorization: string }, fingerprint: string) =>
    (await http().post('/client/v1/validate').set(device).send({ fingerprint }).expect(200)).body;
  const checkout = (device: { Authorization: string }, body: Record<string, unknown>) =>
    http().post('/client/v1/seats/checkout').set(device).send(body);
  const licenseFile = (device: { Authorization: string }, fingerprint: string) =>
    http().get('/client/v1/license-file').query({ fingerprint }).set(device);
  const submit = (containerId: string, body: Record<string, unknown>) =>
    http().post(`/v1/containers/${containerId}/offline-activations`).set(acme.auth).send(body);

  describe('validate answers VALID only where a seat is held', () => {
    it('attack: an ENTERPRISE container validates a fingerprint that never checked out → CHECKOUT_REQUIRED with availability; VALID only while holding the seat', async () => {
      const e = await enterprise({ quantity: 2 });
      const never = await validate(e.device, machine('never'));
      expect(never).toMatchObject({
        code: 'CHECKOUT_REQUIRED',
        valid: false,
        license: { id: e.licenseId },
        availability: { quantity: 2, inUse: 0, available: 2 },
      });
      const a = machine('a');
      const lease = await checkout(e.device, { licenseId: e.licenseId, fingerprint: a }).expect(201);
      expect(await validate(e.device, a)).toMatchObject({
        code: 'VALID',
        valid: true,
        availability: { quantity: 2, inUse: 1, available: 1 },
      });
      expect(await validate(e.device, machine('b'))).toMatchObject({
        code: 'CHECKOUT_REQUIRED',
        availability: { inUse: 1, available: 1 },
      });
      // the signed payload says the same
      const answer = await validate(e.device, machine('c'));
      expect(JSON.parse(Buffer.from(answer.envelope.payload, 'base64url').toString())).toMatchObject({
        code: 'CHECKOUT_REQUIRED',
        availability: { available: 1 },
      });
      await http().post(`/client/v1/seats/${lease.body.leaseId}/release`).set(e.device).send({}).expect(200);
      expect(await validate(e.device, a)).toMatchObject({ code: 'CHECKOUT_REQUIRED', availability: { inUse: 0 } });
    });

    it('attack: a PERSONAL license of quantity 1 with 3 activated devices: only the device holding the seat validates and gets a license file', async () => {
      const p = await personal({ quantity: 1 });
      const devices = [machine('laptop'), machine('desktop'), machine('tablet')];
      for (const fp of devices)
        await http().post('/client/v1/activations').set(p.device).send({ fingerprint: fp, name: fp }).expect(201);
      for (const fp of devices) {
        expect(await validate(p.device, fp)).toMatchObject({
          code: 'CHECKOUT_REQUIRED',
          valid: false,
          availability: { quantity: 1, inUse: 0, available: 1 },
        });
        expectError(await licenseFile(p.device, fp), 403, 'NO_LEASE_HELD');
      }
      const lease = await checkout(p.device, { licenseId: p.licenseId, fingerprint: devices[0] }).expect(201);
      expect(await validate(p.device, devices[0])).toMatchObject({ code: 'VALID', valid: true });
      for (const fp of devices.slice(1)) {
        expect(await validate(p.device, fp)).toMatchObject({
          code: 'CHECKOUT_REQUIRED',
          availability: { inUse: 1, available: 0 },
        });
        expectError(await licenseFile(p.device, fp), 403, 'NO_LEASE_HELD');
      }
      const file = await licenseFile(p.device, devices[0]).expect(200);
      const verified = verifyLicenseFile(file.text, { publicKeys: await publicKeys(), fingerprint: devices[0] });
      expect(verified.status).toBe('VALID');
      // the file lasts no longer than the seat is held
      if (verified.status === 'VALID')
        expect(new Date(verified.license.refreshBy).getTime()).toBeLessThanOrEqual(
          new Date(lease.body.expiresAt).getTime(),
        );
    });

    it('a PERSONAL license whose quantity covers every active device is not counted: VALID and a license file without checkout', async () => {
      const p = await personal({ quantity: 3 });
      const fp = machine('solo');
      await http().post('/client/v1/activations').set(p.device).send({ fingerprint: fp, name: 'Solo' }).expect(201);
      expect(await validate(p.device, fp)).toMatchObject({ code: 'VALID', availability: null });
      await licenseFile(p.device, fp).expect(200);
    });
  });

  describe('a borrowed seat is freed early only with the program’s proof', () => {
    it('attack (online): borrow → license file → release, on machines A, B, C in turn: only A ever gets a seat and a file', async () => {
      const e = await enterprise({ quantity: 1 });
      const borrowUntil = new Date(Date.now() + 6 * DAY).toISOString();
      const files: string[] = [];
      const refusals: string[] = [];
      for (const name of ['A', 'B', 'C']) {
        const fp = machine(name);
        const lease = await checkout(e.device, { licenseId: e.licenseId, fingerprint: fp, borrowUntil });
        if (lease.status !== 201) {
          refusals.push(lease.body.error.code);
          continue;
        }
        files.push((await licenseFile(e.device, fp).expect(200)).text);
        // the release that used to free the seat: no proof (the borrow committed to none)
        const released = await http().post(`/client/v1/seats/${lease.body.leaseId}/release`).set(e.device).send({});
        expectError(released, 403, 'RETURN_PROOF_INVALID');
        // nor can the borrow be moved to end in a second
        expectError(
          await http()
            .post(`/client/v1/seats/${lease.body.leaseId}/borrow`)
            .set(e.device)
            .send({ borrowUntil: new Date(Date.now() + 1000).toISOString() }),
          403,
          'RETURN_PROOF_INVALID',
        );
      }
      expect(files).toHaveLength(1);
      expect(refusals).toEqual(['NO_SEAT_AVAILABLE', 'NO_SEAT_AVAILABLE']);
    });

    it('with a returnKeyHash: a wrong or missing key is refused, the program’s key returns the seat; early returns count towards the churn limit', async () => {
      const e = await enterprise({ quantity: 1, maxDeactivationsPer30Days: 2 });
      const borrowUntil = new Date(Date.now() + 3 * DAY).toISOString();
      for (let round = 0; round < 3; round++) {
        const key = randomBytes(32).toString('base64url');
        const fp = machine(`round-${round}`);
        const lease = await checkout(e.device, {
          licenseId: e.licenseId,
          fingerprint: fp,
          borrowUntil,
          returnKeyHash: returnKeyHashOf(key),
        }).expect(201);
        expectError(
          await http().post(`/client/v1/seats/${lease.body.leaseId}/release`).set(e.device).send({}),
          403,
          'RETURN_PROOF_INVALID',
        );
        expectError(
          await http()
            .post(`/client/v1/seats/${lease.body.leaseId}/release`)
            .set(e.device)
            .send({ returnKey: randomBytes(32).toString('base64url') }),
          403,
          'RETURN_PROOF_INVALID',
        );
        // re-borrowing under another key cannot swap the proof
        expectError(
          await checkout(e.device, {
            licenseId: e.licenseId,
            fingerprint: fp,
            borrowUntil,
            returnKeyHash: returnKeyHashOf(randomBytes(32).toString('base64url')),
          }),
          403,
          'RETURN_PROOF_INVALID',
        );
        const returned = await http()
          .post(`/client/v1/seats/${lease.body.leaseId}/release`)
          .set(e.device)
          .send({ returnKey: key });
        if (round < 2) {
          expect(returned.status).toBe(200);
          expect(returned.body).toMatchObject({ leaseId: lease.body.leaseId, endReason: 'RETURNED' });
        } else {
          expectError(returned, 409, 'ACTIVATION_CHURN_LIMIT');
          expect(returned.body.error.details.retryAfter).toBeGreaterThanOrEqual(1);
          expect(returned.headers['retry-after']).toBeUndefined();
        }
      }
      expectError(
        await http()
          .post('/client/v1/seats/checkout')
          .set(e.device)
          .send({ licenseId: e.licenseId, fingerprint: machine('late') }),
        409,
        'NO_SEAT_AVAILABLE',
      );
      // bad input is a 400, not a 500
      expectError(
        await checkout(e.device, {
          licenseId: e.licenseId,
          fingerprint: machine('x'),
          borrowUntil,
          returnKeyHash: 'not-a-hash',
        }),
        400,
        'VALIDATION_FAILED',
      );
      expectError(
        await http()
          .post(`/client/v1/seats/00000000-0000-7000-8000-000000000000/release`)
          .set(e.device)
          .send({ returnKey: 'short' }),
        400,
        'VALIDATION_FAILED',
      );
    });

    it('attack (offline): quantity 1, machines A, B, C each borrow by code, the admin forges a release after each: only A is served', async () => {
      const e = await enterprise({ quantity: 1 });
      const borrowUntil = new Date(Date.now() + 5 * DAY).toISOString();
      const keys = await publicKeys();
      const served: string[] = [];
      const programs = ['A', 'B', 'C'].map((name) => ({ name, fingerprint: machine(name) }));
      for (const program of programs) {
        const req = createRequestCode({ kind: 'borrow', containerId: e.containerId, fingerprint: program.fingerprint });
        const res = await submit(e.containerId, { code: req.code, borrowUntil });
        if (
          res.status === 201 &&
          verifyResponseCode(res.body.responseCode, {
            publicKeys: keys,
            request: req,
            fingerprint: program.fingerprint,
          }).ok
        )
          served.push(program.name);
        else expectError(res, 409, 'NO_SEAT_AVAILABLE');
        // What the admin can make from what they carried: a release code without the key, or with a guessed one.
        for (const forged of [
          createReleaseCode({ containerId: e.containerId, fingerprint: program.fingerprint }),
          createReleaseCode({
            containerId: e.containerId,
            fingerprint: program.fingerprint,
            returnKey: randomBytes(32).toString('base64url'),
          }),
        ]) {
          const refused = await submit(e.containerId, { code: forged.code });
          if (res.status === 201) expectError(refused, 403, 'RETURN_PROOF_INVALID');
        }
      }
      expect(served).toEqual(['A']);
      expect(await prisma.seatLease.count({ where: { licenseId: e.licenseId, endedAt: null } })).toBe(1);
    });

    it('attack (offline, format-1 codes): a borrow made without a return key cannot be returned early by any release code', async () => {
      const e = await enterprise({ quantity: 1 });
      const borrowUntil = new Date(Date.now() + 5 * DAY).toISOString();
      let served = 0;
      for (const name of ['A', 'B', 'C']) {
        const fp = machine(name);
        const res = await submit(e.containerId, { code: legacyRequestCode('borrow', e.containerId, fp), borrowUntil });
        if (res.status === 201) served++;
        await submit(e.containerId, { code: createReleaseCode({ containerId: e.containerId, fingerprint: fp }).code });
      }
      expect(served).toBe(1);
    });

    it('the program’s own release code (revealing its key) returns the borrowed seat, once', async () => {
      const e = await enterprise({ quantity: 1 });
      const fp = machine('honest');
      const req = createRequestCode({ kind: 'borrow', containerId: e.containerId, fingerprint: fp });
      const borrowed = await submit(e.containerId, {
        code: req.code,
        borrowUntil: new Date(Date.now() + 2 * DAY).toISOString(),
      }).expect(201);
      const release = createReleaseCode({ containerId: e.containerId, fingerprint: fp, returnKey: req.returnKey });
      const returned = await submit(e.containerId, { code: release.code }).expect(201);
      expect(returned.body.returnedLeases).toEqual([
        expect.objectContaining({ leaseId: borrowed.body.leaseId, endReason: 'RETURNED' }),
      ]);
      expectError(await submit(e.containerId, { code: release.code }), 409, 'OFFLINE_CODE_ALREADY_USED');
      await checkout(e.device, { licenseId: e.licenseId, fingerprint: machine('next') }).expect(201);
    });
  });

  describe('offline grants end, and an offline slot is freed early only with the program’s proof', () => {
    it('attack: a perpetual license activated offline gets a grant bounded by the offline period (default 30 days), not "no end"', async () => {
      const p = await personal({ quantity: 3 });
      const fp = machine('perpetual');
      const req = createRequestCode({ kind: 'activate', containerId: p.containerId, fingerprint: fp });
      const before = Date.now();
      const res = await submit(p.containerId, { code: req.code }).expect(201);
      expect(res.body.validUntil).not.toBeNull();
      const until = new Date(res.body.validUntil).getTime();
      expect(until).toBeGreaterThan(before + 30 * DAY - 60_000);
      expect(until).toBeLessThanOrEqual(Date.now() + 30 * DAY);
      const verified = verifyResponseCode(res.body.responseCode, {
        publicKeys: await publicKeys(),
        request: req,
        fingerprint: fp,
      });
      expect(verified.ok && verified.response.validUntil).toEqual(new Date(Math.floor(until / 1000) * 1000));
      expect(
        verifyResponseCode(res.body.responseCode, {
          publicKeys: await publicKeys(),
          request: req,
          fingerprint: fp,
          now: new Date(until + 1000),
        }),
      ).toMatchObject({ ok: false, reason: 'EXPIRED' });
    });

    it('attack: offline devices on a PERSONAL license of quantity 1 (3 devices allowed) hold its seat: no online device runs beside them, no second offline one', async () => {
      const p = await personal({ quantity: 1 }, 3);
      const online = machine('online');
      await http()
        .post('/client/v1/activations')
        .set(p.device)
        .send({ fingerprint: online, name: 'Online' })
        .expect(201);
      const offlineFingerprint = machine('offline-1');
      const offline = createRequestCode({
        kind: 'activate',
        containerId: p.containerId,
        fingerprint: offlineFingerprint,
      });
      await submit(p.containerId, { code: offline.code }).expect(201);
      // the one seat runs offline: the online device cannot check out, so it never validates
      expectError(await checkout(p.device, { licenseId: p.licenseId, fingerprint: online }), 409, 'NO_SEAT_AVAILABLE');
      expect(await validate(p.device, online)).toMatchObject({
        code: 'CHECKOUT_REQUIRED',
        availability: { quantity: 1, inUse: 1, available: 0 },
      });
      // nor can a second offline machine be added while the first one's grant runs
      expectError(
        await submit(p.containerId, {
          code: createRequestCode({ kind: 'activate', containerId: p.containerId, fingerprint: machine('offline-2') })
            .code,
        }),
        409,
        'NO_SEAT_AVAILABLE',
      );
      // the program's release frees the seat for the online device
      await submit(p.containerId, {
        code: createReleaseCode({
          containerId: p.containerId,
          fingerprint: offlineFingerprint,
          returnKey: offline.returnKey,
        }).code,
      }).expect(201);
      await checkout(p.device, { licenseId: p.licenseId, fingerprint: online }).expect(201);
      expect(await validate(p.device, online)).toMatchObject({ code: 'VALID' });
      // and an online seat in use blocks a new offline grant in turn
      expectError(
        await submit(p.containerId, {
          code: createRequestCode({ kind: 'activate', containerId: p.containerId, fingerprint: machine('offline-3') })
            .code,
        }),
        409,
        'NO_SEAT_AVAILABLE',
      );
    });

    it('the vendor sets the offline period per license; it bounds offline grants, borrows and license files (refreshBy)', async () => {
      const p = await personal({ quantity: 3, offlinePeriodDays: 2 });
      expect((await http().get(`/v1/licenses/${p.licenseId}`).set(acme.auth).expect(200)).body.offlinePeriodDays).toBe(
        2,
      );
      const res = await submit(p.containerId, {
        code: createRequestCode({ kind: 'activate', containerId: p.containerId, fingerprint: machine('short') }).code,
      }).expect(201);
      expect(new Date(res.body.validUntil).getTime()).toBeLessThanOrEqual(Date.now() + 2 * DAY);
      const fp = machine('online');
      await http().post('/client/v1/activations').set(p.device).send({ fingerprint: fp, name: 'Online' }).expect(201);
      const file = await licenseFile(p.device, fp).expect(200);
      const verified = verifyLicenseFile(file.text, { publicKeys: await publicKeys(), fingerprint: fp });
      expect(verified.status === 'VALID' && new Date(verified.license.refreshBy).getTime()).toBeLessThanOrEqual(
        Date.now() + 2 * DAY,
      );

      await http().patch(`/v1/licenses/${p.licenseId}`).set(acme.auth).send({ offlinePeriodDays: 1 }).expect(200);
      const e = await enterprise({ quantity: 1, offlinePeriodDays: 1 });
      expectError(
        await checkout(e.device, {
          licenseId: e.licenseId,
          fingerprint: machine('b'),
          borrowUntil: new Date(Date.now() + 2 * DAY).toISOString(),
        }),
        422,
        'BORROW_TOO_LONG',
      );

      for (const bad of [0, 366, 1.5, 'x']) {
        const refused = await http()
          .patch(`/v1/licenses/${p.licenseId}`)
          .set(acme.auth)
          .send({ offlinePeriodDays: bad });
        expectError(refused, 400, 'VALIDATION_FAILED');
        expect(refused.body.error.details.fields.map((f: { field: string }) => f.field)).toEqual(['offlinePeriodDays']);
      }
      const globex = await createVendor(app, 'Globex');
      await http().patch(`/v1/licenses/${p.licenseId}`).set(globex.auth).send({ offlinePeriodDays: 5 }).expect(404);
    });

    it('attack: 3 offline devices on a 3-device container, forged release codes: no 4th machine; the program’s release or the end of the grant frees a slot', async () => {
      const p = await personal({ quantity: 3 }, 3);
      const programs = [1, 2, 3].map((n) => {
        const fingerprint = machine(`offline-${n}`);
        return {
          fingerprint,
          request: createRequestCode({ kind: 'activate', containerId: p.containerId, fingerprint }),
        };
      });
      for (const program of programs) await submit(p.containerId, { code: program.request.code }).expect(201);
      for (const program of programs) {
        expectError(
          await submit(p.containerId, {
            code: createReleaseCode({ containerId: p.containerId, fingerprint: program.fingerprint }).code,
          }),
          403,
          'RETURN_PROOF_INVALID',
        );
      }
      const fourth = createRequestCode({
        kind: 'activate',
        containerId: p.containerId,
        fingerprint: machine('fourth'),
      });
      expectError(await submit(p.containerId, { code: fourth.code }), 409, 'DEVICE_LIMIT_REACHED');
      // a renewal under another key (an admin's own) cannot take the device over either
      const hijack = createRequestCode({
        kind: 'activate',
        containerId: p.containerId,
        fingerprint: programs[0].fingerprint,
      });
      expectError(await submit(p.containerId, { code: hijack.code }), 403, 'RETURN_PROOF_INVALID');
      // the program's renewal with its own key is fine (same device)
      const renewal = createRequestCode({
        kind: 'activate',
        containerId: p.containerId,
        fingerprint: programs[0].fingerprint,
        returnKey: programs[0].request.returnKey,
      });
      await submit(p.containerId, { code: renewal.code }).expect(201);

      // the program's own release code frees its slot
      const released = await submit(p.containerId, {
        code: createReleaseCode({
          containerId: p.containerId,
          fingerprint: programs[0].fingerprint,
          returnKey: programs[0].request.returnKey,
        }).code,
      }).expect(201);
      expect(released.body.device).toMatchObject({ active: false });
      await submit(p.containerId, { code: fourth.code }).expect(201);

      // the grant of another one runs out: its slot is free without any code
      const parsed = parseRequestCode(programs[1].request.code);
      if (!parsed.ok) throw new Error(parsed.message);
      await prisma.device.updateMany({
        where: { containerId: p.containerId, fingerprint: `offline ${parsed.request.fingerprintDigest}` },
        data: { offlineUntil: new Date(Date.now() - 1000) },
      });
      await submit(p.containerId, {
        code: createRequestCode({ kind: 'activate', containerId: p.containerId, fingerprint: machine('fifth') }).code,
      }).expect(201);
      const active = await http().get(`/v1/containers/${p.containerId}/devices`).set(acme.auth).expect(200);
      expect(active.body.data).toHaveLength(3);
    });
  });
});
