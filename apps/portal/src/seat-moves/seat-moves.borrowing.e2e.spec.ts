// A group admin switches borrowing off for the group. Attacks first: every way to borrow while it
// is off, a plain member, borrows racing with the switch on two app instances.
import { SeatsService } from '@leasehold/domain-seats';
import { createRequestCode } from '@leasehold/license-file';
import { asVendor, expectError } from '@leasehold/testing';
import { days, useSeatMoves } from './seat-moves.fixture';

describe('portal seat moves and the borrowing switch', () => {
  const portal = useSeatMoves();
  const { http, world, take, containerRevision } = portal;

  describe('borrowing switch', () => {
    const setBorrowing = (auth: { Authorization: string }, body: unknown) =>
      http()
        .put('/v1/group/borrowing')
        .set(auth)
        .send(body as object);

    it('attack: with borrowing switched off, no borrow by online checkout, borrow of a running lease, or offline code; existing borrows run on; devices learn it', async () => {
      const w = await world(4);
      const before = await take(w.head.id, w.license.id, 'nb-early', portal.app, days(2));
      const running = await take(w.head.id, w.license.id, 'ws-running');
      const revision = await containerRevision(w.head.id);
      expect((await http().get('/v1/group/borrowing').set(w.admin.auth).expect(200)).body).toEqual({
        groupId: w.a.groupId,
        borrowingAllowed: true,
      });
      expect((await setBorrowing(w.admin.auth, { borrowingAllowed: false }).expect(200)).body).toEqual({
        groupId: w.a.groupId,
        borrowingAllowed: false,
      });
      expect(await containerRevision(w.head.id)).toBe(revision + 1);
      expect(await containerRevision(w.branch.id)).toBeGreaterThan(0);

      await expect(take(w.head.id, w.license.id, 'nb-late', portal.app, days(2))).rejects.toMatchObject({
        code: 'BORROW_DISABLED_BY_ADMIN',
      });
      await expect(
        asVendor(portal.app, portal.acme, () =>
          portal.app.get(SeatsService).borrow(w.head.id, running.leaseId, days(1)),
        ),
      ).rejects.toMatchObject({ code: 'BORROW_DISABLED_BY_ADMIN' });
      const offline = await http()
        .post(`/v1/group/containers/${w.head.id}/offline-activations`)
        .set(w.admin.auth)
        .send({
          code: createRequestCode({ kind: 'borrow', containerId: w.head.id, fingerprint: 'sha256:offline-laptop' })
            .code,
          borrowUntil: days(2).toISOString(),
        });
      expectError(offline, 403, 'BORROW_DISABLED_BY_ADMIN');
      // the borrow made before runs to its end; ordinary checkouts still work
      const sessions = await http().get('/v1/group/sessions').set(w.admin.auth).expect(200);
      expect(sessions.body.data.find((s: { id: string }) => s.id === before.leaseId)).toMatchObject({ borrowed: true });
      await take(w.head.id, w.license.id, 'ws-online');
      // a group that did not switch is not affected
      expect((await http().get('/v1/group/borrowing').set(w.b.users[0].auth).expect(200)).body.borrowingAllowed).toBe(
        true,
      );

      await setBorrowing(w.admin.auth, { borrowingAllowed: true }).expect(200);
      expect((await take(w.head.id, w.license.id, 'nb-again', portal.app, days(2))).borrowUntil).not.toBeNull();
      const events = await portal.prisma.domainEvent.findMany({
        where: { vendorId: portal.acme.vendor.id, type: 'container.updated', aggregateId: w.head.id },
      });
      expect(events.filter((e) => (e.payload as { cause?: string }).cause === 'group.borrowing_changed')).toHaveLength(
        2,
      );
    });

    it('only the admin switches, with a boolean; the same value twice changes nothing', async () => {
      const w = await world(2);
      expectError(await setBorrowing(w.member.auth, { borrowingAllowed: false }), 403, 'GROUP_ADMIN_REQUIRED');
      expectError(await http().get('/v1/group/borrowing').set(w.member.auth), 403, 'GROUP_ADMIN_REQUIRED');
      expectError(await http().put('/v1/group/borrowing').send({ borrowingAllowed: false }), 401, 'UNAUTHENTICATED');
      for (const bad of [{}, { borrowingAllowed: 'no' }, { borrowingAllowed: null }, { borrowingAllowed: 0 }]) {
        const res = await setBorrowing(w.admin.auth, bad);
        expectError(res, 400, 'VALIDATION_FAILED');
        expect(res.body.error.details.fields.map((f: { field: string }) => f.field)).toEqual(['borrowingAllowed']);
      }
      await setBorrowing(w.admin.auth, { borrowingAllowed: false }).expect(200);
      const revision = await containerRevision(w.head.id);
      await setBorrowing(w.admin.auth, { borrowingAllowed: false }).expect(200);
      expect(await containerRevision(w.head.id)).toBe(revision);
      expect((await portal.prisma.group.findFirstOrThrow({ where: { id: w.b.groupId } })).borrowingAllowed).toBe(true);
    });

    it('race: borrows racing with the switch on two instances: every borrow that committed after the switch was refused', async () => {
      const w = await world(10);
      const results = await Promise.allSettled([
        http(portal.replica).put('/v1/group/borrowing').set(w.admin.auth).send({ borrowingAllowed: false }),
        ...Array.from({ length: 8 }, (_, i) =>
          take(w.head.id, w.license.id, `nb-${i}`, i % 2 ? portal.app : portal.replica, days(1)),
        ),
      ]);
      expect(results[0].status === 'fulfilled' && results[0].value.status).toBe(200);
      for (const r of results.slice(1))
        if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'BORROW_DISABLED_BY_ADMIN' });
      const switchedAt = (
        await portal.prisma.auditEntry.findFirstOrThrow({
          where: { vendorId: portal.acme.vendor.id, entityId: w.a.groupId, action: 'group.updated' },
        })
      ).createdAt;
      const borrowed = await portal.prisma.seatLease.findMany({
        where: { licenseId: w.license.id, borrowUntil: { not: null } },
      });
      for (const lease of borrowed) expect(lease.startedAt.getTime()).toBeLessThanOrEqual(switchedAt.getTime() + 1000);
      await expect(take(w.head.id, w.license.id, 'nb-after', portal.app, days(1))).rejects.toMatchObject({
        code: 'BORROW_DISABLED_BY_ADMIN',
      });
    });
  });
});
