import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type { AppConfig, ConfigService } from '@leasehold/config';
import { loadConfig } from '@leasehold/config';
import { PgPool, PrismaService } from '@leasehold/db';
import {
  ApiProduct,
  createEnterpriseContainerViaApi,
  createPersonalContainerViaApi,
  createProductViaApi,
  createTestAppWithEnv,
  createVendor,
  dbOf,
  insertGroup,
  TestPgBouncer,
  TestVendor,
} from '@leasehold/testing';
import { LICENSE_CENTRAL_API } from '../api-info';
import { AppModule } from '../app.module';

// The hot path behind a transaction-mode pooler. A real PgBouncer (Debian's
// 1.18, which drops named prepared statements between transactions) started by this file, in
// front of this worker's database; two app instances with DATABASE_POOLER=transaction and
// DATABASE_URL pointing at it. Fewer server connections (4) than the apps' client connections
// (2 × 5), so every transaction may land on a different server connection. See docs/scaling.md.

const databaseOf = (url: string) => decodeURIComponent(new URL(url).pathname.slice(1));

describe('behind PgBouncer in transaction mode (DATABASE_POOLER=transaction)', () => {
  let bouncer: TestPgBouncer;
  let app: INestApplication;
  let second: INestApplication;
  let acme: TestVendor;
  let product: ApiProduct;
  const http = (a: INestApplication = app) => request(a.getHttpServer());

  beforeAll(async () => {
    bouncer = await TestPgBouncer.start({
      database: databaseOf(process.env['DATABASE_URL'] ?? ''),
      poolMode: 'transaction',
      poolSize: 4,
    });
    const env = { DATABASE_URL: bouncer.url, DATABASE_POOLER: 'transaction', DATABASE_POOL_SIZE: '5' };
    app = await createTestAppWithEnv(AppModule, LICENSE_CENTRAL_API, env);
    second = await createTestAppWithEnv(AppModule, LICENSE_CENTRAL_API, env);
    acme = await createVendor(app, 'Acme');
    product = await createProductViaApi(() => http(), acme);
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await second?.close();
    await bouncer?.stop();
  }, 60_000);

  it('the apps really talk to PgBouncer, with named prepared statements off', async () => {
    const pool = app.get(PgPool);
    expect(pool.preparedStatements).toBe(false);
    // Every connection of the pool (Prisma's too) goes to the pooler's port.
    expect(new URL(bouncer.url).port).toBe(String(bouncer.port));
    const [{ port }] = await pool.sql.$queryRaw<{ port: number }[]>`SELECT inet_server_port() AS port`;
    expect(port).toBe(5432); // the server behind the pooler answers…
    expect(bouncer.log()).toMatch(/new connection to server/); // …through PgBouncer's server connections
  });

  it('activation and validation: VALID, signed, on either app instance', async () => {
    const c = await createPersonalContainerViaApi(() => http(), dbOf(app), acme);
    const license = await http()
      .post(`/v1/containers/${c.containerId}/licenses`)
      .set(acme.auth)
      .send({ productId: product.productId, quantity: 1, features: ['export-pdf'] })
      .expect(201);
    await http()
      .post('/client/v1/activations')
      .set(c.device)
      .send({ fingerprint: 'fp-pooler-1', name: 'Laptop' })
      .expect(201);
    for (const target of [app, second, app, second]) {
      const answer = await http(target)
        .post('/client/v1/validate')
        .set(c.device)
        .send({ fingerprint: 'fp-pooler-1', feature: 'export-pdf', nonce: 'n-1' })
        .expect(200);
      expect(answer.body).toMatchObject({
        code: 'VALID',
        valid: true,
        nonce: 'n-1',
        license: { id: license.body.id, features: ['export-pdf'] },
      });
      expect(answer.body.envelope.format).toBe('leasehold-validation/1');
    }
    const missing = await http(second)
      .post('/client/v1/validate')
      .set(c.device)
      .send({ fingerprint: 'fp-not-activated', feature: 'export-pdf' })
      .expect(200);
    expect(missing.body.valid).toBe(false);
  });

  async function seatLicense(quantity: number) {
    const c = await createEnterpriseContainerViaApi(() => http(), acme, await insertGroup(dbOf(app), acme.vendor.id));
    const license = await http()
      .post(`/v1/containers/${c.containerId}/licenses`)
      .set(acme.auth)
      .send({ productId: product.productId, quantity })
      .expect(201);
    return { device: c.device, licenseId: license.body.id as string };
  }

  it('seat checkout, heartbeat and release, alternating app instances', async () => {
    const w = await seatLicense(2);
    const lease = await http(app)
      .post('/client/v1/seats/checkout')
      .set(w.device)
      .send({ licenseId: w.licenseId, fingerprint: 'fp-seat-a' })
      .expect(201);
    const again = await http(second)
      .post('/client/v1/seats/checkout')
      .set(w.device)
      .send({ licenseId: w.licenseId, fingerprint: 'fp-seat-a' })
      .expect(201);
    expect(again.body.leaseId).toBe(lease.body.leaseId);
    for (const target of [second, app]) {
      const beat = await http(target)
        .post(`/client/v1/seats/${lease.body.leaseId}/heartbeat`)
        .set(w.device)
        .expect(200);
      expect(beat.body.leaseId).toBe(lease.body.leaseId);
    }
    const released = await http(second)
      .post(`/client/v1/seats/${lease.body.leaseId}/release`)
      .set(w.device)
      .expect(200);
    expect(released.body).toMatchObject({ leaseId: lease.body.leaseId, endReason: 'RELEASED' });
    const late = await http(app).post(`/client/v1/seats/${lease.body.leaseId}/heartbeat`).set(w.device).expect(409);
    expect(late.body.error.code).toBe('LEASE_EXPIRED');
  });

  it('200 racing checkouts through two app instances on a 10-seat license: exactly 10 succeed; after release, exactly 10 again', async () => {
    const w = await seatLicense(10);
    const burst = async (prefix: string) => {
      const answers = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          http(i % 2 ? second : app)
            .post('/client/v1/seats/checkout')
            .set(w.device)
            .send({ licenseId: w.licenseId, fingerprint: `fp-${prefix}-${i}-0000` }),
        ),
      );
      const statuses = answers.reduce<Record<number, number>>(
        (acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }),
        {},
      );
      return { statuses, leases: answers.filter((r) => r.status === 201).map((r) => r.body.leaseId as string) };
    };
    const first = await burst('one');
    expect(first.statuses).toEqual({ 201: 10, 409: 190 });
    await Promise.all(
      first.leases.map((id, i) =>
        http(i % 2 ? second : app)
          .post(`/client/v1/seats/${id}/release`)
          .set(w.device)
          .expect(200),
      ),
    );
    const again = await burst('two');
    expect(again.statuses).toEqual({ 201: 10, 409: 190 });
    const prisma = app.get(PrismaService);
    expect(
      await prisma.seatSlot.count({
        where: { licenseId: w.licenseId, leaseId: { not: null }, expiresAt: { gt: new Date() } },
      }),
    ).toBe(10);
    expect(await prisma.seatLease.count({ where: { licenseId: w.licenseId, endedAt: null } })).toBe(10);
  }, 60_000);
});

describe('why the setting matters: named prepared statements through PgBouncer 1.18 in transaction mode', () => {
  let bouncer: TestPgBouncer;
  beforeAll(async () => {
    // Two server connections, so a client's next transaction can be sent to the other one.
    bouncer = await TestPgBouncer.start({
      database: databaseOf(process.env['DATABASE_URL'] ?? ''),
      poolMode: 'transaction',
      poolSize: 2,
    });
  }, 30_000);
  afterAll(() => bouncer?.stop());

  function poolWith(pooler: 'none' | 'transaction'): PgPool {
    const values: AppConfig = loadConfig({
      ...process.env,
      DATABASE_URL: bouncer.url,
      DATABASE_POOLER: pooler,
      DATABASE_POOL_SIZE: '1',
    });
    return new PgPool({ get: (key: keyof AppConfig) => values[key] } as unknown as ConfigService);
  }

  /**
   * Runs one statement on `pool` (one client connection), then holds the server connection it ran
   * on with two other clients' open transactions and lets the other server connection go, then
   * runs the same statement again: PgBouncer must send it to the other server connection.
   */
  async function sameStatementOnAnotherServerConnection(pool: PgPool): Promise<{ first: number; second: number }> {
    const pid = () => pool.sql.$queryRaw<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`.then((rows) => rows[0].pid);
    const first = await pid();
    const holders = [poolWith('transaction'), poolWith('transaction')];
    // releases[i] ends holder i's transaction (indexed by holder, not by which got there first).
    const releases: (() => void)[] = [];
    const committed: Promise<unknown>[] = [];
    const held = holders.map(
      (holder, i) =>
        new Promise<number>((resolveHeld, rejectHeld) => {
          committed[i] = holder
            .transaction(async (tx) => {
              const [{ pid: serverPid }] = await tx.$queryRaw<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
              await new Promise<void>((release) => {
                releases[i] = release;
                resolveHeld(serverPid);
              });
            })
            .catch(rejectHeld);
        }),
    );
    const serverPids = await Promise.all(held); // both server connections are in a transaction now
    expect(serverPids).toContain(first);
    expect(new Set(serverPids).size).toBe(2);
    // Let the holder of the *other* server connection commit; the first one stays busy.
    const other = serverPids.findIndex((p) => p !== first);
    releases[other]();
    try {
      await committed[other]; // its server connection is back in PgBouncer's pool
      await new Promise((r) => setTimeout(r, 100));
      const second = await pid();
      return { first, second };
    } finally {
      releases.forEach((release) => release());
      await new Promise((r) => setTimeout(r, 50));
      await Promise.all(holders.map((h) => h.end()));
    }
  }

  it('named (DATABASE_POOLER=none): the statement is missing on the other server connection', async () => {
    const pool = poolWith('none');
    try {
      expect(pool.preparedStatements).toBe(true);
      await expect(sameStatementOnAnotherServerConnection(pool)).rejects.toMatchObject({
        code: '26000',
        message: expect.stringMatching(/prepared statement "lh_[0-9a-f]+" does not exist/),
      });
    } finally {
      await pool.end();
    }
  });

  it('unnamed (DATABASE_POOLER=transaction): the same sequence works, on the other server connection', async () => {
    const pool = poolWith('transaction');
    try {
      const { first, second } = await sameStatementOnAnotherServerConnection(pool);
      expect(second).not.toBe(first);
    } finally {
      await pool.end();
    }
  });
});
