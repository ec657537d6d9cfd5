import { PrismaService } from '@leasehold/db';
import { seatWorld } from '../testing/seat-world';
import { fp, useSeatsApp } from './seats.fixture';

// A lease as the licensed program sees it through the program's routes: checkout, heartbeat and
// release, a full license, the revision a heartbeat reports, and the seat count under a race.

describe('seats over HTTP', () => {
  const seats = useSeatsApp({ instances: 2 });
  const { http, checkout } = seats;

  it('checks out, heartbeats and releases; the same device gets its lease back', async () => {
    const w = await seatWorld(seats.app);
    const lease = await http()
      .post('/client/v1/seats/checkout')
      .set(w.device)
      .send({ product: w.productCode, fingerprint: fp('a'), clientName: 'ws-1' })
      .expect(201);
    expect(lease.body).toMatchObject({
      licenseId: w.licenseId,
      heartbeatIntervalSeconds: 120,
      leaseTtlSeconds: 3600,
      borrowUntil: null,
    });
    expect(typeof lease.body.leaseId).toBe('string');
    expect(new Date(lease.body.expiresAt).getTime()).toBeGreaterThan(Date.now() + 3500_000);
    const again = await checkout(w, { fingerprint: fp('a') }).expect(201);
    expect(again.body.leaseId).toBe(lease.body.leaseId);

    const beat = await http().post(`/client/v1/seats/${lease.body.leaseId}/heartbeat`).set(w.device).expect(200);
    expect(beat.body.leaseId).toBe(lease.body.leaseId);
    const released = await http().post(`/client/v1/seats/${lease.body.leaseId}/release`).set(w.device).expect(200);
    expect(released.body).toMatchObject({ leaseId: lease.body.leaseId, endReason: 'RELEASED' });
    const late = await http().post(`/client/v1/seats/${lease.body.leaseId}/heartbeat`).set(w.device).expect(409);
    expect(late.body.error).toMatchObject({ code: 'LEASE_EXPIRED', details: { endReason: 'RELEASED' } });
  });

  it('answers NO_SEAT_AVAILABLE as 409 (not 429: all seats taken is not "slow down") with retryAfter in the body only', async () => {
    const w = await seatWorld(seats.app, { quantity: 1 });
    await checkout(w, { fingerprint: fp('a') }).expect(201);
    const full = await checkout(w, { fingerprint: fp('b') }).expect(409);
    expect(full.body.error.code).toBe('NO_SEAT_AVAILABLE');
    expect(full.body.error.details).toMatchObject({ quantity: 1, inUse: 1 });
    expect(full.body.error.details.retryAfter).toBeGreaterThanOrEqual(1);
    // A generic HTTP client that honours Retry-After must not be told to wait (it used to be 3600 s).
    expect(full.headers['retry-after']).toBeUndefined();
  });

  it('a heartbeat answers the container revision and updateAvailable for knownRevision (online and borrowed leases); a bad knownRevision is a 400', async () => {
    const w = await seatWorld(seats.app, { quantity: 2, borrowAllowed: true });
    const online = (await checkout(w, { fingerprint: fp('desk') }).expect(201)).body;
    const until = new Date(Date.now() + 86_400_000).toISOString();
    const borrowed = (await checkout(w, { fingerprint: fp('laptop'), borrowUntil: until }).expect(201)).body;
    const beat = (leaseId: string, body?: Record<string, unknown>) => {
      const req = http().post(`/client/v1/seats/${leaseId}/heartbeat`).set(w.device);
      return body === undefined ? req : req.send(body);
    };

    expect((await beat(online.leaseId, { knownRevision: 1 }).expect(200)).body).toMatchObject({
      leaseId: online.leaseId,
      revision: 1,
      updateAvailable: false,
    });
    expect((await beat(online.leaseId).expect(200)).body).toMatchObject({ revision: 1, updateAvailable: false });

    // the vendor changes the license's quantity (revision 1 -> 2)
    await http().patch(`/v1/licenses/${w.licenseId}`).set(w.vendor.auth).send({ quantity: 3 }).expect(200);
    expect((await beat(online.leaseId, { knownRevision: 1 }).expect(200)).body).toMatchObject({
      leaseId: online.leaseId,
      revision: 2,
      updateAvailable: true,
    });
    expect((await beat(online.leaseId, { knownRevision: 2 }).expect(200)).body).toMatchObject({
      revision: 2,
      updateAvailable: false,
    });
    expect((await beat(online.leaseId, { knownRevision: null }).expect(200)).body).toMatchObject({
      revision: 2,
      updateAvailable: false,
    });
    // a borrowed lease answers from the lease state, with the same revision
    expect((await beat(borrowed.leaseId, { knownRevision: 1 }).expect(200)).body).toMatchObject({
      leaseId: borrowed.leaseId,
      borrowUntil: until,
      revision: 2,
      updateAvailable: true,
    });
    expect((await beat(borrowed.leaseId, { knownRevision: 2 }).expect(200)).body).toMatchObject({
      revision: 2,
      updateAvailable: false,
    });
    // the same number GET /client/v1/updates answers
    expect(
      (await http().get('/client/v1/updates').query({ knownRevision: 0, wait: 0 }).set(w.device).expect(200)).body
        .revision,
    ).toBe(2);

    for (const knownRevision of [-1, 2.5, '2', 2_147_483_648]) {
      const res = await beat(online.leaseId, { knownRevision });
      expect([
        res.status,
        res.body.error?.code,
        res.body.error?.details?.fields?.map((f: { field: string }) => f.field),
      ]).toEqual([400, 'VALIDATION_FAILED', ['knownRevision']]);
    }
    const unknown = await beat(online.leaseId, { revision: 2 });
    expect([unknown.status, unknown.body.error?.code]).toEqual([400, 'VALIDATION_FAILED']);
  });

  it('500 parallel checkouts through two app instances on a 10-seat license: exactly 10 succeed; after release every seat is usable again', async () => {
    const w = await seatWorld(seats.app, { quantity: 10 });
    const burst = async (prefix: string) => {
      const answers = await Promise.all(
        Array.from({ length: 500 }, (_, i) =>
          checkout(w, { fingerprint: fp(`${prefix}${i}`) }, i % 2 ? seats.second : seats.app),
        ),
      );
      const statuses = answers.reduce<Record<number, number>>(
        (acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }),
        {},
      );
      return { statuses, leases: answers.filter((r) => r.status === 201).map((r) => r.body.leaseId as string) };
    };
    const first = await burst('one');
    expect(first.statuses).toEqual({ 201: 10, 409: 490 });
    await Promise.all(
      first.leases.map((id, i) =>
        http(i % 2 ? seats.second : seats.app)
          .post(`/client/v1/seats/${id}/release`)
          .set(w.device)
          .expect(200),
      ),
    );
    const again = await burst('two');
    expect(again.statuses).toEqual({ 201: 10, 409: 490 });
    const live = await seats.app
      .get(PrismaService)
      .seatSlot.count({ where: { licenseId: w.licenseId, leaseId: { not: null }, expiresAt: { gt: new Date() } } });
    expect(live).toBe(10);
  }, 180_000);
});
