import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { PrismaService } from '@leasehold/db';
import { createRequestCode } from '@leasehold/license-file';
import {
  createPortalUser,
  createVendor,
  eventually,
  expectError,
  TestPortalUser,
  TestVendor,
} from '@leasehold/testing';
import { startWorkerWithApis, WorkerWithApis } from '../testing/worker-with-apis';

// As the attack: a member removed from their group (or disabled) keeps using
// their personal container, their floating seat on the group's enterprise container, and the old
// group's admin keeps rights over the container. The removal goes through the vendor API; the
// reaction runs in the worker's outbox relay (OUTBOX_RELAY_EVERY_MS, one second), so the test
// polls, bounded, until it shows.

const FP = 'sha256:removed-user-device-1';
const REACTION_BOUND_MS = 15_000;

describe('a removed or disabled user loses access everywhere (license-central + portal + worker relay)', () => {
  let apps: WorkerWithApis;
  let central: INestApplication;
  let portal: INestApplication;
  let prisma: PrismaService;
  let vendor: TestVendor;
  let productId: string;
  let productCode: string;

  beforeAll(async () => {
    apps = await startWorkerWithApis();
    ({ central, portal } = apps);
    prisma = apps.worker.get(PrismaService);
    vendor = await createVendor(central, 'Access Vendor');
    productCode = `office-${randomUUID().slice(0, 8)}`;
    productId = (
      await prisma.product.create({ data: { vendorId: vendor.vendor.id, code: productCode, name: 'Office' } })
    ).id;
  }, 60_000);
  afterAll(async () => {
    await apps?.close();
  });

  const http = () => request(central.getHttpServer());
  const portalHttp = () => request(portal.getHttpServer());

  async function groupOf(...roles: ('ADMIN' | 'MEMBER')[]): Promise<{ groupId: string; users: TestPortalUser[] }> {
    const group = await http()
      .post('/v1/groups')
      .set(vendor.auth)
      .send({ name: `Customer ${randomUUID().slice(0, 6)}` })
      .expect(201);
    const users: TestPortalUser[] = [];
    for (const role of roles)
      users.push(await createPortalUser(central, vendor, { groupId: group.body.id as string, role }));
    return { groupId: group.body.id as string, users };
  }

  async function container(
    body: Record<string, unknown>,
    quantity: number,
  ): Promise<{ id: string; device: { Authorization: string }; licenseId: string }> {
    const created = await http().post('/v1/containers').set(vendor.auth).send(body).expect(201);
    const license = await http()
      .post(`/v1/containers/${created.body.id}/licenses`)
      .set(vendor.auth)
      .send({ productId, quantity, borrowAllowed: true })
      .expect(201);
    return {
      id: created.body.id as string,
      device: { Authorization: `Bearer ${created.body.secret}` },
      licenseId: license.body.id as string,
    };
  }

  const validate = async (device: { Authorization: string }, fingerprint = FP) =>
    (await http().post('/client/v1/validate').set(device).send({ fingerprint }).expect(200)).body as {
      code: string;
      valid: boolean;
      revision: number;
    };

  it('removal: the personal container refuses every route, the user’s leases end, the old group loses the container', async () => {
    const { groupId, users } = await groupOf('ADMIN', 'MEMBER');
    const [admin, member] = users;
    const personal = await container({ kind: 'PERSONAL', name: 'Laptop', userId: member.id }, 2);
    const enterprise = await container({ kind: 'ENTERPRISE', name: 'Floating', groupId }, 5);
    await http()
      .post('/client/v1/activations')
      .set(personal.device)
      .send({ fingerprint: FP, name: 'Laptop' })
      .expect(201);
    const personalLease = await http()
      .post('/client/v1/seats/checkout')
      .set(personal.device)
      .send({ fingerprint: FP, licenseId: personal.licenseId })
      .expect(201);
    // The member's program checks out a floating seat with the member's credential: the lease records the user.
    const floating = await http()
      .post('/client/v1/seats/checkout')
      .set(enterprise.device)
      .send({
        fingerprint: 'sha256:member-workstation',
        licenseId: enterprise.licenseId,
        userToken: member.accessToken,
      })
      .expect(201);
    const colleague = await http()
      .post('/client/v1/seats/checkout')
      .set(enterprise.device)
      .send({ fingerprint: 'sha256:colleague-pc', licenseId: enterprise.licenseId })
      .expect(201);
    expect(await prisma.seatLease.findFirstOrThrow({ where: { id: floating.body.leaseId } })).toMatchObject({
      userId: member.id,
    });
    expect(await validate(personal.device)).toMatchObject({ code: 'VALID' });
    const revisionBefore = (await validate(personal.device)).revision;
    await portalHttp().get(`/v1/group/containers/${personal.id}`).set(admin.auth).expect(200);

    await http().delete(`/v1/groups/${groupId}/members/${member.id}`).set(vendor.auth).expect(204);

    // Within the relay's latency: validate answers USER_REMOVED (polled, bounded).
    await eventually(
      async () => (await validate(personal.device)).code === 'USER_REMOVED',
      REACTION_BOUND_MS,
      'validate to answer USER_REMOVED',
    );
    const answer = await validate(personal.device);
    expect(answer).toMatchObject({ code: 'USER_REMOVED', valid: false });
    expect(answer.revision).toBeGreaterThan(revisionBefore);

    // Every other route of the program refuses with one clear code.
    expectError(
      await http()
        .post('/client/v1/seats/checkout')
        .set(personal.device)
        .send({ fingerprint: FP, licenseId: personal.licenseId }),
      403,
      'CONTAINER_ACCESS_REVOKED',
    );
    expectError(
      await http()
        .post('/client/v1/activations')
        .set(personal.device)
        .send({ fingerprint: 'sha256:second-device', name: 'Another' }),
      403,
      'CONTAINER_ACCESS_REVOKED',
    );
    expectError(
      await http().get('/client/v1/license-file').query({ fingerprint: FP }).set(personal.device),
      403,
      'CONTAINER_ACCESS_REVOKED',
    );
    const heartbeat = await http()
      .post(`/client/v1/seats/${personalLease.body.leaseId}/heartbeat`)
      .set(personal.device)
      .send({});
    expectError(heartbeat, 409, 'SESSION_STOPPED');
    expect(heartbeat.body.error.details).toMatchObject({ endReason: 'USER_REMOVED' });
    const offline = createRequestCode({
      kind: 'activate',
      containerId: personal.id,
      fingerprint: 'sha256:offline-machine',
    });
    expectError(
      await http()
        .post(`/v1/containers/${personal.id}/offline-activations`)
        .set(vendor.auth)
        .send({ code: offline.code }),
      403,
      'CONTAINER_ACCESS_REVOKED',
    );

    // The member's floating seat ended with them; the colleague's did not.
    expect(await prisma.seatLease.findFirstOrThrow({ where: { id: floating.body.leaseId } })).toMatchObject({
      endReason: 'USER_REMOVED',
    });
    expect(await prisma.seatLease.findFirstOrThrow({ where: { id: colleague.body.leaseId } })).toMatchObject({
      endedAt: null,
    });
    expectError(
      await http().post(`/client/v1/seats/${floating.body.leaseId}/heartbeat`).set(enterprise.device).send({}),
      409,
      'SESSION_STOPPED',
    );
    // And the removed member's credential checks out no new floating seat.
    expectError(
      await http().post('/client/v1/seats/checkout').set(enterprise.device).send({
        fingerprint: 'sha256:member-workstation',
        licenseId: enterprise.licenseId,
        userToken: member.accessToken,
      }),
      401,
      'TOKEN_REVOKED',
    );

    // The old group's admin has no right over the container any more.
    expectError(await portalHttp().get(`/v1/group/containers/${personal.id}`).set(admin.auth), 404, 'NOT_FOUND');
    expectError(
      await portalHttp().post(`/v1/group/containers/${personal.id}/credentials/reset`).set(admin.auth),
      404,
      'NOT_FOUND',
    );
    expect(
      (await portalHttp().get('/v1/group/containers').set(admin.auth).expect(200)).body.data.map(
        (c: { id: string }) => c.id,
      ),
    ).not.toContain(personal.id);
    expect((await http().get(`/v1/containers/${personal.id}`).set(vendor.auth).expect(200)).body).toMatchObject({
      groupId: null,
      accessRevokedReason: 'USER_REMOVED',
      accessRevokedAt: expect.any(String),
    });
  }, 90_000);

  it('disabling: the personal container and the user’s leases stop; enabled again, the container works again', async () => {
    const { users } = await groupOf('ADMIN', 'MEMBER');
    const member = users[1];
    const personal = await container({ kind: 'PERSONAL', name: 'Laptop', userId: member.id }, 1);
    await http()
      .post('/client/v1/activations')
      .set(personal.device)
      .send({ fingerprint: FP, name: 'Laptop' })
      .expect(201);
    const lease = await http()
      .post('/client/v1/seats/checkout')
      .set(personal.device)
      .send({ fingerprint: FP, licenseId: personal.licenseId })
      .expect(201);

    await http().patch(`/v1/users/${member.id}`).set(vendor.auth).send({ status: 'DISABLED' }).expect(200);
    await eventually(
      async () => (await validate(personal.device)).code === 'USER_DISABLED',
      REACTION_BOUND_MS,
      'validate to answer USER_DISABLED',
    );
    expectError(
      await http()
        .post('/client/v1/seats/checkout')
        .set(personal.device)
        .send({ fingerprint: FP, licenseId: personal.licenseId }),
      403,
      'CONTAINER_ACCESS_REVOKED',
    );
    expectError(
      await http().post(`/client/v1/seats/${lease.body.leaseId}/heartbeat`).set(personal.device).send({}),
      409,
      'SESSION_STOPPED',
    );
    expectError(
      await http().get('/client/v1/license-file').query({ fingerprint: FP }).set(personal.device),
      403,
      'CONTAINER_ACCESS_REVOKED',
    );

    await http().patch(`/v1/users/${member.id}`).set(vendor.auth).send({ status: 'ACTIVE' }).expect(200);
    await eventually(
      async () => (await validate(personal.device)).code === 'VALID',
      REACTION_BOUND_MS,
      'validate to answer VALID again',
    );
    await http()
      .post('/client/v1/seats/checkout')
      .set(personal.device)
      .send({ fingerprint: FP, licenseId: personal.licenseId })
      .expect(201);
  }, 90_000);
});
