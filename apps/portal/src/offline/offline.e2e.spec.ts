import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { PrismaService } from '@leasehold/db';
import { createReleaseCode, createRequestCode, verifyResponseCode } from '@leasehold/license-file';
import { SigningKeysService } from '@leasehold/domain-signing';
import {
  activateDevice,
  asVendor,
  createGroupWithMembers,
  createLicense,
  createPersonalContainer,
  createTestApp,
  createVendor,
  dbOf,
  InsertedProduct,
  insertProduct,
  TestGroup,
  TestVendor,
} from '@leasehold/testing';
import { PortalLicensingTestModule } from '../testing/portal-test-module';
import { PORTAL_API } from '../api-info';

describe('portal: offline activation and update now for group admins (/v1/group/containers/{containerId}/…)', () => {
  let app: INestApplication;
  let acme: TestVendor;
  let product: InsertedProduct;
  let group: TestGroup;
  let otherGroup: TestGroup;
  const http = () => request(app.getHttpServer());
  const machine = (n: string) => `portal-offline-machine-${n}-${Math.random().toString(36).slice(2, 8)}`;

  beforeAll(async () => {
    app = await createTestApp(PortalLicensingTestModule, PORTAL_API);
    acme = await createVendor(app, 'Acme');
    product = await insertProduct(dbOf(app), acme);
    group = await createGroupWithMembers(app, acme, ['ADMIN', 'MEMBER']);
    otherGroup = await createGroupWithMembers(app, acme, ['ADMIN']);
  });
  afterAll(() => app.close());

  /** A personal container of the group's member (so it names the group), with one license. */
  async function groupContainer() {
    const container = await asVendor(app, acme, () => createPersonalContainer(app, acme, group.users[1].id));
    const license = await asVendor(app, acme, () =>
      createLicense(app, acme, container.id, { productId: product.id, quantity: 1 }),
    );
    return { container, license };
  }

  const submit = (auth: { Authorization: string }, containerId: string, body: Record<string, unknown>) =>
    http().post(`/v1/group/containers/${containerId}/offline-activations`).set(auth).send(body);

  it("a group admin turns a request code into a response code for the group's container; a release code frees the slot under the churn rule", async () => {
    const { container, license } = await groupContainer();
    expect(container.groupId).toBe(group.groupId);
    const fingerprint = machine('admin');
    const requestCode = createRequestCode({ kind: 'activate', containerId: container.id, fingerprint });
    const res = await submit(group.users[0].auth, container.id, {
      code: requestCode.code,
      deviceName: 'Lab PC',
    }).expect(201);
    expect(res.body).toMatchObject({
      kind: 'activate',
      licenseId: license.id,
      device: { name: 'Lab PC', method: 'OFFLINE' },
    });

    const keys = await asVendor(app, acme, () => app.get(SigningKeysService).listOwn());
    const verified = verifyResponseCode(res.body.responseCode, {
      publicKeys: Object.fromEntries(keys.map((k) => [k.keyId, k.publicKeyPem])),
      request: requestCode,
      fingerprint,
    });
    expect(verified.ok).toBe(true);

    expect((await submit(group.users[0].auth, container.id, { code: requestCode.code })).body.error.code).toBe(
      'OFFLINE_CODE_ALREADY_USED',
    );
    const released = await submit(group.users[0].auth, container.id, {
      code: createReleaseCode({ containerId: container.id, fingerprint, returnKey: requestCode.returnKey }).code,
    }).expect(201);
    expect(released.body.device).toMatchObject({ active: false, deactivatedBy: 'PORTAL_USER' });
  });

  it("refuses members (403) and other groups' admins (404), and the code is not used up by a refusal", async () => {
    const { container } = await groupContainer();
    const code = createRequestCode({ kind: 'activate', containerId: container.id, fingerprint: machine('scope') }).code;
    const member = await submit(group.users[1].auth, container.id, { code });
    expect([member.status, member.body.error.code]).toEqual([403, 'GROUP_ADMIN_REQUIRED']);
    const outsider = await submit(otherGroup.users[0].auth, container.id, { code });
    expect([outsider.status, outsider.body.error.code]).toEqual([404, 'NOT_FOUND']);
    await submit(group.users[0].auth, container.id, { code }).expect(201);
  });

  it('the device limit counts online and offline devices together', async () => {
    const { container } = await groupContainer();
    for (const n of [1, 2, 3])
      await asVendor(app, acme, () =>
        activateDevice(app, acme, container.id, `online-fingerprint-${n}-${Math.random()}`),
      );
    const full = await submit(group.users[0].auth, container.id, {
      code: createRequestCode({ kind: 'activate', containerId: container.id, fingerprint: machine('full') }).code,
    });
    expect([full.status, full.body.error.code]).toEqual([409, 'DEVICE_LIMIT_REACHED']);
  });

  it("update now: 202 for the group's container (its revision rises, persisted), 404 for another group's", async () => {
    const { container } = await groupContainer();
    const res = await http()
      .post(`/v1/group/containers/${container.id}/update-now`)
      .set(group.users[0].auth)
      .expect(202);
    expect(res.body).toEqual({ containerId: container.id, revision: 2 });
    expect(
      (await http().post(`/v1/group/containers/${container.id}/update-now`).set(otherGroup.users[0].auth)).status,
    ).toBe(404);
    expect((await http().post(`/v1/group/containers/${container.id}/update-now`).set(group.users[1].auth)).status).toBe(
      403,
    );
    // Neither refusal raised it.
    expect((await app.get(PrismaService).container.findFirstOrThrow({ where: { id: container.id } })).revision).toBe(1);
  });
});
