import { createHash, randomBytes } from 'node:crypto';
import { seatWorld } from '../testing/seat-world';
import { fp, useSeatsApp } from './seats.fixture';

// The vendor's session and usage routes beside the program's (borrowing, stopping, usage history),
// their validation, and that another vendor's or container's ids reach none of them.

describe('seats over HTTP', () => {
  const seats = useSeatsApp();
  const { http, checkout } = seats;

  it('rejects bad input with VALIDATION_FAILED naming the field', async () => {
    const w = await seatWorld(seats.app);
    const cases: [object, string][] = [
      [{ licenseId: w.licenseId }, 'fingerprint'],
      [{ licenseId: w.licenseId, fingerprint: 'has space in it' }, 'fingerprint'],
      [{ fingerprint: fp('a') }, 'licenseId'],
      [{ licenseId: w.licenseId, product: w.productCode, fingerprint: fp('a') }, 'licenseId'],
      [{ licenseId: 'nope', fingerprint: fp('a') }, 'licenseId'],
      [{ licenseId: w.licenseId, fingerprint: fp('a'), borrowUntil: 'tomorrow' }, 'borrowUntil'],
      [{ licenseId: w.licenseId, fingerprint: fp('a'), extra: 1 }, 'extra'],
    ];
    for (const [body, field] of cases) {
      const res = await http().post('/client/v1/seats/checkout').set(w.device).send(body).expect(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(res.body.error.details.fields.map((f: { field: string }) => f.field)).toContain(field);
    }
    await http().post('/client/v1/seats/not-a-uuid/heartbeat').set(w.device).expect(400);
    const lease = await checkout(w, { fingerprint: fp('a') }).expect(201);
    const badBorrow = await http()
      .post(`/client/v1/seats/${lease.body.leaseId}/borrow`)
      .set(w.device)
      .send({})
      .expect(400);
    expect(badBorrow.body.error.details.fields[0].field).toBe('borrowUntil');
    const badUsage = await http()
      .get(`/v1/licenses/${w.licenseId}/usage`)
      .query({ from: 'x', granularity: 'week' })
      .set(w.vendor.auth)
      .expect(400);
    expect(badUsage.body.error.details.fields.map((f: { field: string }) => f.field).sort()).toEqual([
      'from',
      'granularity',
      'to',
    ]);
    await http().get(`/v1/licenses/${w.licenseId}/sessions`).query({ limit: 0 }).set(w.vendor.auth).expect(400);
    await http().post('/v1/sessions/not-a-uuid/stop').set(w.vendor.auth).expect(400);
    // Without credentials, or with a vendor key on a device route, nothing happens.
    await http()
      .post('/client/v1/seats/checkout')
      .send({ licenseId: w.licenseId, fingerprint: fp('a') })
      .expect(401);
    await http()
      .post('/client/v1/seats/checkout')
      .set(w.vendor.auth)
      .send({ licenseId: w.licenseId, fingerprint: fp('a') })
      .expect(401);
  });

  it('borrows, refuses a stop of the borrowed seat, lists and stops sessions; the next heartbeat answers SESSION_STOPPED', async () => {
    const w = await seatWorld(seats.app, { quantity: 3, borrowAllowed: true });
    const online = (await checkout(w, { fingerprint: fp('desk'), clientName: 'desk' }).expect(201)).body;
    const until = new Date(Date.now() + 2 * 86_400_000).toISOString();
    const returnKey = randomBytes(32).toString('base64url');
    const returnKeyHash = createHash('sha256').update(Buffer.from(returnKey, 'base64url')).digest('base64url');
    const borrowed = (await checkout(w, { fingerprint: fp('laptop'), borrowUntil: until, returnKeyHash }).expect(201))
      .body;
    expect(borrowed.borrowUntil).toBe(until);
    const tooLong = await http()
      .post(`/client/v1/seats/${online.leaseId}/borrow`)
      .set(w.device)
      .send({ borrowUntil: new Date(Date.now() + 30 * 86_400_000) })
      .expect(422);
    expect(tooLong.body.error.code).toBe('BORROW_TOO_LONG');

    const list = await http().get(`/v1/licenses/${w.licenseId}/sessions`).set(w.vendor.auth).expect(200);
    expect(
      list.body.data.map((s: { id: string; borrowed: boolean; clientName: string | null }) => [s.id, s.borrowed]),
    ).toEqual([
      [online.leaseId, false],
      [borrowed.leaseId, true],
    ]);
    expect(list.body.data[0]).toMatchObject({ clientName: 'desk', fingerprint: fp('desk') });
    const byContainer = await http()
      .get(`/v1/containers/${w.containerId}/sessions`)
      .query({ limit: 1 })
      .set(w.vendor.auth)
      .expect(200);
    expect(byContainer.body.data).toHaveLength(1);
    expect(byContainer.body.nextCursor).toBe(online.leaseId);

    const refused = await http().post(`/v1/sessions/${borrowed.leaseId}/stop`).set(w.vendor.auth).expect(409);
    expect(refused.body.error.code).toBe('SESSION_BORROWED');
    const stopped = await http().post(`/v1/sessions/${online.leaseId}/stop`).set(w.vendor.auth).expect(200);
    expect(stopped.body.endReason).toBe('STOPPED');
    const beat = await http().post(`/client/v1/seats/${online.leaseId}/heartbeat`).set(w.device).expect(409);
    expect(beat.body.error.code).toBe('SESSION_STOPPED');
    const twice = await http().post(`/v1/sessions/${online.leaseId}/stop`).set(w.vendor.auth).expect(409);
    expect(twice.body.error.code).toBe('SESSION_NOT_ACTIVE');

    expect(
      (await http().post(`/client/v1/seats/${borrowed.leaseId}/release`).set(w.device).expect(403)).body.error.code,
    ).toBe('RETURN_PROOF_INVALID');
    const returned = await http()
      .post(`/client/v1/seats/${borrowed.leaseId}/release`)
      .set(w.device)
      .send({ returnKey })
      .expect(200);
    expect(returned.body.endReason).toBe('RETURNED');
    expect((await http().get(`/v1/licenses/${w.licenseId}/sessions`).set(w.vendor.auth).expect(200)).body.data).toEqual(
      [],
    );
  });

  it('serves usage history ready to plot', async () => {
    const w = await seatWorld(seats.app, { quantity: 1 });
    await checkout(w, { fingerprint: fp('a') }).expect(201);
    await checkout(w, { fingerprint: fp('b') }).expect(409);
    const from = new Date(Date.now() - 2 * 3_600_000).toISOString();
    const to = new Date(Date.now() + 1000).toISOString();
    const usage = await http()
      .get(`/v1/licenses/${w.licenseId}/usage`)
      .query({ from, to, granularity: 'hour' })
      .set(w.vendor.auth)
      .expect(200);
    expect(usage.body).toMatchObject({ licenseId: w.licenseId, quantity: 1, granularity: 'hour' });
    expect(usage.body.series).toHaveLength(3);
    expect(usage.body.series.at(-1)).toMatchObject({ peakSeats: 1, denials: 1 });
    expect(usage.body.totals).toMatchObject({ peakSeats: 1, denials: 1 });
  });

  it("answers 404 for another vendor's or another container's ids and changes nothing", async () => {
    const mine = await seatWorld(seats.app, { quantity: 2 });
    const lease = (await checkout(mine, { fingerprint: fp('a') }).expect(201)).body;
    const stranger = await seatWorld(seats.app);
    const sibling = await seatWorld(seats.app, { vendor: mine.vendor });
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const vendorAttempts = [
      http().get(`/v1/licenses/${mine.licenseId}/sessions`),
      http().get(`/v1/containers/${mine.containerId}/sessions`),
      http().post(`/v1/sessions/${lease.leaseId}/stop`),
      http()
        .get(`/v1/licenses/${mine.licenseId}/usage`)
        .query({ from, to: new Date().toISOString(), granularity: 'hour' }),
    ];
    for (const attempt of vendorAttempts) {
      const res = await attempt.set(stranger.vendor.auth);
      expect([res.status, res.body.error?.code]).toEqual([404, 'NOT_FOUND']);
    }
    for (const device of [stranger.device, sibling.device]) {
      for (const action of ['heartbeat', 'release']) {
        const res = await http().post(`/client/v1/seats/${lease.leaseId}/${action}`).set(device);
        expect([res.status, res.body.error?.code]).toEqual([404, 'NOT_FOUND']);
      }
      const borrow = await http()
        .post(`/client/v1/seats/${lease.leaseId}/borrow`)
        .set(device)
        .send({ borrowUntil: new Date(Date.now() + 86_400_000) });
      expect(borrow.status).toBe(404);
      const checkout = await http()
        .post('/client/v1/seats/checkout')
        .set(device)
        .send({ licenseId: mine.licenseId, fingerprint: fp('x') });
      expect([checkout.status, checkout.body.error?.code]).toEqual([404, 'NOT_FOUND']);
    }
    const list = await http().get(`/v1/licenses/${mine.licenseId}/sessions`).set(mine.vendor.auth).expect(200);
    expect(list.body.data.map((s: { id: string }) => s.id)).toEqual([lease.leaseId]);
  });
});
