// A license cannot be multiplied at its edges. Each test replays an exploit as a customer would run it
// against the built app (one container secret on more machines than the license has seats) and checks
// that it no longer yields more running machines than the license has.
import { verifyLicenseFile } from '@leasehold/license-file';
import { expectError } from '@leasehold/testing';
import { useLicenseEdgesWorld } from './license-edges.fixture';

describe('no license multiplied at its edges (validate, borrow returns, offline grants)', () => {
  const world = useLicenseEdgesWorld();
  const { http, machine, publicKeys, enterprise, personal, validate, checkout, licenseFile } = world;

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
});
