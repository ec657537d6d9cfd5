import { randomUUID } from 'node:crypto';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ConfigModule } from '@leasehold/config';
import { DbModule, PrismaService, TenantContext } from '@leasehold/db';
import { ContainersService } from './containers/containers.service';
import { ContainerCredentialsModule } from './credentials/container-credentials.module';
import { ContainerCredentialsService } from './credentials/container-credentials.service';
import { DevicesService } from './devices/devices.service';
import { LicensesService } from './licenses/licenses.service';
import { LicensingModule } from './licensing.module';

// The scoped look-ups the portal relies on: a container, its devices and a credential reset are
// "not found" outside a group admin's group or a user's own containers; devices of a user; the
// licenses of a page of containers with their products in one call.

@Module({ imports: [ConfigModule, DbModule, LicensingModule, ContainerCredentialsModule] })
class LicensingTestModule {}

describe('licensing: portal scopes', () => {
  let app: INestApplicationContext;
  let prisma: PrismaService;

  beforeAll(async () => {
    app = await Test.createTestingModule({ imports: [LicensingTestModule] }).compile();
    await app.init();
    prisma = app.get(PrismaService);
  });
  afterAll(() => app.close());

  async function world() {
    const tag = randomUUID().slice(0, 8);
    const vendorId = (await prisma.vendor.create({ data: { slug: `scope-${tag}`, name: 'Scope vendor' } })).id;
    const product = await prisma.product.create({ data: { vendorId, code: `prod-${tag}`, name: 'Cargo Office' } });
    await prisma.feature.create({ data: { vendorId, productId: product.id, code: 'export-pdf', name: 'PDF export' } });
    const groupA = (await prisma.group.create({ data: { vendorId, name: 'A' } })).id;
    const groupB = (await prisma.group.create({ data: { vendorId, name: 'B' } })).id;
    const ann = (
      await prisma.user.create({
        data: { vendorId, email: `ann-${tag}@example.test`, name: 'Ann', groupId: groupA, role: 'MEMBER' },
      })
    ).id;
    const bob = (
      await prisma.user.create({
        data: { vendorId, email: `bob-${tag}@example.test`, name: 'Bob', groupId: groupB, role: 'MEMBER' },
      })
    ).id;
    const as = <T>(fn: () => Promise<T>) => app.get(TenantContext).run(vendorId, fn, { type: 'PORTAL_USER', id: ann });
    const containers = app.get(ContainersService);
    const annPersonal = await as(() => containers.create({ kind: 'PERSONAL', name: 'Ann laptop', userId: ann }));
    const bobPersonal = await as(() => containers.create({ kind: 'PERSONAL', name: 'Bob laptop', userId: bob }));
    const aServer = await as(() => containers.create({ kind: 'ENTERPRISE', name: 'A server', groupId: groupA }));
    const license = await as(() =>
      app.get(LicensesService).create(annPersonal.id, {
        productId: product.id,
        quantity: 1,
        features: ['export-pdf'],
        maxDeactivationsPer30Days: 1,
      }),
    );
    return { vendorId, product, groupA, groupB, ann, bob, as, annPersonal, bobPersonal, aServer, license };
  }

  it('gets a container and lists its devices only within the scope', async () => {
    const w = await world();
    const containers = app.get(ContainersService);
    const devices = app.get(DevicesService);
    await w.as(() => devices.activate(w.annPersonal.id, { fingerprint: 'fp-1', name: 'Laptop' }));
    expect((await w.as(() => containers.get(w.annPersonal.id, { groupId: w.groupA }))).id).toBe(w.annPersonal.id);
    expect((await w.as(() => containers.get(w.annPersonal.id, { userId: w.ann }))).id).toBe(w.annPersonal.id);
    await expect(w.as(() => containers.get(w.annPersonal.id, { groupId: w.groupB }))).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(w.as(() => containers.get(w.aServer.id, { userId: w.ann }))).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    const listed = await w.as(() =>
      devices.list(w.annPersonal.id, { includeInactive: false, take: 10 }, { groupId: w.groupA }),
    );
    expect(listed.map((d) => d.fingerprint)).toEqual(['fp-1']);
    await expect(
      w.as(() => devices.list(w.annPersonal.id, { includeInactive: false, take: 10 }, { groupId: w.groupB })),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('resets credentials only within the scope; the last reset wins', async () => {
    const w = await world();
    const containers = app.get(ContainersService);
    const credentials = app.get(ContainerCredentialsService);
    await expect(w.as(() => containers.resetCredentials(w.aServer.id, { groupId: w.groupB }))).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(credentials.authenticate(w.aServer.secret)).resolves.toMatchObject({
      containerId: w.aServer.id,
      credentialVersion: 1,
    });
    const resets = await Promise.all(
      [1, 2, 3].map(() => w.as(() => containers.resetCredentials(w.aServer.id, { groupId: w.groupA }))),
    );
    expect(resets.map((r) => r.credentialVersion).sort()).toEqual([2, 3, 4]);
    const last = resets.find((r) => r.credentialVersion === 4)!;
    await expect(credentials.authenticate(last.secret)).resolves.toMatchObject({ credentialVersion: 4 });
    for (const stale of [w.aServer.secret, ...resets.filter((r) => r !== last).map((r) => r.secret)]) {
      await expect(credentials.authenticate(stale)).rejects.toMatchObject({ code: 'CREDENTIALS_REVOKED' });
    }
  });

  it("lists a user's devices and deactivates one by id within the scope, churn limit included", async () => {
    const w = await world();
    const devices = app.get(DevicesService);
    const { device: one } = await w.as(() => devices.activate(w.annPersonal.id, { fingerprint: 'fp-1', name: 'One' }));
    const { device: two } = await w.as(() => devices.activate(w.annPersonal.id, { fingerprint: 'fp-2', name: 'Two' }));
    await w.as(() => devices.activate(w.bobPersonal.id, { fingerprint: 'fp-1', name: 'Bob' }));
    const mine = await w.as(() => devices.listOfUser(w.ann, { includeInactive: false, take: 10 }));
    expect(mine.map((d) => d.id).sort()).toEqual([one.id, two.id].sort());

    await expect(w.as(() => devices.deactivateInScope(one.id, { userId: w.bob }))).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(w.as(() => devices.deactivateInScope(one.id, { groupId: w.groupB }))).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    const results = await Promise.allSettled([
      w.as(() => devices.deactivateInScope(one.id, { userId: w.ann })),
      w.as(() => devices.deactivateInScope(one.id, { groupId: w.groupA })),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')!;
    expect(refused.reason).toMatchObject({ code: 'DEVICE_ALREADY_DEACTIVATED' });
    const row = await prisma.device.findFirstOrThrow({ where: { id: one.id } });
    expect(row.deactivatedBy).toBe('PORTAL_USER');
    // The license allows one deactivation per 30 days: the second is refused.
    await expect(w.as(() => devices.deactivateInScope(two.id, { userId: w.ann }))).rejects.toMatchObject({
      code: 'ACTIVATION_CHURN_LIMIT',
    });
    expect(
      (await w.as(() => devices.listOfUser(w.ann, { includeInactive: false, take: 10 }))).map((d) => d.id),
    ).toEqual([two.id]);
    expect(await w.as(() => devices.listOfUser(w.ann, { includeInactive: true, take: 10 }))).toHaveLength(2);
  });

  it('lists the licenses of several containers with their products in one call', async () => {
    const w = await world();
    const licenses = app.get(LicensesService);
    const server = await w.as(() => licenses.create(w.aServer.id, { productId: w.product.id, quantity: 5 }));
    const rows = await w.as(() => licenses.listWithProductByContainers([w.annPersonal.id, w.aServer.id]));
    expect(rows.map((l) => l.id).sort()).toEqual([w.license.id, server.id].sort());
    expect(rows.find((l) => l.id === w.license.id)).toMatchObject({
      containerId: w.annPersonal.id,
      features: ['export-pdf'],
      quantity: 1,
      status: 'ACTIVE',
      revision: 1,
      product: { id: w.product.id, code: w.product.code, name: 'Cargo Office' },
    });
    expect(await w.as(() => licenses.listWithProductByContainers([]))).toEqual([]);
    expect(await w.as(() => licenses.listWithProductByContainers([w.bobPersonal.id]))).toEqual([]);
  });
});
