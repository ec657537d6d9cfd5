import { h, strangersOf, useUsagePortal } from './usage.fixture';

// A license's usage as its group admin queries it (GET /v1/group/licenses/:licenseId/usage): the
// series, its validation and its scope. The lease history behind it: usage.lease-history.e2e.spec.ts.

describe('portal usage (group admins query a license of their group)', () => {
  const { portal, http, world } = useUsagePortal();

  it('answers a gap-free hourly or daily series with totals, ready to plot', async () => {
    const w = await world();
    const hourly = await http()
      .get(`/v1/group/licenses/${w.license.id}/usage`)
      .query({ from: h(0).toISOString(), to: h(3).toISOString(), granularity: 'hour' })
      .set(w.admin.auth)
      .expect(200);
    expect(hourly.body).toEqual({
      licenseId: w.license.id,
      quantity: 3,
      granularity: 'hour',
      from: h(0).toISOString(),
      to: h(3).toISOString(),
      aggregatedUntil: null,
      series: [
        {
          start: h(0).toISOString(),
          peakSeats: 2,
          seatHours: 1.5,
          overageMinutes: 0,
          sessionsStarted: 2,
          distinctUsers: 0,
          distinctDevices: 1,
          denials: 0,
        },
        {
          start: h(1).toISOString(),
          peakSeats: 3,
          seatHours: 2,
          overageMinutes: 0,
          sessionsStarted: 1,
          distinctUsers: 0,
          distinctDevices: 1,
          denials: 4,
        },
        {
          start: h(2).toISOString(),
          peakSeats: 0,
          seatHours: 0,
          overageMinutes: 0,
          sessionsStarted: 0,
          distinctUsers: 0,
          distinctDevices: 0,
          denials: 0,
        },
      ],
      totals: { peakSeats: 3, seatHours: 3.5, sessionsStarted: 3, denials: 4 },
      overage: { allowance: null, capacity: 3, minutes: 0, peakSeats: 0, leases: 0, episodes: [] },
      reservations: { reservedSeats: 0, items: [] },
    });
    // from/to are rounded to whole buckets.
    const daily = await http()
      .get(`/v1/group/licenses/${w.license.id}/usage`)
      .query({ from: h(5).toISOString(), to: h(30).toISOString(), granularity: 'day' })
      .set(w.admin.auth)
      .expect(200);
    expect(daily.body.from).toBe(h(0).toISOString());
    expect(daily.body.to).toBe(h(48).toISOString());
    expect(daily.body.series).toEqual([
      {
        start: h(0).toISOString(),
        peakSeats: 3,
        seatHours: 3.5,
        overageMinutes: 0,
        sessionsStarted: 3,
        distinctUsers: 0,
        distinctDevices: 1,
        denials: 4,
      },
      {
        start: h(24).toISOString(),
        peakSeats: 0,
        seatHours: 0,
        overageMinutes: 0,
        sessionsStarted: 0,
        distinctUsers: 0,
        distinctDevices: 0,
        denials: 0,
      },
    ]);
  });

  it('refuses bad ranges and granularities with VALIDATION_FAILED naming the field', async () => {
    const w = await world();
    const url = `/v1/group/licenses/${w.license.id}/usage`;
    const fields = async (query: Record<string, string>) => {
      const res = await http().get(url).query(query).set(w.admin.auth);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      return res.body.error.details.fields.map((f: { field: string }) => f.field).sort();
    };
    expect(await fields({})).toEqual(['from', 'granularity', 'to']);
    expect(await fields({ from: 'yesterday', to: h(1).toISOString(), granularity: 'week' })).toEqual([
      'from',
      'granularity',
    ]);
    expect(await fields({ from: h(3).toISOString(), to: h(0).toISOString(), granularity: 'hour' })).toEqual(['to']);
    expect(await fields({ from: h(0).toISOString(), to: h(24 * 100).toISOString(), granularity: 'hour' })).toEqual([
      'to',
    ]);
    const badId = await http()
      .get('/v1/group/licenses/nope/usage')
      .query({ from: h(0).toISOString(), to: h(1).toISOString(), granularity: 'hour' })
      .set(w.admin.auth);
    expect(badId.status).toBe(400);
  });

  it('refuses members (403) and hides licenses of other groups and vendors (404)', async () => {
    const w = await world();
    const query = { from: h(0).toISOString(), to: h(3).toISOString(), granularity: 'hour' };
    const member = await http()
      .get(`/v1/group/licenses/${w.license.id}/usage`)
      .query(query)
      .set(w.member.auth)
      .expect(403);
    expect(member.body.error.code).toBe('GROUP_ADMIN_REQUIRED');
    for (const [auth, licenseId] of await strangersOf(portal, w)) {
      const res = await http().get(`/v1/group/licenses/${licenseId}/usage`).query(query).set(auth);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    }
  });
});
