import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { ConfigService } from '@leasehold/config';
import { PrismaService, TenantContext } from '@leasehold/db';
import { decryptPrivateKey, SigningKeysService } from '@leasehold/domain-signing';
import { openEnvelope } from '@leasehold/license-file';
import { createTestApp, createVendor, expectError, TestVendor } from '@leasehold/testing';
import { LICENSE_CENTRAL_API } from '../api-info';
import { AppModule } from '../app.module';

describe('signing keys', () => {
  let app: INestApplication;
  let acme: TestVendor;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    app = await createTestApp(AppModule, LICENSE_CENTRAL_API);
    acme = await createVendor(app, 'Acme');
  });
  afterAll(() => app.close());

  it('creates a key pair with the vendor, private half encrypted with the platform key', async () => {
    const res = await http().get('/v1/signing-keys').set(acme.auth).expect(200);
    expect(res.body.data).toHaveLength(1);
    expect(res.body.data[0]).toMatchObject({
      algorithm: 'Ed25519',
      retiredAt: null,
      keyId: expect.stringMatching(/^[0-9a-f]{16}$/),
    });
    expect(res.body.data[0].publicKeyPem).toContain('BEGIN PUBLIC KEY');
    expect(JSON.stringify(res.body)).not.toContain('PRIVATE');

    const [stored] = await app.get(PrismaService).signingKey.findMany({ where: { vendorId: acme.vendor.id } });
    expect(stored.encryptedPrivateKey).not.toContain('PRIVATE KEY');
    const platformKey = Buffer.from(app.get(ConfigService).get('PLATFORM_KEY'), 'base64');
    expect(decryptPrivateKey(platformKey, stored.encryptedPrivateKey, acme.vendor.id, stored.keyId)).toContain(
      'BEGIN PRIVATE KEY',
    );
  });

  it('serves the public keys without credentials; unknown vendor 404, malformed id 400', async () => {
    const own = await http().get('/v1/signing-keys').set(acme.auth).expect(200);
    const pub = await http().get(`/client/v1/vendors/${acme.vendor.id}/signing-keys`).expect(200);
    expect(pub.body).toEqual(own.body);
    expectError(
      await http().get('/client/v1/vendors/0190a000-0000-7000-8000-00000000000a/signing-keys'),
      404,
      'NOT_FOUND',
    );
    expectError(await http().get('/client/v1/vendors/nope/signing-keys'), 400, 'VALIDATION_FAILED');
    expectError(await http().get('/v1/signing-keys'), 401, 'UNAUTHENTICATED');
  });

  it('rotates: the new key signs, the old one is retired but still listed for verification', async () => {
    const vendor = await createVendor(app);
    const before = (await http().get('/v1/signing-keys').set(vendor.auth).expect(200)).body.data[0];
    const rotated = await http().post('/v1/signing-keys/rotate').set(vendor.auth).expect(200);
    expect(rotated.body.keyId).not.toBe(before.keyId);
    const after = (await http().get(`/client/v1/vendors/${vendor.vendor.id}/signing-keys`).expect(200)).body.data;
    expect(after.map((k: { keyId: string }) => k.keyId)).toEqual([rotated.body.keyId, before.keyId]);
    expect(after[1].retiredAt).not.toBeNull();
    expect(after[0].retiredAt).toBeNull();

    const envelope = await app
      .get(TenantContext)
      .run(vendor.vendor.id, () => app.get(SigningKeysService).sign('leasehold-test', { hello: 1 }));
    expect(envelope.keyId).toBe(rotated.body.keyId);
    const keys = Object.fromEntries(
      after.map((k: { keyId: string; publicKeyPem: string }) => [k.keyId, k.publicKeyPem]),
    );
    expect(openEnvelope(envelope, 'leasehold-test', keys)).toEqual({
      ok: true,
      payload: { hello: 1 },
      keyId: rotated.body.keyId,
    });
  });

  it('concurrent rotations leave exactly one active key', async () => {
    const vendor = await createVendor(app);
    await Promise.all(
      Array.from({ length: 8 }, () => http().post('/v1/signing-keys/rotate').set(vendor.auth).expect(200)),
    );
    const keys = (await http().get('/v1/signing-keys').set(vendor.auth).expect(200)).body.data as {
      retiredAt: string | null;
    }[];
    expect(keys).toHaveLength(9);
    expect(keys.filter((k) => k.retiredAt === null)).toHaveLength(1);
  });

  it('a vendor without a key (made before keys existed) gets exactly one on first use, even when asked concurrently', async () => {
    const vendor = await createVendor(app);
    await app.get(PrismaService).signingKey.deleteMany({ where: { vendorId: vendor.vendor.id } });
    const service = app.get(SigningKeysService);
    const tenant = app.get(TenantContext);
    const keys = await Promise.all(
      Array.from({ length: 6 }, () => tenant.run(vendor.vendor.id, () => service.activeKey())),
    );
    expect(new Set(keys.map((k) => k.keyId)).size).toBe(1);
    expect(await app.get(PrismaService).signingKey.count({ where: { vendorId: vendor.vendor.id } })).toBe(1);
  });
});
