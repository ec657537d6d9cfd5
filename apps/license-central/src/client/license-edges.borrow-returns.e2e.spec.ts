// A license cannot be multiplied at its edges. Each test replays an exploit as a customer would run it
// against the built app (a borrowed seat freed early without the program's proof: online with the
// container secret, offline as a group admin carrying codes) and checks that it no longer yields more
// running machines than the license has.
import { createHash, randomBytes } from 'node:crypto';
import { createReleaseCode, createRequestCode, returnKeyHashOf, verifyResponseCode } from '@leasehold/license-file';
import { expectError } from '@leasehold/testing';
import { DAY, useLicenseEdgesWorld } from './license-edges.fixture';

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
  const world = useLicenseEdgesWorld();
  const { http, machine, publicKeys, enterprise, checkout, licenseFile, submit } = world;

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
      expect(await world.prisma.seatLease.count({ where: { licenseId: e.licenseId, endedAt: null } })).toBe(1);
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
});
