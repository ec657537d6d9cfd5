// A license cannot be multiplied at its edges. Each test replays an exploit as a customer would run it
// against the built app (a group admin carrying codes: offline grants without end, forged release
// codes, offline devices beside online ones) and checks that it no longer yields more running machines
// than the license has.
import {
  createReleaseCode,
  createRequestCode,
  parseRequestCode,
  verifyLicenseFile,
  verifyResponseCode,
} from '@leasehold/license-file';
import { createVendor, expectError } from '@leasehold/testing';
import { DAY, useLicenseEdgesWorld } from './license-edges.fixture';

describe('no license multiplied at its edges (validate, borrow returns, offline grants)', () => {
  const world = useLicenseEdgesWorld();
  const { http, machine, publicKeys, enterprise, personal, validate, checkout, licenseFile, submit } = world;

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
      /** Another offline machine's activation request, submitted in the portal. */
      const activateOffline = (name: string) =>
        submit(p.containerId, {
          code: createRequestCode({ kind: 'activate', containerId: p.containerId, fingerprint: machine(name) }).code,
        });
      // the one seat runs offline: the online device cannot check out, so it never validates
      expectError(await checkout(p.device, { licenseId: p.licenseId, fingerprint: online }), 409, 'NO_SEAT_AVAILABLE');
      expect(await validate(p.device, online)).toMatchObject({
        code: 'CHECKOUT_REQUIRED',
        availability: { quantity: 1, inUse: 1, available: 0 },
      });
      // nor can a second offline machine be added while the first one's grant runs
      expectError(await activateOffline('offline-2'), 409, 'NO_SEAT_AVAILABLE');
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
      expectError(await activateOffline('offline-3'), 409, 'NO_SEAT_AVAILABLE');
    });

    it('the vendor sets the offline period per license; it bounds offline grants, borrows and license files (refreshBy)', async () => {
      const p = await personal({ quantity: 3, offlinePeriodDays: 2 });
      expect(
        (await http().get(`/v1/licenses/${p.licenseId}`).set(world.acme.auth).expect(200)).body.offlinePeriodDays,
      ).toBe(2);
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

      await http().patch(`/v1/licenses/${p.licenseId}`).set(world.acme.auth).send({ offlinePeriodDays: 1 }).expect(200);
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
          .set(world.acme.auth)
          .send({ offlinePeriodDays: bad });
        expectError(refused, 400, 'VALIDATION_FAILED');
        expect(refused.body.error.details.fields.map((f: { field: string }) => f.field)).toEqual(['offlinePeriodDays']);
      }
      const globex = await createVendor(world.app, 'Globex');
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
      await world.prisma.device.updateMany({
        where: { containerId: p.containerId, fingerprint: `offline ${parsed.request.fingerprintDigest}` },
        data: { offlineUntil: new Date(Date.now() - 1000) },
      });
      await submit(p.containerId, {
        code: createRequestCode({ kind: 'activate', containerId: p.containerId, fingerprint: machine('fifth') }).code,
      }).expect(201);
      const active = await http().get(`/v1/containers/${p.containerId}/devices`).set(world.acme.auth).expect(200);
      expect(active.body.data).toHaveLength(3);
    });
  });
});
