import { PrismaService } from '@leasehold/db';
import { createGroupWithMembers } from '@leasehold/testing';
import { h, strangersOf, useUsagePortal } from './usage.fixture';

// The lease history a group admin reads: of one license of the group, and of the whole group (as
// a list and as CSV).

describe('portal usage (group admins query a license of their group)', () => {
  const { portal, http, world } = useUsagePortal();

  describe('lease history (GET /v1/group/licenses/:licenseId/leases)', () => {
    /** The world's three ended leases, plus one by the admin that expired unswept and one live now. */
    async function historyWorld() {
      const w = await world();
      const prisma = portal.app.get(PrismaService);
      const base = {
        vendorId: portal.acme.vendor.id,
        licenseId: w.license.id,
        containerId: (await prisma.license.findFirstOrThrow({ where: { id: w.license.id } })).containerId,
      };
      await prisma.seatLease.create({
        data: {
          ...base,
          slot: 0,
          fingerprint: 'fp-unswept',
          clientName: 'ws-7',
          userId: w.admin.id,
          startedAt: h(3),
          expiresAt: h(4),
        },
      });
      const live = await prisma.seatLease.create({
        data: {
          ...base,
          slot: 1,
          fingerprint: 'fp-live',
          startedAt: new Date(Date.now() - 600_000),
          expiresAt: new Date(Date.now() + 600_000),
        },
      });
      return { ...w, live };
    }
    const url = (licenseId: string) => `/v1/group/licenses/${licenseId}/leases`;

    it('lists live and ended leases with who, device, end reason and duration, page by page', async () => {
      const w = await historyWorld();
      const first = await http().get(url(w.license.id)).query({ limit: 3 }).set(w.admin.auth).expect(200);
      expect(first.body.data).toHaveLength(3);
      expect(first.body.nextCursor).toBe(first.body.data[2].id);
      const second = await http()
        .get(url(w.license.id))
        .query({ limit: 3, cursor: first.body.nextCursor })
        .set(w.admin.auth)
        .expect(200);
      expect(second.body.nextCursor).toBeNull();
      const all = [...first.body.data, ...second.body.data];
      expect(
        all.map((l: { fingerprint: string; endReason: string | null; durationSeconds: number }) => [
          l.fingerprint,
          l.endReason,
        ]),
      ).toEqual([
        ['x', 'RELEASED'],
        ['x', 'EXPIRED'],
        ['x', 'STOPPED'],
        ['fp-unswept', 'EXPIRED'],
        ['fp-live', null],
      ]);
      expect(all.slice(0, 4).map((l: { durationSeconds: number }) => l.durationSeconds)).toEqual([
        7200, 3600, 1800, 3600,
      ]);
      expect(all[3]).toMatchObject({
        userId: w.admin.id,
        userEmail: w.admin.email,
        clientName: 'ws-7',
        startedAt: h(3).toISOString(),
        endedAt: h(4).toISOString(),
        live: false,
      });
      expect(typeof all[3].userName).toBe('string');
      expect(all[4]).toMatchObject({ id: w.live.id, endedAt: null, live: true, userId: null });
      expect(all[4].durationSeconds).toBeNull();
    });

    it('filters by time range: leases overlapping [from, to)', async () => {
      const w = await historyWorld();
      const res = await http()
        .get(url(w.license.id))
        .query({ from: h(1.6).toISOString(), to: h(3).toISOString() })
        .set(w.admin.auth)
        .expect(200);
      expect(res.body.data.map((l: { endReason: string }) => l.endReason)).toEqual(['RELEASED', 'STOPPED']);
      const recent = await http()
        .get(url(w.license.id))
        .query({ from: new Date(Date.now() - 60_000).toISOString() })
        .set(w.admin.auth)
        .expect(200);
      expect(recent.body.data.map((l: { id: string }) => l.id)).toEqual([w.live.id]);
    });

    it('refuses a bad range, date or cursor with VALIDATION_FAILED naming the field', async () => {
      const w = await historyWorld();
      const fields = async (query: Record<string, string>) => {
        const res = await http().get(url(w.license.id)).query(query).set(w.admin.auth);
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe('VALIDATION_FAILED');
        return res.body.error.details.fields.map((f: { field: string }) => f.field).sort();
      };
      expect(await fields({ from: h(3).toISOString(), to: h(1).toISOString() })).toEqual(['to']);
      expect(await fields({ from: h(3).toISOString(), to: h(3).toISOString() })).toEqual(['to']);
      expect(await fields({ from: 'yesterday' })).toEqual(['from']);
      expect(await fields({ cursor: 'not-a-cursor' })).toEqual(['cursor']);
      expect(await fields({ limit: '0' })).toEqual(['limit']);
    });

    it('refuses members (403) and hides licenses of other groups and vendors (404)', async () => {
      const w = await historyWorld();
      const member = await http().get(url(w.license.id)).set(w.member.auth).expect(403);
      expect(member.body.error.code).toBe('GROUP_ADMIN_REQUIRED');
      for (const [auth, licenseId] of await strangersOf(portal, w)) {
        const res = await http().get(url(licenseId)).set(auth);
        expect(res.status).toBe(404);
        expect(res.body.error.code).toBe('NOT_FOUND');
      }
    });
  });

  describe('lease history of the group (GET /v1/group/lease-history[/csv])', () => {
    /** The world, plus a lease of the member on group A's license and one on group B's license. */
    async function groupWorld() {
      const w = await world();
      const prisma = portal.app.get(PrismaService);
      const containerOf = async (licenseId: string) =>
        (await prisma.license.findFirstOrThrow({ where: { id: licenseId } })).containerId;
      const mine = await prisma.seatLease.create({
        data: {
          vendorId: portal.acme.vendor.id,
          licenseId: w.license.id,
          containerId: await containerOf(w.license.id),
          slot: 0,
          fingerprint: 'ws-member',
          clientName: '@SUM(1+1)',
          userId: w.member.id,
          startedAt: h(5),
          expiresAt: h(6),
          endedAt: h(6),
          endReason: 'RELEASED',
        },
      });
      const theirs = await prisma.seatLease.create({
        data: {
          vendorId: portal.acme.vendor.id,
          licenseId: w.bLicense.id,
          containerId: await containerOf(w.bLicense.id),
          slot: 0,
          fingerprint: 'ws-b',
          userId: w.b.users[0].id,
          startedAt: h(5),
          expiresAt: h(6),
          endedAt: h(6),
          endReason: 'RELEASED',
        },
      });
      return { ...w, mine, theirs };
    }

    it("lists only the group's leases, filtered by license, user, workstation and time, page by page", async () => {
      const w = await groupWorld();
      const list = async (query: Record<string, string | number>) =>
        (await http().get('/v1/group/lease-history').query(query).set(w.admin.auth).expect(200)).body;
      const all = await list({});
      expect(all.data).toHaveLength(4);
      expect(all.data.map((l: { id: string }) => l.id)).not.toContain(w.theirs.id);
      expect((await list({ userId: w.member.id })).data).toEqual([
        expect.objectContaining({ id: w.mine.id, userEmail: w.member.email, fingerprint: 'ws-member' }),
      ]);
      expect(
        (await list({ licenseId: w.license.id, from: h(4).toISOString(), to: h(7).toISOString() })).data.map(
          (l: { id: string }) => l.id,
        ),
      ).toEqual([w.mine.id]);
      expect((await list({ fingerprint: 'ws-b' })).data).toEqual([]);
      const first = await list({ limit: 3 });
      const second = await list({ limit: 3, cursor: first.nextCursor });
      expect([...first.data, ...second.data].map((l: { id: string }) => l.id)).toEqual(
        all.data.map((l: { id: string }) => l.id),
      );
      expect(second.nextCursor).toBeNull();
    });

    it("exports the group's history as CSV with formula-safe cells", async () => {
      const w = await groupWorld();
      const res = await http()
        .get('/v1/group/lease-history/csv')
        .query({ userId: w.member.id })
        .set(w.admin.auth)
        .expect(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(res.headers['content-disposition']).toMatch(/^attachment; filename="lease-history-.*\.csv"$/);
      const lines = res.text.trim().split('\r\n');
      expect(lines).toHaveLength(2);
      expect(lines[1]).toContain(`${w.mine.id},${w.license.id},`);
      expect(lines[1]).toContain(",ws-member,'@SUM(1+1),");
      expect(res.text).not.toContain(w.theirs.id);
    });

    it('refuses bad input with VALIDATION_FAILED, members with 403, and ids of other groups and vendors with 404', async () => {
      const w = await groupWorld();
      const bad = await http()
        .get('/v1/group/lease-history')
        .query({ from: h(2).toISOString(), to: h(1).toISOString(), limit: 500 })
        .set(w.admin.auth)
        .expect(400);
      expect(bad.body.error.code).toBe('VALIDATION_FAILED');
      expect(bad.body.error.details.fields.map((f: { field: string }) => f.field)).toEqual(['limit']);
      const range = await http()
        .get('/v1/group/lease-history/csv')
        .query({ from: h(2).toISOString(), to: h(1).toISOString() })
        .set(w.admin.auth)
        .expect(400);
      expect(range.body.error.details.fields.map((f: { field: string }) => f.field)).toEqual(['to']);
      expect((await http().get('/v1/group/lease-history').set(w.member.auth).expect(403)).body.error.code).toBe(
        'GROUP_ADMIN_REQUIRED',
      );
      const o = await createGroupWithMembers(portal.app, portal.other, ['ADMIN']);
      for (const path of ['/v1/group/lease-history', '/v1/group/lease-history/csv']) {
        for (const [auth, query] of [
          [w.admin.auth, { licenseId: w.bLicense.id }],
          [w.admin.auth, { userId: w.b.users[0].id }],
          [w.b.users[0].auth, { licenseId: w.license.id }],
          [w.b.users[0].auth, { userId: w.member.id }],
          [o.users[0].auth, { licenseId: w.license.id }],
        ] as const) {
          const res = await http().get(path).query(query).set(auth);
          expect(res.status).toBe(404);
          expect(res.body.error.code).toBe('NOT_FOUND');
        }
      }
      const otherVendors = await http().get('/v1/group/lease-history').set(o.users[0].auth).expect(200);
      expect(otherVendors.body.data).toEqual([]);
    });
  });
});
