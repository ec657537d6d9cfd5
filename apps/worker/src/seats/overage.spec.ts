import { expectError } from '@leasehold/testing';
import { lastHourUsage, useSeatRulesWorld } from './reservations-overage.fixture';

// Through the public routes: the overage allowance (vendor API), with its bad input, authorisation
// and other tenants' ids, and its events arriving as webhooks through the worker.

describe('seat overage (license-central + worker relay and webhooks)', () => {
  const world = useSeatRulesWorld();
  const http = () => world.http();

  it('overage: above the quantity within the allowance, marked overage, started/ended webhooks once; bad input and other vendors refused', async () => {
    const { vendor, stranger } = world;
    const c = await world.customer();
    const route = `/v1/licenses/${c.licenseId}/overage`;
    for (const body of [
      {},
      { factor: 1.5, extraSeats: 2 },
      { factor: 0.5 },
      { factor: 1.234 },
      { factor: 11 },
      { extraSeats: 0 },
      { extraSeats: 1.5 },
      { factor: 'x' },
    ]) {
      expectError(await http().put(route).set(vendor.auth).send(body), 400, 'VALIDATION_FAILED');
    }
    expectError(await http().put(route).set(stranger.auth).send({ factor: 2 }), 404, 'NOT_FOUND');
    expectError(await http().get(route).set(stranger.auth), 404, 'NOT_FOUND');
    expectError(await http().put(route).send({ factor: 2 }), 401, 'UNAUTHENTICATED');
    // attack: without an allowance the 4th seat of 3 is refused
    const held = [];
    for (const fp of ['a', 'b', 'c'])
      held.push((await c.checkout(fp).expect(201)).body as { leaseId: string; overage: boolean });
    expect(held.every((l) => !l.overage)).toBe(true);
    expectError(await c.checkout('d'), 409, 'NO_SEAT_AVAILABLE');

    const set = await http().put(route).set(vendor.auth).send({ factor: 1.5 }).expect(200);
    expect(set.body).toEqual({
      licenseId: c.licenseId,
      quantity: 3,
      allowance: { factor: 1.5 },
      capacity: 4,
      inUse: 3,
      overageSince: null,
    });
    const over = await c.checkout('d').expect(201);
    expect(over.body.overage).toBe(true);
    expectError(await c.checkout('e'), 409, 'NO_SEAT_AVAILABLE');
    expect((await http().get(route).set(vendor.auth).expect(200)).body.overageSince).not.toBeNull();
    const sessions = await http().get(`/v1/licenses/${c.licenseId}/sessions`).set(vendor.auth).expect(200);
    expect(sessions.body.data.filter((s: { overage: boolean }) => s.overage)).toHaveLength(1);
    // a little time in overage, so the usage answer's minutes (0.01 precision) cannot round to 0
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await http().post(`/client/v1/seats/${held[0].leaseId}/release`).set(c.device).expect(200);

    const [started] = await world.webhooks('license.overage_started', c.licenseId);
    const [ended] = await world.webhooks('license.overage_ended', c.licenseId);
    expect(started.data).toMatchObject({ licenseId: c.licenseId, quantity: 3, capacity: 4, inUse: 4 });
    expect(ended.data).toMatchObject({ licenseId: c.licenseId, quantity: 3, peakSeats: 4, inUse: 3 });

    const usage = await http().get(`/v1/licenses/${c.licenseId}/usage?${lastHourUsage()}`).set(vendor.auth).expect(200);
    expect(usage.body.overage).toMatchObject({ allowance: { factor: 1.5 }, capacity: 4, peakSeats: 4, leases: 1 });
    expect(usage.body.overage.minutes).toBeGreaterThan(0);
    expect(usage.body.overage.episodes).toEqual([expect.objectContaining({ peakSeats: 4 })]);

    const removed = await http().delete(route).set(vendor.auth).expect(200);
    expect(removed.body).toMatchObject({ allowance: null, capacity: 3, inUse: 3 });
    expectError(await c.checkout('f'), 409, 'NO_SEAT_AVAILABLE');

    // Every change of the allowance is audited (it decides what the customer may be billed for);
    // the refused ones above left none.
    const trail = await http().get(`/v1/audit?entityType=license&entityId=${c.licenseId}`).set(vendor.auth).expect(200);
    const overageEntries = trail.body.data.filter((e: { action: string }) => e.action === 'license.overage_changed');
    expect(overageEntries).toEqual([
      expect.objectContaining({
        actorType: 'VENDOR_KEY',
        before: { allowance: null },
        after: { allowance: { factor: 1.5 } },
      }),
      expect.objectContaining({
        actorType: 'VENDOR_KEY',
        before: { allowance: { factor: 1.5 } },
        after: { allowance: null },
      }),
    ]);
    const strangers = await http()
      .get(`/v1/audit?entityType=license&entityId=${c.licenseId}`)
      .set(stranger.auth)
      .expect(200);
    expect(strangers.body.data).toEqual([]);
  }, 120_000);
});
