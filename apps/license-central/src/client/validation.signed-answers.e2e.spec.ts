import { PrismaService } from '@leasehold/db';
import { openEnvelope } from '@leasehold/license-file';
import { createProductViaApi, expectError } from '@leasehold/testing';
import { FP, useValidationWorld } from './validation.fixture';

describe('validation (client API): codes, signed answers', () => {
  const world = useValidationWorld();
  const { http, personalWithLicense, validate, publicKeys, vendorWithLicense } = world;

  it('VALID: features, validity and revision, signed with the vendor key (payload = the answer without the envelope)', async () => {
    const c = await personalWithLicense({ expiresAt: '2099-01-01T00:00:00.000Z' });
    const answer = await validate(c.device, { feature: 'export-pdf', nonce: 'n-123' });
    expect(answer).toMatchObject({
      code: 'VALID',
      valid: true,
      vendorId: world.acme.vendor.id,
      containerId: c.containerId,
      fingerprint: FP,
      feature: 'export-pdf',
      nonce: 'n-123',
      license: {
        id: c.licenseId,
        product: world.product.code,
        features: ['export-pdf'],
        quantity: 1,
        status: 'ACTIVE',
        expiresAt: '2099-01-01T00:00:00.000Z',
        revision: 1,
      },
    });
    const opened = openEnvelope(answer.envelope, 'leasehold-validation', await publicKeys(world.acme.vendor.id));
    expect(opened.ok).toBe(true);
    const { envelope, ...clear } = answer;
    expect(envelope.format).toBe('leasehold-validation/1');
    expect(opened.ok && opened.payload).toEqual(clear);
    // tampering with the payload breaks the signature
    const forged = {
      ...envelope,
      payload: Buffer.from(
        JSON.stringify({ ...clear, code: 'VALID', license: { ...clear.license, quantity: 99 } }),
      ).toString('base64url'),
    };
    expect(openEnvelope(forged, 'leasehold-validation', await publicKeys(world.acme.vendor.id))).toEqual({
      ok: false,
      reason: 'BAD_SIGNATURE',
    });
  });

  it('answers the container revision and updateAvailable (signed): a vendor change makes the old revision stale; the product filter does not narrow it', async () => {
    const c = await personalWithLicense();
    const first = await validate(c.device, { knownRevision: 1 });
    expect(first).toMatchObject({ code: 'VALID', revision: 1, updateAvailable: false });
    // without knownRevision (or null) the program is told the revision but never that an update is available
    expect(await validate(c.device)).toMatchObject({ revision: 1, updateAvailable: false });
    expect(await validate(c.device, { knownRevision: null })).toMatchObject({ revision: 1, updateAvailable: false });

    await http()
      .patch(`/v1/licenses/${c.licenseId}`)
      .set(world.acme.auth)
      .send({ quantity: 3, features: ['export-pdf', 'print'] })
      .expect(200);
    const stale = await validate(c.device, { knownRevision: 1, nonce: 'after-change' });
    expect(stale).toMatchObject({
      code: 'VALID',
      revision: 2,
      updateAvailable: true,
      license: { quantity: 3, features: ['export-pdf', 'print'], revision: 2 },
    });
    const opened = openEnvelope(stale.envelope, 'leasehold-validation', await publicKeys(world.acme.vendor.id));
    expect(opened.ok && opened.payload).toMatchObject({ revision: 2, updateAvailable: true, nonce: 'after-change' });
    expect(await validate(c.device, { knownRevision: 2 })).toMatchObject({ revision: 2, updateAvailable: false });

    // the container revision is the sum over all its licenses, as GET /client/v1/updates answers
    const other = await createProductViaApi(http, world.acme);
    await http()
      .post(`/v1/containers/${c.containerId}/licenses`)
      .set(world.acme.auth)
      .send({ productId: other.productId, quantity: 1 })
      .expect(201);
    expect(await validate(c.device, { knownRevision: 2, product: world.product.code })).toMatchObject({
      license: { id: c.licenseId, revision: 2 },
      revision: 3,
      updateAvailable: true,
    });
    expect(
      (await http().get('/client/v1/updates').query({ knownRevision: 0, wait: 0 }).set(c.device).expect(200)).body
        .revision,
    ).toBe(3);

    for (const knownRevision of [-1, 1.5, '3', 2_147_483_648, true]) {
      const res = await http().post('/client/v1/validate').set(c.device).send({ fingerprint: FP, knownRevision });
      expectError(res, 400, 'VALIDATION_FAILED');
      expect(res.body.error.details.fields.map((f: { field: string }) => f.field)).toEqual(['knownRevision']);
    }
  });

  it('signs with the new key after a rotation; the old key still verifies old answers', async () => {
    const { vendor, container: c } = await vendorWithLicense();
    const before = await validate(c.device);
    const rotated = (await http().post('/v1/signing-keys/rotate').set(vendor.auth).expect(200)).body;
    const after = await validate(c.device);
    expect(after.envelope.keyId).toBe(rotated.keyId);
    expect(before.envelope.keyId).not.toBe(rotated.keyId);
    const keys = await publicKeys(vendor.vendor.id);
    expect(openEnvelope(before.envelope, 'leasehold-validation', keys).ok).toBe(true);
    expect(openEnvelope(after.envelope, 'leasehold-validation', keys).ok).toBe(true);
  });

  it('a vendor whose key is missing still gets a signed answer (key made on first use)', async () => {
    const { vendor, container: c } = await vendorWithLicense();
    await world.app.get(PrismaService).signingKey.deleteMany({ where: { vendorId: vendor.vendor.id } });
    const answer = await validate(c.device);
    expect(openEnvelope(answer.envelope, 'leasehold-validation', await publicKeys(vendor.vendor.id)).ok).toBe(true);
  });
});
