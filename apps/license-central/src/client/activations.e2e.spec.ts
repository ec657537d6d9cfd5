import { TenantContext } from '@leasehold/db';
import { DevicesService } from '@leasehold/domain-licensing';
import { createVendor, expectError } from '@leasehold/testing';
import { ClientApiWorld, useClientApiWorld } from './client-api.fixture';

describe('device activation (client API)', () => {
  const world = useClientApiWorld(new ClientApiWorld());
  const { http, personalContainer, enterpriseContainer, addLicense } = world;
  const fp = (n: number | string) => `fingerprint-${n}-${Math.random().toString(36).slice(2, 8)}`;

  const activeCount = (containerId: string) =>
    world.prisma.device.count({ where: { containerId, deactivatedAt: null } });

  it('50 parallel activations of distinct fingerprints through HTTP: exactly 3 succeed, the rest DEVICE_LIMIT_REACHED', async () => {
    const c = await personalContainer();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        http()
          .post('/client/v1/activations')
          .set(c.device)
          .send({ fingerprint: fp(i), name: `Device ${i}` }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(3);
    const refused = results.filter((r) => r.status !== 201);
    expect(refused).toHaveLength(47);
    for (const r of refused) expectError(r, 409, 'DEVICE_LIMIT_REACHED');
    const names = results
      .filter((r) => r.status === 201)
      .map((r) => r.body.name)
      .sort();
    expect(refused[0].body.error.details.activeDevices.map((d: { name: string }) => d.name).sort()).toEqual(names);
    expect(await activeCount(c.containerId)).toBe(3);
  });

  it('50 parallel activations through the service: exactly the device limit (2) succeed', async () => {
    const c = await personalContainer({ deviceLimit: 2 });
    const service = world.app.get(DevicesService);
    const tenant = world.app.get(TenantContext);
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) =>
        tenant.run(world.acme.vendor.id, () => service.activate(c.containerId, { fingerprint: fp(i), name: `D${i}` })),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    const reasons = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as { code: string }).code] : []));
    expect(new Set(reasons)).toEqual(new Set(['DEVICE_LIMIT_REACHED']));
    expect(await activeCount(c.containerId)).toBe(2);
  });

  it('the same fingerprint repeated (also in parallel) is one device: 201 once, then 200 with the same id', async () => {
    const c = await personalContainer();
    const fingerprint = fp('same');
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        http().post('/client/v1/activations').set(c.device).send({ fingerprint, name: 'Laptop' }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect(await activeCount(c.containerId)).toBe(1);
    const events = await world.prisma.domainEvent.findMany({ where: { aggregateId: results[0].body.id } });
    expect(events.map((e) => e.type)).toEqual(['device.activated']);
  });

  it('transfer: deactivate the old device (by the program), then the new one fits; vendor lists and deactivates', async () => {
    const c = await personalContainer({ deviceLimit: 1 });
    const old = fp('old');
    const dev = await http()
      .post('/client/v1/activations')
      .set(c.device)
      .send({ fingerprint: old, name: 'Old PC', platform: 'windows-x64' })
      .expect(201);
    expectError(
      await http()
        .post('/client/v1/activations')
        .set(c.device)
        .send({ fingerprint: fp('new'), name: 'New PC' }),
      409,
      'DEVICE_LIMIT_REACHED',
    );
    const off = await http()
      .delete(`/client/v1/activations/${encodeURIComponent(old)}`)
      .set(c.device)
      .expect(200);
    expect(off.body).toMatchObject({ id: dev.body.id, active: false, deactivatedBy: 'DEVICE' });
    expectError(
      await http()
        .delete(`/client/v1/activations/${encodeURIComponent(old)}`)
        .set(c.device),
      404,
      'NOT_FOUND',
    );
    const fresh = await http()
      .post('/client/v1/activations')
      .set(c.device)
      .send({ fingerprint: fp('new2'), name: 'New PC' })
      .expect(201);

    const listed = await http().get(`/v1/containers/${c.containerId}/devices`).set(world.acme.auth).expect(200);
    expect(listed.body.data.map((d: { id: string }) => d.id)).toEqual([fresh.body.id]);
    const all = await http()
      .get(`/v1/containers/${c.containerId}/devices`)
      .query({ includeInactive: true })
      .set(world.acme.auth)
      .expect(200);
    expect(all.body.data).toHaveLength(2);

    const byVendor = await http().post(`/v1/devices/${fresh.body.id}/deactivate`).set(world.acme.auth).expect(200);
    expect(byVendor.body).toMatchObject({ active: false, deactivatedBy: 'VENDOR_KEY' });
    expectError(
      await http().post(`/v1/devices/${fresh.body.id}/deactivate`).set(world.acme.auth),
      409,
      'DEVICE_ALREADY_DEACTIVATED',
    );
    // the same fingerprint may come back after deactivation (a new activation, history kept)
    await http()
      .post('/client/v1/activations')
      .set(c.device)
      .send({ fingerprint: old, name: 'Old PC again' })
      .expect(201);
  });

  it('churn limit: the program may deactivate at most maxDeactivationsPer30Days times (409, retryAfter in the body, no Retry-After header); the vendor is not limited', async () => {
    const c = await personalContainer();
    await addLicense(c.containerId, { maxDeactivationsPer30Days: 2 });
    for (let i = 0; i < 2; i++) {
      const f = fp(`churn${i}`);
      await http().post('/client/v1/activations').set(c.device).send({ fingerprint: f, name: 'PC' }).expect(201);
      await http().post('/client/v1/activations/deactivate').set(c.device).send({ fingerprint: f }).expect(200);
    }
    const f = fp('churn-last');
    const dev = await http()
      .post('/client/v1/activations')
      .set(c.device)
      .send({ fingerprint: f, name: 'PC' })
      .expect(201);
    const refused = await http().post('/client/v1/activations/deactivate').set(c.device).send({ fingerprint: f });
    // 409, not 429: "not allowed now", not "slow down"; a client that honours Retry-After must not wait 30 days.
    expectError(refused, 409, 'ACTIVATION_CHURN_LIMIT');
    expect(refused.body.error.details).toMatchObject({ limit: 2, used: 2, retryAfter: expect.any(Number) });
    expect(refused.body.error.details.retryAfter).toBeGreaterThan(29 * 24 * 3600);
    expect(refused.headers['retry-after']).toBeUndefined();
    await http().post(`/v1/devices/${dev.body.id}/deactivate`).set(world.acme.auth).expect(200);
  });

  it('credential reset: the old secret is refused at once (CREDENTIALS_REVOKED); the device re-links with the new one and keeps its activation', async () => {
    const c = await personalContainer();
    const f = fp('relink');
    const dev = await http()
      .post('/client/v1/activations')
      .set(c.device)
      .send({ fingerprint: f, name: 'Laptop' })
      .expect(201);
    const reset = await http()
      .post(`/v1/containers/${c.containerId}/credentials/reset`)
      .set(world.acme.auth)
      .expect(200);
    expectError(
      await http().post('/client/v1/activations').set(c.device).send({ fingerprint: f, name: 'Laptop' }),
      401,
      'CREDENTIALS_REVOKED',
    );
    expectError(
      await http().post('/client/v1/validate').set(c.device).send({ fingerprint: f }),
      401,
      'CREDENTIALS_REVOKED',
    );
    const relinked = await http()
      .post('/client/v1/activations')
      .set({ Authorization: `Bearer ${reset.body.secret}` })
      .send({ fingerprint: f, name: 'Laptop' })
      .expect(200);
    expect(relinked.body.id).toBe(dev.body.id);
    expect(await activeCount(c.containerId)).toBe(1);
  });

  it('authentication: none, malformed, unknown, a vendor key instead of a container secret', async () => {
    expectError(
      await http()
        .post('/client/v1/activations')
        .send({ fingerprint: fp(1), name: 'x' }),
      401,
      'UNAUTHENTICATED',
    );
    expectError(
      await http()
        .post('/client/v1/activations')
        .set({ Authorization: 'Bearer nope' })
        .send({ fingerprint: fp(1), name: 'x' }),
      401,
      'CREDENTIALS_INVALID',
    );
    const unknown = `lhc_abcdefghijkl_${'A'.repeat(43)}`;
    expectError(
      await http()
        .post('/client/v1/activations')
        .set({ Authorization: `Bearer ${unknown}` })
        .send({ fingerprint: fp(1), name: 'x' }),
      401,
      'CREDENTIALS_INVALID',
    );
    expectError(
      await http()
        .post('/client/v1/activations')
        .set(world.acme.auth)
        .send({ fingerprint: fp(1), name: 'x' }),
      401,
      'CREDENTIALS_INVALID',
    );
    const c = await personalContainer();
    expectError(await http().get('/v1/containers').set(c.device), 401, 'API_KEY_INVALID');
  });

  it('validation errors on the client routes, and ENTERPRISE containers take no activations', async () => {
    const c = await personalContainer();
    const bad = await http()
      .post('/client/v1/activations')
      .set(c.device)
      .send({ fingerprint: 'has space in it', extra: true });
    expectError(bad, 400, 'VALIDATION_FAILED');
    expect(bad.body.error.details.fields.map((f: { field: string }) => f.field).sort()).toEqual([
      'extra',
      'fingerprint',
      'name',
    ]);
    expectError(
      await http().post('/client/v1/activations/deactivate').set(c.device).send({}),
      400,
      'VALIDATION_FAILED',
    );
    expectError(await http().delete('/client/v1/activations/short').set(c.device), 400, 'VALIDATION_FAILED');
    expectError(
      await http().post('/client/v1/validate').set(c.device).send({ fingerprint: 'x', feature: '' }),
      400,
      'VALIDATION_FAILED',
    );
    const enterprise = await enterpriseContainer();
    expectError(
      await http()
        .post('/client/v1/activations')
        .set(enterprise.device)
        .send({ fingerprint: fp(1), name: 'x' }),
      409,
      'CONTAINER_KIND_MISMATCH',
    );
  });

  it('a suspended vendor’s programs are refused', async () => {
    const vendor = await createVendor(world.app);
    const c = await personalContainer({ vendor });
    await world.prisma.vendor.update({ where: { id: vendor.vendor.id }, data: { status: 'SUSPENDED' } });
    expectError(
      await http()
        .post('/client/v1/activations')
        .set(c.device)
        .send({ fingerprint: fp(1), name: 'x' }),
      403,
      'VENDOR_SUSPENDED',
    );
  });
});
