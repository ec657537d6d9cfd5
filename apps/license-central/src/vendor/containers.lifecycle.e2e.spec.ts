import { PrismaService } from '@leasehold/db';
import { createPersonalContainerViaApi, dbOf, expectError, insertGroup, insertUser } from '@leasehold/testing';
import { useContainersApi } from './containers.fixture';

// A container's own life through the vendor API: the kind rules at creation and change, its secret
// (shown once, stored as a hash, reset) and a new user for a container whose user was removed.

describe('containers, licenses and purchases (vendor API)', () => {
  const api = useContainersApi();
  const { events, audits, http } = api;

  it('creates a personal container for a user: secret shown once, only its hash stored, user group filled in', async () => {
    const groupId = await insertGroup(dbOf(api.app), api.acme.vendor.id);
    const userId = await insertUser(dbOf(api.app), api.acme.vendor.id, groupId);
    const res = await http()
      .post('/v1/containers')
      .set(api.acme.auth)
      .send({ kind: 'PERSONAL', name: 'Laptop', userId })
      .expect(201);
    expect(res.body).toMatchObject({
      kind: 'PERSONAL',
      userId,
      groupId,
      deviceLimit: 3,
      credentialVersion: 1,
      accessRevokedAt: null,
    });
    expect(res.body.secret).toMatch(new RegExp(`^lhc_${res.body.credentialPrefix}_`));
    const got = await http().get(`/v1/containers/${res.body.id}`).set(api.acme.auth).expect(200);
    expect(got.body.secret).toBeUndefined();
    const stored = await api.app.get(PrismaService).container.findFirstOrThrow({ where: { id: res.body.id } });
    expect(JSON.stringify(stored)).not.toContain(res.body.secret);
    expect(await events(res.body.id)).toEqual(['container.created']);
    expect(await audits(res.body.id)).toEqual(['container.created']);

    const list = await http().get('/v1/containers').query({ userId }).set(api.acme.auth).expect(200);
    expect(list.body.data.map((c: { id: string }) => c.id)).toEqual([res.body.id]);
  });

  it('enforces the kind rules: PERSONAL needs a user and ≤ 3 devices, ENTERPRISE a group', async () => {
    const userId = await insertUser(dbOf(api.app), api.acme.vendor.id);
    const groupId = await insertGroup(dbOf(api.app), api.acme.vendor.id);
    expectError(
      await http().post('/v1/containers').set(api.acme.auth).send({ kind: 'PERSONAL', name: 'x' }),
      400,
      'VALIDATION_FAILED',
    );
    expectError(
      await http()
        .post('/v1/containers')
        .set(api.acme.auth)
        .send({ kind: 'PERSONAL', name: 'x', userId, deviceLimit: 4 }),
      400,
      'VALIDATION_FAILED',
    );
    expectError(
      await http().post('/v1/containers').set(api.acme.auth).send({ kind: 'ENTERPRISE', name: 'x' }),
      400,
      'VALIDATION_FAILED',
    );
    expectError(
      await http().post('/v1/containers').set(api.acme.auth).send({ kind: 'ENTERPRISE', name: 'x', groupId, userId }),
      400,
      'VALIDATION_FAILED',
    );
    expectError(
      await http().post('/v1/containers').set(api.acme.auth).send({ kind: 'PERSONAL', name: 'x', userId, groupId }),
      409,
      'CONTAINER_KIND_MISMATCH',
    );
    expectError(
      await http()
        .post('/v1/containers')
        .set(api.acme.auth)
        .send({ kind: 'PERSONAL', name: 'x', userId: '0190a000-0000-7000-8000-00000000000a' }),
      404,
      'NOT_FOUND',
    );
    const bad = await http()
      .post('/v1/containers')
      .set(api.acme.auth)
      .send({ kind: 'BOTH', name: '', userId: 'nope', deviceLimit: 0, extra: 1 });
    expectError(bad, 400, 'VALIDATION_FAILED');
    expect(bad.body.error.details.fields.map((f: { field: string }) => f.field).sort()).toEqual([
      'deviceLimit',
      'extra',
      'kind',
      'name',
      'userId',
    ]);
    const ok = await http()
      .post('/v1/containers')
      .set(api.acme.auth)
      .send({ kind: 'PERSONAL', name: 'one device', userId, deviceLimit: 1 })
      .expect(201);
    expect(ok.body.deviceLimit).toBe(1);
    const patched = await http()
      .patch(`/v1/containers/${ok.body.id}`)
      .set(api.acme.auth)
      .send({ name: 'renamed', deviceLimit: 2 })
      .expect(200);
    expect(patched.body).toMatchObject({ name: 'renamed', deviceLimit: 2 });
    expectError(
      await http().patch(`/v1/containers/${ok.body.id}`).set(api.acme.auth).send({ deviceLimit: 5 }),
      400,
      'VALIDATION_FAILED',
    );
    expectError(
      await http().patch(`/v1/containers/${ok.body.id}`).set(api.acme.auth).send({ name: 7 }),
      400,
      'VALIDATION_FAILED',
    );
    expectError(await http().get('/v1/containers/not-a-uuid').set(api.acme.auth), 400, 'VALIDATION_FAILED');
    expectError(await http().get('/v1/containers').query({ kind: 'x' }).set(api.acme.auth), 400, 'VALIDATION_FAILED');
  });

  it('an ENTERPRISE container has no device limit: null in every answer, and setting one is refused', async () => {
    const groupId = await insertGroup(dbOf(api.app), api.acme.vendor.id);
    const created = await http()
      .post('/v1/containers')
      .set(api.acme.auth)
      .send({ kind: 'ENTERPRISE', name: 'Office', groupId })
      .expect(201);
    expect(created.body.deviceLimit).toBeNull();
    expect(
      (await http().get(`/v1/containers/${created.body.id}`).set(api.acme.auth).expect(200)).body.deviceLimit,
    ).toBeNull();
    const refused = await http()
      .post('/v1/containers')
      .set(api.acme.auth)
      .send({ kind: 'ENTERPRISE', name: 'x', groupId, deviceLimit: 3 });
    expectError(refused, 400, 'VALIDATION_FAILED');
    expect(refused.body.error.details.fields.map((f: { field: string }) => f.field)).toEqual(['deviceLimit']);
    expectError(
      await http().patch(`/v1/containers/${created.body.id}`).set(api.acme.auth).send({ deviceLimit: 2 }),
      400,
      'VALIDATION_FAILED',
    );
    expect(
      (await api.app.get(PrismaService).container.findFirstOrThrow({ where: { id: created.body.id } })).deviceLimit,
    ).toBeNull();
    // The database holds the rule too: a PERSONAL container always has a limit, an ENTERPRISE one never.
    await expect(
      api.app.get(PrismaService).container.updateMany({ where: { id: created.body.id }, data: { deviceLimit: 3 } }),
    ).rejects.toThrow();
  });

  it('resets credentials: new secret once, version raised, audited and announced', async () => {
    const c = await createPersonalContainerViaApi(http, dbOf(api.app), api.acme);
    const reset = await http().post(`/v1/containers/${c.containerId}/credentials/reset`).set(api.acme.auth).expect(200);
    expect(reset.body.secret).not.toBe(c.secret);
    expect(reset.body.credentialVersion).toBe(2);
    expect(await events(c.containerId)).toEqual(['container.created', 'container.credentials_reset']);
  });

  // The revocation itself comes from the worker's outbox relay (apps/worker/src/access/user-access.spec.ts).
  it('reassigning a personal container whose user was removed lifts the revocation', async () => {
    const c = await createPersonalContainerViaApi(http, dbOf(api.app), api.acme);
    await api.app.get(PrismaService).container.updateMany({
      where: { id: c.containerId },
      data: { accessRevokedAt: new Date(), accessRevokedReason: 'USER_REMOVED' },
    });
    const got = await http().get(`/v1/containers/${c.containerId}`).set(api.acme.auth).expect(200);
    expect(got.body).toMatchObject({ accessRevokedAt: expect.any(String), accessRevokedReason: 'USER_REMOVED' });
    const newUser = await insertUser(dbOf(api.app), api.acme.vendor.id);
    const reassigned = await http()
      .patch(`/v1/containers/${c.containerId}`)
      .set(api.acme.auth)
      .send({ userId: newUser })
      .expect(200);
    expect(reassigned.body).toMatchObject({ userId: newUser, accessRevokedAt: null, accessRevokedReason: null });
    expect(reassigned.body.revision).toBeGreaterThan(got.body.revision);
  });
});
