import { PrismaService } from '@leasehold/db';
import {
  activateDevice,
  createEnterpriseContainer,
  createGroupWithMembers,
  createLicense,
  createPersonalContainer,
} from '@leasehold/testing';
import { usePortalLicensing } from '../testing/portal-licensing';

describe('portal devices (group admins deactivate in their group, users their own)', () => {
  const portal = usePortalLicensing();
  const { http } = portal;

  /** Group A: an admin and two members with a laptop container each (two devices on the first). */
  async function world(options: { churn?: number } = {}) {
    const a = await createGroupWithMembers(portal.app, portal.acme, ['ADMIN', 'MEMBER', 'MEMBER']);
    const [admin, ann, ben] = a.users;
    const annLaptop = await createPersonalContainer(portal.app, portal.acme, ann.id);
    await createLicense(portal.app, portal.acme, annLaptop.id, {
      productId: portal.product.id,
      quantity: 1,
      maxDeactivationsPer30Days: options.churn ?? 5,
    });
    const benLaptop = await createPersonalContainer(portal.app, portal.acme, ben.id);
    const annOffice = await activateDevice(portal.app, portal.acme, annLaptop.id, 'fp-office', 'Office PC');
    const annHome = await activateDevice(portal.app, portal.acme, annLaptop.id, 'fp-home', 'Home PC');
    const benDevice = await activateDevice(portal.app, portal.acme, benLaptop.id, 'fp-ben', 'Ben PC');
    return { a, admin, ann, ben, annLaptop, benLaptop, annOffice, annHome, benDevice };
  }

  const device = (id: string) => portal.app.get(PrismaService).device.findFirstOrThrow({ where: { id } });

  it('lets a user list their own devices and deactivate one (freeing the slot), audited as them', async () => {
    const w = await world();
    const mine = await http().get('/v1/me/devices').set(w.ann.auth).expect(200);
    expect(mine.body.data.map((d: { id: string }) => d.id).sort()).toEqual([w.annOffice.id, w.annHome.id].sort());
    expect(mine.body.data.find((d: { id: string }) => d.id === w.annHome.id)).toMatchObject({
      containerId: w.annLaptop.id,
      name: 'Home PC',
      fingerprint: 'fp-home',
      platform: 'linux',
      method: 'ONLINE',
      active: true,
      deactivatedBy: null,
    });
    const page1 = await http().get('/v1/me/devices').query({ limit: 1 }).set(w.ann.auth).expect(200);
    const page2 = await http()
      .get('/v1/me/devices')
      .query({ limit: 1, cursor: page1.body.nextCursor })
      .set(w.ann.auth)
      .expect(200);
    expect(page2.body.nextCursor).toBeNull();
    expect([page1.body.data[0].id, page2.body.data[0].id].sort()).toEqual([w.annOffice.id, w.annHome.id].sort());

    // The container is full (3 of 3) until a device is deactivated.
    const third = await activateDevice(portal.app, portal.acme, w.annLaptop.id, 'fp-third');
    await expect(activateDevice(portal.app, portal.acme, w.annLaptop.id, 'fp-new')).rejects.toMatchObject({
      code: 'DEVICE_LIMIT_REACHED',
    });
    const res = await http().post(`/v1/me/devices/${w.annHome.id}/deactivate`).set(w.ann.auth).expect(200);
    expect(res.body).toMatchObject({ id: w.annHome.id, active: false, deactivatedBy: 'PORTAL_USER' });
    expect((await device(w.annHome.id)).deactivatedAt).not.toBeNull();
    const after = await http().get('/v1/me/devices').set(w.ann.auth).expect(200);
    expect(after.body.data.map((d: { id: string }) => d.id).sort()).toEqual([w.annOffice.id, third.id].sort());
    const history = await http().get('/v1/me/devices').query({ includeInactive: 'true' }).set(w.ann.auth).expect(200);
    expect(history.body.data).toHaveLength(3);
    // The freed slot takes a new device (a transfer).
    await activateDevice(portal.app, portal.acme, w.annLaptop.id, 'fp-new');

    const again = await http().post(`/v1/me/devices/${w.annHome.id}/deactivate`).set(w.ann.auth).expect(409);
    expect(again.body.error.code).toBe('DEVICE_ALREADY_DEACTIVATED');
    const trail = await portal.auditTrail(w.admin, 'device', w.annHome.id);
    expect(trail.find((e) => e.action === 'device.deactivated')).toMatchObject({
      actorType: 'PORTAL_USER',
      actorId: w.ann.id,
      groupId: w.a.groupId,
    });
  });

  it("keeps users to their own devices: another member's, the group's or another vendor's device is not found", async () => {
    const w = await world();
    const o = await createGroupWithMembers(portal.app, portal.other, ['ADMIN', 'MEMBER']);
    const oLaptop = await createPersonalContainer(portal.app, portal.other, o.users[1].id);
    const oDevice = await activateDevice(portal.app, portal.other, oLaptop.id, 'fp-o');
    expect(
      (await http().get('/v1/me/devices').set(w.ben.auth).expect(200)).body.data.map((d: { id: string }) => d.id),
    ).toEqual([w.benDevice.id]);
    // The admin has no personal devices: the group's devices are not "theirs".
    expect((await http().get('/v1/me/devices').set(w.admin.auth).expect(200)).body.data).toEqual([]);
    for (const [user, target] of [
      [w.ben, w.annHome.id],
      [w.admin, w.annHome.id],
      [w.ann, oDevice.id],
      [o.users[1], w.annHome.id],
    ] as const) {
      const res = await http().post(`/v1/me/devices/${target}/deactivate`).set(user.auth);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    }
    expect((await device(w.annHome.id)).deactivatedAt).toBeNull();
    expect((await device(oDevice.id)).deactivatedAt).toBeNull();
    // Members may not use the group route, even for their own device.
    const member = await http().post(`/v1/group/devices/${w.annHome.id}/deactivate`).set(w.ann.auth).expect(403);
    expect(member.body.error.code).toBe('GROUP_ADMIN_REQUIRED');
  });

  it("lets a group admin deactivate any device of the group's containers, and only those", async () => {
    const w = await world();
    const b = await createGroupWithMembers(portal.app, portal.acme, ['ADMIN', 'MEMBER']);
    const bLaptop = await createPersonalContainer(portal.app, portal.acme, b.users[1].id);
    const bDevice = await activateDevice(portal.app, portal.acme, bLaptop.id, 'fp-b');
    const o = await createGroupWithMembers(portal.app, portal.other, ['ADMIN', 'MEMBER']);
    const oLaptop = await createPersonalContainer(portal.app, portal.other, o.users[1].id);
    const oDevice = await activateDevice(portal.app, portal.other, oLaptop.id, 'fp-o');

    const res = await http().post(`/v1/group/devices/${w.benDevice.id}/deactivate`).set(w.admin.auth).expect(200);
    expect(res.body).toMatchObject({ id: w.benDevice.id, active: false, deactivatedBy: 'PORTAL_USER' });
    const trail = await portal.auditTrail(w.admin, 'device', w.benDevice.id);
    expect(trail.find((e) => e.action === 'device.deactivated')).toMatchObject({
      actorType: 'PORTAL_USER',
      actorId: w.admin.id,
    });

    for (const [admin, target] of [
      [w.admin, bDevice.id],
      [w.admin, oDevice.id],
      [b.users[0], w.annHome.id],
      [o.users[0], w.annHome.id],
    ] as const) {
      const denied = await http().post(`/v1/group/devices/${target}/deactivate`).set(admin.auth);
      expect(denied.status).toBe(404);
      expect(denied.body.error.code).toBe('NOT_FOUND');
    }
    for (const id of [bDevice.id, oDevice.id, w.annHome.id]) expect((await device(id)).deactivatedAt).toBeNull();
    const missing = await http()
      .post('/v1/group/devices/0190a000-0000-7000-8000-00000000000a/deactivate')
      .set(w.admin.auth)
      .expect(404);
    expect(missing.body.error.code).toBe('NOT_FOUND');
    // An ENTERPRISE container has no devices to deactivate, but is listed as empty.
    const server = await createEnterpriseContainer(portal.app, portal.acme, w.a.groupId);
    expect(
      (await http().get(`/v1/group/containers/${server.id}/devices`).set(w.admin.auth).expect(200)).body.data,
    ).toEqual([]);
  });

  it('applies the churn limit of the license to portal deactivations (409 with retryAfter in the body, no Retry-After header)', async () => {
    const w = await world({ churn: 1 });
    await http().post(`/v1/me/devices/${w.annHome.id}/deactivate`).set(w.ann.auth).expect(200);
    const limited = await http().post(`/v1/group/devices/${w.annOffice.id}/deactivate`).set(w.admin.auth).expect(409);
    expect(limited.body.error.code).toBe('ACTIVATION_CHURN_LIMIT');
    expect(limited.headers['retry-after']).toBeUndefined();
    expect(limited.body.error.details).toMatchObject({ limit: 1, used: 1 });
    expect(limited.body.error.details.retryAfter).toBeGreaterThan(29 * 86_400);
    expect((await device(w.annOffice.id)).deactivatedAt).toBeNull();
  });

  it('lets exactly one of a user and their admin deactivating the same device at once succeed', async () => {
    for (let round = 0; round < 3; round++) {
      const w = await world();
      const results = await Promise.all([
        http().post(`/v1/me/devices/${w.annOffice.id}/deactivate`).set(w.ann.auth),
        http().post(`/v1/group/devices/${w.annOffice.id}/deactivate`).set(w.admin.auth),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
      expect(results.find((r) => r.status === 409)!.body.error.code).toBe('DEVICE_ALREADY_DEACTIVATED');
      const events = await portal.app
        .get(PrismaService)
        .domainEvent.count({ where: { aggregateId: w.annOffice.id, type: 'device.deactivated' } });
      expect(events).toBe(1);
    }
  });

  it("attack: an admin cannot free an offline device's slot server-side (403 RETURN_PROOF_INVALID); it is free once its grant ends", async () => {
    const w = await world();
    const prisma = portal.app.get(PrismaService);
    // Ann's laptop container holds 2 online devices; a third runs offline on a 30-day grant.
    const offline = await prisma.device.create({
      data: {
        vendorId: portal.acme.vendor.id,
        containerId: w.annLaptop.id,
        fingerprint: 'offline 00112233445566778899aabbccddeeff',
        activeFingerprint: 'offline 00112233445566778899aabbccddeeff',
        name: 'Test bench',
        method: 'OFFLINE',
        offlineUntil: new Date(Date.now() + 30 * 86_400_000),
        returnKeyHash: 'n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg',
      },
    });
    for (const who of [w.admin, w.ann]) {
      const path =
        who === w.admin ? `/v1/group/devices/${offline.id}/deactivate` : `/v1/me/devices/${offline.id}/deactivate`;
      const res = await http().post(path).set(who.auth).expect(403);
      expect(res.body.error).toMatchObject({
        code: 'RETURN_PROOF_INVALID',
        details: { deviceId: offline.id, earlyReturnPossible: true },
      });
    }
    expect(await device(offline.id)).toMatchObject({ deactivatedAt: null });
    // Once the grant ran out the slot is free: a new activation takes it, and the device is deactivated by SYSTEM.
    await prisma.device.updateMany({ where: { id: offline.id }, data: { offlineUntil: new Date(Date.now() - 1000) } });
    await activateDevice(portal.app, portal.acme, w.annLaptop.id, 'fp-new-laptop', 'New laptop');
    expect(await device(offline.id)).toMatchObject({ deactivatedBy: 'SYSTEM', activeFingerprint: null });
  });

  it('refuses bad input with VALIDATION_FAILED', async () => {
    const w = await world();
    for (const res of [
      await http().post('/v1/me/devices/not-a-uuid/deactivate').set(w.ann.auth),
      await http().post('/v1/group/devices/123/deactivate').set(w.admin.auth),
      await http().get('/v1/me/devices').query({ includeInactive: 'yes' }).set(w.ann.auth),
      await http().get('/v1/me/devices').query({ limit: 'many' }).set(w.ann.auth),
    ]) {
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
    }
    expect((await http().get('/v1/me/devices').expect(401)).body.error.code).toBe('UNAUTHENTICATED');
  });
});
