import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { PrismaService } from '@leasehold/db';
import {
  createEnterpriseContainerViaApi,
  createPersonalContainerViaApi,
  createProductViaApi,
  createTestApp,
  createVendor,
  dbOf,
  insertGroup,
  insertUser,
  TestVendor,
} from '@leasehold/testing';
import { LICENSE_CENTRAL_API } from '../api-info';
import { AppModule } from '../app.module';

// GET /v1/lease-history and /v1/lease-history/csv: every lease of the vendor's licenses, with
// who, which workstation, start, end and why, filtered and paged; the CSV is RFC 4180 and
// formula-safe; another vendor's ids are "not found".

describe('lease history (vendor API)', () => {
  let app: INestApplication;
  let prisma: PrismaService;
  const http = () => request(app.getHttpServer());
  const h = (hours: number) => new Date(Date.UTC(2026, 0, 10, 0, 0) + hours * 3_600_000);

  beforeAll(async () => {
    app = await createTestApp(AppModule, LICENSE_CENTRAL_API);
    prisma = app.get(PrismaService);
  });
  afterAll(() => app.close());

  /**
   * A vendor with an ENTERPRISE license (one real checkout and release through the client API,
   * with a formula as client name, plus two recorded leases) and a PERSONAL license used by an
   * activated device.
   */
  async function world(vendor?: TestVendor) {
    const v = vendor ?? (await createVendor(app, 'Acme'));
    const product = await createProductViaApi(http, v, []);
    const groupId = await insertGroup(dbOf(app), v.vendor.id);
    const server = await createEnterpriseContainerViaApi(http, v, groupId);
    const floating = (
      await http()
        .post(`/v1/containers/${server.containerId}/licenses`)
        .set(v.auth)
        .send({ productId: product.productId, quantity: 2 })
        .expect(201)
    ).body.id as string;
    const personal = await createPersonalContainerViaApi(http, dbOf(app), v);
    const single = (
      await http()
        .post(`/v1/containers/${personal.containerId}/licenses`)
        .set(v.auth)
        .send({ productId: product.productId, quantity: 1 })
        .expect(201)
    ).body.id as string;
    const worker = await insertUser(dbOf(app), v.vendor.id, groupId);
    const device = await prisma.device.create({
      data: {
        vendorId: v.vendor.id,
        containerId: personal.containerId,
        fingerprint: 'laptop-fp',
        activeFingerprint: 'laptop-fp',
        name: 'Jane laptop',
      },
    });
    const base = { vendorId: v.vendor.id, licenseId: floating, containerId: server.containerId };
    const morning = await prisma.seatLease.create({
      data: {
        ...base,
        slot: 0,
        fingerprint: 'ws-0142',
        clientName: 'Büro, 2. OG\n"Nord"',
        userId: worker,
        startedAt: h(8),
        expiresAt: h(12),
        endedAt: h(12),
        endReason: 'RELEASED',
      },
    });
    const evening = await prisma.seatLease.create({
      data: {
        ...base,
        slot: 1,
        fingerprint: 'ws-0143',
        clientName: 'WS-0143',
        startedAt: h(18),
        expiresAt: h(19),
        endedAt: h(19),
        endReason: 'EXPIRED',
      },
    });
    const laptop = await prisma.seatLease.create({
      data: {
        vendorId: v.vendor.id,
        licenseId: single,
        containerId: personal.containerId,
        slot: 0,
        deviceId: device.id,
        fingerprint: 'laptop-fp',
        userId: personal.userId,
        startedAt: h(9),
        expiresAt: h(10),
        endedAt: h(10),
        endReason: 'STOPPED',
      },
    });
    const checkout = await http()
      .post('/client/v1/seats/checkout')
      .set(server.device)
      .send({ licenseId: floating, fingerprint: 'ws-evil-01', clientName: '=HYPERLINK("http://evil.example")' })
      .expect(201);
    await http().post(`/client/v1/seats/${checkout.body.leaseId}/release`).set(server.device).expect(200);
    return {
      v,
      product,
      floating,
      single,
      worker,
      personalUser: personal.userId as string,
      device,
      morning,
      evening,
      laptop,
      liveId: checkout.body.leaseId as string,
    };
  }

  type Row = {
    id: string;
    fingerprint: string;
    endReason: string | null;
    userId: string | null;
    deviceName: string | null;
    userEmail: string | null;
  };
  const ids = (body: { data: Row[] }) => body.data.map((l) => l.id);

  it('lists every lease with who, workstation, start, end and reason, oldest first, page by page', async () => {
    const w = await world();
    const all = await http().get('/v1/lease-history').set(w.v.auth).expect(200);
    expect(ids(all.body)).toEqual([w.morning.id, w.evening.id, w.laptop.id, w.liveId]);
    expect(all.body.nextCursor).toBeNull();
    const real = all.body.data[3];
    expect(real).toMatchObject({
      licenseId: w.floating,
      productCode: w.product.code,
      fingerprint: 'ws-evil-01',
      clientName: '=HYPERLINK("http://evil.example")',
      endReason: 'RELEASED',
      live: false,
      borrowed: false,
    });
    expect(Date.parse(real.endedAt)).toBeGreaterThanOrEqual(Date.parse(real.startedAt));
    const worker = await prisma.user.findFirstOrThrow({ where: { id: w.worker } });
    expect(all.body.data[0]).toMatchObject({
      userId: w.worker,
      userEmail: worker.email,
      userName: worker.name,
      startedAt: h(8).toISOString(),
      endedAt: h(12).toISOString(),
      durationSeconds: 4 * 3600,
    });
    expect(all.body.data[2]).toMatchObject({
      deviceId: w.device.id,
      deviceName: 'Jane laptop',
      userId: w.personalUser,
      endReason: 'STOPPED',
    });

    // Page by page with the cursor: the same rows, each once.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: request.Response = await http()
        .get('/v1/lease-history')
        .query({ limit: 1, ...(cursor ? { cursor } : {}) })
        .set(w.v.auth)
        .expect(200);
      seen.push(...ids(page.body));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(ids(all.body));
  });

  it('filters by license, user, device, workstation and time range (leases active in [from, to))', async () => {
    const w = await world();
    const list = async (query: Record<string, string>) =>
      ids((await http().get('/v1/lease-history').query(query).set(w.v.auth).expect(200)).body);
    expect(await list({ licenseId: w.floating })).toEqual([w.morning.id, w.evening.id, w.liveId]);
    expect(await list({ licenseId: w.single })).toEqual([w.laptop.id]);
    expect(await list({ userId: w.worker })).toEqual([w.morning.id]);
    expect(await list({ userId: w.personalUser })).toEqual([w.laptop.id]);
    expect(await list({ deviceId: w.device.id })).toEqual([w.laptop.id]);
    expect(await list({ fingerprint: 'ws-0143' })).toEqual([w.evening.id]);
    // Overlap: 09:30–11:00 catches the morning (08–12) and the laptop (09–10), not the evening.
    expect(await list({ from: h(9.5).toISOString(), to: h(11).toISOString() })).toEqual([w.morning.id, w.laptop.id]);
    // Touching ends do not overlap: [12:00, 18:00) has nothing of 08–12 nor 18–19.
    expect(await list({ from: h(12).toISOString(), to: h(18).toISOString() })).toEqual([]);
    expect(await list({ licenseId: w.floating, from: h(18.5).toISOString(), to: h(30).toISOString() })).toEqual([
      w.evening.id,
    ]);
    expect(await list({ licenseId: w.single, userId: w.worker })).toEqual([]);
  });

  it('exports the filtered history as a streamed, RFC 4180, formula-safe CSV download', async () => {
    const w = await world();
    const res = await http()
      .get('/v1/lease-history/csv')
      .query({ licenseId: w.floating })
      .set(w.v.auth)
      .buffer(true)
      .parse((r, done) => {
        let text = '';
        r.setEncoding('utf8');
        r.on('data', (chunk: string) => (text += chunk));
        r.on('end', () => done(null, text));
      });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="lease-history-[0-9T-]+Z\.csv"$/);
    const text = res.body as string;
    const lines = text.split('\r\n');
    expect(lines[0]).toBe(
      'leaseId,licenseId,productCode,containerId,userId,userEmail,userName,deviceId,deviceName,fingerprint,clientName,startedAt,endedAt,endReason,live,borrowed,durationSeconds',
    );
    // Quotes doubled, the comma and the line break kept inside one quoted field.
    expect(text).toContain(
      `,ws-0142,"Büro, 2. OG\n""Nord""",${h(8).toISOString()},${h(12).toISOString()},RELEASED,false,false,14400\r\n`,
    );
    // A cell a spreadsheet would run as a formula starts with a quote.
    expect(text).toContain(`,ws-evil-01,"'=HYPERLINK(""http://evil.example"")",`);
    expect(text).not.toContain(',=HYPERLINK');
    expect(text).toContain(`${w.evening.id},${w.floating},${w.product.code},`);
    expect(text).not.toContain(w.laptop.id);
    // Header, three leases (one spans two lines), and the final line end.
    expect(text.split('\r\n')).toHaveLength(1 + 3 + 1);
    expect(text.endsWith('\r\n')).toBe(true);
  });

  it('refuses bad dates, an empty range, a bad cursor or limit and malformed ids with VALIDATION_FAILED naming the field', async () => {
    const w = await world();
    for (const path of ['/v1/lease-history', '/v1/lease-history/csv']) {
      const fields = async (query: Record<string, string>) => {
        const res = await http().get(path).query(query).set(w.v.auth);
        expect(res.status).toBe(400);
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        expect(res.body.error.code).toBe('VALIDATION_FAILED');
        return res.body.error.details.fields.map((f: { field: string }) => f.field).sort();
      };
      expect(await fields({ from: 'yesterday', to: 'soon' })).toEqual(['from', 'to']);
      expect(await fields({ from: h(3).toISOString(), to: h(1).toISOString() })).toEqual(['to']);
      expect(await fields({ from: h(3).toISOString(), to: h(3).toISOString() })).toEqual(['to']);
      expect(await fields({ licenseId: 'nope', userId: '42', deviceId: 'x' })).toEqual([
        'deviceId',
        'licenseId',
        'userId',
      ]);
      expect(await fields({ fingerprint: 'f'.repeat(257) })).toEqual(['fingerprint']);
      if (path === '/v1/lease-history') {
        expect(await fields({ cursor: 'not-a-cursor' })).toEqual(['cursor']);
        expect(await fields({ limit: '0' })).toEqual(['limit']);
        expect(await fields({ limit: '101' })).toEqual(['limit']);
      }
    }
  });

  it("answers 404 for another vendor's license, user or device, shows it none of this vendor's leases, and 401 without a key", async () => {
    const acme = await world();
    const other = await createVendor(app, 'Other');
    for (const path of ['/v1/lease-history', '/v1/lease-history/csv']) {
      for (const [query, entity] of [
        [{ licenseId: acme.floating }, 'License'],
        [{ userId: acme.worker }, 'User'],
        [{ deviceId: acme.device.id }, 'Device'],
      ] as const) {
        const res = await http().get(path).query(query).set(other.auth);
        expect(res.status).toBe(404);
        expect(res.body.error).toMatchObject({ code: 'NOT_FOUND', details: { entity } });
      }
      await http().get(path).expect(401);
    }
    const theirs = await http().get('/v1/lease-history').query({ fingerprint: 'ws-0142' }).set(other.auth).expect(200);
    expect(theirs.body.data).toEqual([]);
    const csv = await http().get('/v1/lease-history/csv').set(other.auth).expect(200);
    expect(String(csv.text).trim().split('\r\n')).toHaveLength(1);
  });
});
