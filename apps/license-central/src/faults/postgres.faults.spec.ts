import { type INestApplication, Logger } from '@nestjs/common';
import request from 'supertest';
import {
  appBehindCuttableDatabase,
  createTestApp,
  CuttableTcpProxy,
  expectError,
  terminateBackends,
  waitFor,
} from '@leasehold/testing';
import { ADMIN_URL, workerDatabase } from '../../../../tools/jest/test-env';
import { LICENSE_CENTRAL_API } from '../api-info';
import { AppModule } from '../app.module';
import { seatWorld } from '../testing/seat-world';

// Fault injection (docs/operations.md, "Postgres connections terminated" and "Postgres
// unreachable"): the real license-central on the real Postgres. Only this test's own database's
// backends are terminated (pg_stat_activity filtered by its name): other runs share the server.

/** A container with one license of `quantity` seats (default 100) and the program's secret. */
const world = (app: INestApplication, quantity = 100) => seatWorld(app, { quantity });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What a fault may answer: a 503 DATABASE_UNAVAILABLE in the envelope with Retry-After, nothing else. */
function expectUnavailable(res: request.Response): void {
  expectError(res, 503, 'DATABASE_UNAVAILABLE');
  expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
}

describe('license-central when Postgres terminates its connections (fault injection)', () => {
  let app: INestApplication;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    app = await createTestApp(AppModule, LICENSE_CENTRAL_API);
  });
  afterAll(() => app?.close(), 30_000);

  it('survives repeated backend terminations under load: 503 DATABASE_UNAVAILABLE (never 401/500) while they happen, serving again by itself', async () => {
    const w = await world(app);
    const statuses = new Map<string, number>();
    const unexpected: string[] = [];
    let stop = false;
    // The error behind an unexpected 5xx, as the exception filter logs it (logs are silent in tests).
    const logged = new Map<string, unknown>();
    const logSpy = jest.spyOn(Logger.prototype, 'error').mockImplementation(function (this: Logger, entry: unknown) {
      const { requestId, err } = (entry ?? {}) as { requestId?: string; err?: unknown };
      if (requestId) logged.set(requestId, err);
    });
    const cause = (res: request.Response) => {
      const err = logged.get(String((res.body as { requestId?: string }).requestId)) as
        | { name?: string; code?: string; message?: string; stack?: string }
        | undefined;
      return err ? ` caused by ${err.name} ${err.code ?? ''} ${err.message}\n${err.stack ?? ''}` : '';
    };

    const note = (what: string, res: request.Response, allowed: number[]) => {
      statuses.set(`${what} ${res.status}`, (statuses.get(`${what} ${res.status}`) ?? 0) + 1);
      if (res.status === 503) {
        try {
          expectUnavailable(res);
        } catch {
          unexpected.push(`${what}: 503 ${res.text} retry-after=${String(res.headers['retry-after'])}`);
        }
      } else if (!allowed.includes(res.status)) {
        unexpected.push(`${what}: ${res.status} ${res.text}${cause(res)}`);
      }
    };

    // Programs checking out and releasing seats (PgPool transactions, device-secret authentication),
    // and a vendor reading the license (Prisma on the same pool, API-key authentication).
    const device = async (n: number) => {
      const fingerprint = `fp-fault-${n}-000000`;
      while (!stop) {
        const out = await http()
          .post('/client/v1/seats/checkout')
          .set(w.device)
          .send({ licenseId: w.licenseId, fingerprint });
        note('checkout', out, [201]);
        if (out.status === 201)
          note('release', await http().post(`/client/v1/seats/${out.body.leaseId}/release`).set(w.device), [200, 409]);
        note(
          'validate',
          await http().post('/client/v1/validate').set(w.device).send({ product: w.productCode, fingerprint }),
          [200, 201, 400, 403, 404],
        );
      }
    };
    const vendor = async () => {
      while (!stop) note('vendor read', await http().get(`/v1/licenses/${w.licenseId}`).set(w.vendor.auth), [200]);
    };
    const load = [...Array.from({ length: 6 }, (_, n) => device(n)), vendor(), vendor()];

    // Failovers: every backend of this test's database terminated, again and again, under load.
    let terminated = 0;
    await sleep(500);
    for (let round = 0; round < 12; round++) {
      terminated += await terminateBackends(ADMIN_URL, workerDatabase());
      await sleep(250 + Math.random() * 250);
    }
    stop = true;
    await Promise.all(load);
    logSpy.mockRestore();

    expect(terminated).toBeGreaterThan(12);
    expect(unexpected).toEqual([]);
    expect([...statuses.keys()].filter((k) => k.endsWith(' 503')).length).toBeGreaterThan(0); // the faults were felt
    expect([...statuses.keys()].some((k) => / 40[13]$/.test(k))).toBe(false);

    // Serving again within a few seconds, by itself.
    const started = Date.now();
    const lease = await waitFor(
      async () => {
        const res = await http()
          .post('/client/v1/seats/checkout')
          .set(w.device)
          .send({ licenseId: w.licenseId, fingerprint: 'fp-after-fault-0000' });
        return res.status === 201 ? res.body : null;
      },
      5_000,
      'a checkout to succeed after the terminations',
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    await http().post(`/client/v1/seats/${lease.leaseId}/release`).set(w.device).expect(200);
    await http().get('/health/ready').expect(200);
  }, 60_000);
});

describe('license-central while Postgres is unreachable (fault injection)', () => {
  let app: INestApplication;
  let proxy: CuttableTcpProxy;
  let close: (() => Promise<void>) | undefined;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    ({ app, proxy, close } = await appBehindCuttableDatabase(AppModule, LICENSE_CENTRAL_API));
  });
  afterAll(async () => {
    await close?.();
  }, 30_000);

  it('answers valid credentials with 503 DATABASE_UNAVAILABLE, never 401/403, and serves again when the database returns', async () => {
    const w = await world(app, 5);
    await http()
      .post('/client/v1/seats/checkout')
      .set(w.device)
      .send({ licenseId: w.licenseId, fingerprint: 'fp-before-cut-0000' })
      .expect(201);

    proxy.cut();
    // Device secret (checked in the strategy), vendor API key, and the hot route that checks its
    // secret in its own statement: none of them may tell a valid caller its credentials are bad.
    const checkout = await http()
      .post('/client/v1/seats/checkout')
      .set(w.device)
      .send({ licenseId: w.licenseId, fingerprint: 'fp-during-cut-00' });
    expectUnavailable(checkout);
    const read = await http().get(`/v1/licenses/${w.licenseId}`).set(w.vendor.auth);
    expectUnavailable(read);
    const validation = await http()
      .post('/client/v1/validate')
      .set(w.device)
      .send({ product: w.productCode, fingerprint: 'fp-during-cut-00' });
    expectUnavailable(validation);
    const ready = await http().get('/health/ready').expect(503);
    expect(ready.body.error.details).toMatchObject({ error: { postgres: { status: 'down' } } });

    proxy.restore();
    await waitFor(
      async () => (await http().get(`/v1/licenses/${w.licenseId}`).set(w.vendor.auth)).status === 200,
      5_000,
      'the vendor API to answer again',
    );
    await http()
      .post('/client/v1/seats/checkout')
      .set(w.device)
      .send({ licenseId: w.licenseId, fingerprint: 'fp-after-cut-000' })
      .expect(201);
  }, 30_000);
});
