import { Test, TestingModule } from '@nestjs/testing';
import { ConfigModule, ConfigService } from '@leasehold/config';
import { Prisma } from '../generated/prisma/client';
import { DbModule } from '../client/db.module';
import { advisoryLockKey, PgPool } from './pg-pool';
import { PrismaService } from '../client/prisma.service';
import { uuidV7 } from '../client/uuid';

describe('PgPool (plain pg on the pool Prisma shares)', () => {
  let moduleRef: TestingModule;
  let pg: PgPool;
  let prisma: PrismaService;

  beforeAll(async () => {
    moduleRef = await Test.createTestingModule({ imports: [ConfigModule, DbModule] }).compile();
    await moduleRef.init();
    pg = moduleRef.get(PgPool);
    prisma = moduleRef.get(PrismaService);
  });

  afterAll(() => moduleRef.close());

  const slug = () => `pg-${uuidV7().slice(-12)}`;

  /**
   * A transaction under the advisory lock `key` that inserts vendor `s` and keeps the lock 0.3 s;
   * returned once it holds the lock, with `done` for its commit.
   */
  async function firstHolder(key: bigint, s: string): Promise<{ done: Promise<void> }> {
    const done = pg.transaction(
      async (tx) => {
        await tx.$executeRaw`INSERT INTO vendors (id, slug, name, "updatedAt") VALUES (${uuidV7()}::uuid, ${s}, 'first holder', now())`;
        await tx.$queryRaw`SELECT pg_sleep(0.3)`;
      },
      { advisoryLock: key },
    );
    await new Promise((r) => setTimeout(r, 100));
    return { done };
  }

  it('binds values as parameters and maps results as node-postgres does', async () => {
    const at = new Date('2026-01-02T03:04:05.678Z');
    const hostile = "x'; DROP TABLE vendors; --";
    const [row] = await pg.sql.$queryRaw<{ n: number; at: Date; tags: string[]; text: string; big: string }[]>`
      SELECT 41 + ${1}::int AS n, ${at}::timestamptz AS at, ${['a', 'b']}::text[] AS tags, ${hostile}::text AS text, count(*) AS big
        FROM (VALUES (1), (2)) v`;
    expect(row).toEqual({ n: 42, at, tags: ['a', 'b'], text: hostile, big: '2' });
  });

  it('runs composed Prisma.sql fragments (joins, empty parts)', async () => {
    const ids = [1, 2, 3].map((n) => Prisma.sql`(${n}::int)`);
    const rows = await pg.sql.$queryRaw<{ n: number }[]>(
      Prisma.sql`SELECT v.n FROM (VALUES ${Prisma.join(ids)}) v(n) ${Prisma.empty} ORDER BY n`,
    );
    expect(rows.map((r) => r.n)).toEqual([1, 2, 3]);
  });

  it('plans a named statement once per connection (generic plan), never per execution', async () => {
    // Postgres's default would plan the first five executions with their values (custom plans)
    // and keep doing so whenever the generic plan looks dearer: 4–8 ms per validation
    // (docs/benchmarks.md, "Plans made once").
    const vendor = uuidV7();
    const plans = await pg.transaction(async (tx) => {
      for (let i = 0; i < 8; i++)
        await tx.$queryRaw`SELECT count(*)::int AS n FROM vendors WHERE id = ${vendor}::uuid AND slug <> ${'x'}`;
      return tx.$queryRaw<{ generic: number; custom: number }[]>`
        SELECT generic_plans::int AS generic, custom_plans::int AS custom FROM pg_prepared_statements
         WHERE statement LIKE 'SELECT count(*)::int AS n FROM vendors WHERE id = $1::uuid AND slug <> $2%'`;
    });
    expect(plans).toEqual([{ generic: 8, custom: 0 }]);
  });

  it('commits a transaction that resolves, as Prisma sees it', async () => {
    const s = slug();
    const id = await pg.transaction(async (tx) => {
      const [row] = await tx.$queryRaw<{ id: string }[]>`
        INSERT INTO vendors (id, slug, name, "updatedAt") VALUES (${uuidV7()}::uuid, ${s}, 'pg pool spec', now()) RETURNING id`;
      return row.id;
    });
    await expect(prisma.vendor.findUnique({ where: { id } })).resolves.toMatchObject({ slug: s });
  });

  it('retries a transaction the database chose as a deadlock victim: two opposite lock orders both commit', async () => {
    const [a, b] = [slug(), slug()];
    const ids: string[] = [];
    for (const s of [a, b]) {
      const [row] = await pg.sql.$queryRaw<
        { id: string }[]
      >`INSERT INTO vendors (id, slug, name, "updatedAt") VALUES (${uuidV7()}::uuid, ${s}, 'deadlock', now()) RETURNING id`;
      ids.push(row.id);
    }
    // Each transaction locks its first row, waits until the other has locked its own, then asks for
    // the other's: a deadlock (40P01) on the first attempt, which PgPool retries.
    let locked = 0;
    const bothLocked = () =>
      new Promise<void>((resolve) => {
        const poll = () => (locked >= 2 ? resolve() : setTimeout(poll, 10));
        poll();
      });
    let attempts = 0;
    const swap = (first: string, second: string) =>
      pg.transaction(async (tx) => {
        attempts += 1;
        await tx.$executeRaw`UPDATE vendors SET name = name || '+' WHERE id = ${first}::uuid`;
        locked += 1;
        await bothLocked();
        await tx.$executeRaw`UPDATE vendors SET name = name || '+' WHERE id = ${second}::uuid`;
      });
    await Promise.all([swap(ids[0], ids[1]), swap(ids[1], ids[0])]);
    expect(attempts).toBe(3);
    const names = await prisma.vendor.findMany({ where: { id: { in: ids } }, select: { name: true } });
    expect(names.map((v) => v.name)).toEqual(['deadlock++', 'deadlock++']);
  });

  it('rolls back every statement of a transaction that throws, and rethrows', async () => {
    const s = slug();
    await expect(
      pg.transaction(async (tx) => {
        await tx.$executeRaw`INSERT INTO vendors (id, slug, name, "updatedAt") VALUES (${uuidV7()}::uuid, ${s}, 'rolled back', now())`;
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    await expect(prisma.vendor.findUnique({ where: { slug: s } })).resolves.toBeNull();
  });

  it('rolls back a transaction whose statement fails, and the connection is usable again', async () => {
    const s = slug();
    await expect(
      pg.transaction(async (tx) => {
        await tx.$executeRaw`INSERT INTO vendors (id, slug, name, "updatedAt") VALUES (${uuidV7()}::uuid, ${s}, 'first', now())`;
        await tx.$executeRaw`INSERT INTO vendors (id, slug, name, "updatedAt") VALUES (${uuidV7()}::uuid, ${s}, 'duplicate slug', now())`;
      }),
    ).rejects.toThrow(/unique/i);
    await expect(prisma.vendor.count({ where: { slug: s } })).resolves.toBe(0);
    // Every pooled connection still works (none was returned mid-transaction).
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => pg.sql.$queryRaw<{ n: number }[]>`SELECT ${i}::int AS n`),
    );
    expect(results.map(([r]) => r.n)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('runs statements as named prepared statements, so a connection parses each text once', async () => {
    const prepared = await pg.transaction(async (tx) => {
      for (const n of [1, 2, 3]) await tx.$queryRaw`SELECT ${n}::int AS n, 'pg-pool-spec-prepared' AS tag`;
      return tx.$queryRaw<{ name: string }[]>`
        SELECT name FROM pg_prepared_statements WHERE statement LIKE '%pg-pool-spec-prepared%' AND statement NOT LIKE '%pg_prepared_statements%'`;
    });
    expect(prepared).toHaveLength(1);
    expect(prepared[0].name).toMatch(/^lh_[0-9a-f]{20}$/);
  });

  it("takes an advisory lock with BEGIN: the next holder's first statement sees what the previous one committed", async () => {
    const s = slug();
    const key = advisoryLockKey(`pg-pool-spec:${s}`);
    const first = await firstHolder(key, s);
    const seen = await pg.transaction(
      (tx) => tx.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM vendors WHERE slug = ${s}`,
      { advisoryLock: key },
    );
    await first.done;
    expect(seen[0].n).toBe(1);
    // Keys are signed 64-bit and stable.
    expect(advisoryLockKey('x')).toBe(advisoryLockKey('x'));
    expect(BigInt.asIntN(64, advisoryLockKey('x'))).toBe(advisoryLockKey('x'));
  });

  describe('lockedStatement: BEGIN with advisory locks, one statement and COMMIT in one round trip', () => {
    const insertVendor = (s: string, name: string) =>
      Prisma.sql`INSERT INTO vendors (id, slug, name, "updatedAt") VALUES (${uuidV7()}::uuid, ${s}, ${name}, now()) RETURNING name`;

    it('commits what the statement wrote and returns its rows', async () => {
      const s = slug();
      await expect(pg.lockedStatement(advisoryLockKey(s), insertVendor(s, 'committed'))).resolves.toEqual([
        { name: 'committed' },
      ]);
      await expect(prisma.vendor.count({ where: { slug: s } })).resolves.toBe(1);
    });

    it("takes the lock before the statement's snapshot: it sees what the previous holder committed", async () => {
      const s = slug();
      const key = advisoryLockKey(`pg-pool-spec:${s}`);
      const first = await firstHolder(key, s);
      const seen = await pg.lockedStatement<{ n: number }>(
        key,
        Prisma.sql`SELECT count(*)::int AS n FROM vendors WHERE slug = ${s}`,
      );
      await first.done;
      expect(seen).toEqual([{ n: 1 }]);
    });

    /**
     * What a transaction under `waiter` sees of a slow statement's row, written under `locks` (it
     * started first): 1 when it waited for that statement's commit.
     */
    async function seenAfterSlowStatement(s: string, locks: bigint | bigint[], waiter: bigint): Promise<number> {
      const slow = pg.lockedStatement(
        locks,
        Prisma.sql`WITH w AS (INSERT INTO vendors (id, slug, name, "updatedAt") VALUES (${uuidV7()}::uuid, ${s}, 'slow', now()))
                   SELECT pg_sleep(0.3)::text AS slept`,
      );
      await new Promise((r) => setTimeout(r, 100));
      const seen = await pg.transaction(
        (tx) => tx.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM vendors WHERE slug = ${s}`,
        { advisoryLock: waiter },
      );
      await slow;
      return seen[0].n;
    }

    it('holds the lock until it commits: a transaction under the same lock waits for it', async () => {
      const s = slug();
      const key = advisoryLockKey(`pg-pool-spec:${s}`);
      await expect(seenAfterSlowStatement(s, key, key)).resolves.toBe(1);
    });

    it('with several locks: holds every one of them, each once, while its statement runs', async () => {
      const s = slug();
      const keys = [3n, 1n, 2n, 1n].map((n) => advisoryLockKey(`pg-pool-spec:${s}:${n}`));
      // pg_locks shows an int8 advisory lock as two int4 halves: classid (high), objid (low)
      const held = await pg.lockedStatement<{ key: string }>(
        keys,
        Prisma.sql`SELECT ((classid::bigint << 32) | objid::bigint)::text AS key FROM pg_locks
                    WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted ORDER BY key`,
      );
      const unsigned = [...new Set(keys)].map((key) => BigInt.asUintN(64, key));
      expect(held.map((row) => BigInt.asUintN(64, BigInt(row.key))).sort()).toEqual(unsigned.sort());

      // a transaction under one of the locks alone waits for the statement's commit
      await expect(seenAfterSlowStatement(s, keys, keys[2])).resolves.toBe(1);
    });

    it('rolls back and rethrows a statement that fails; every connection is usable again, none left in a transaction', async () => {
      const s = slug();
      await pg.lockedStatement(advisoryLockKey(s), insertVendor(s, 'first'));
      // A statement that writes one row and then fails on the duplicate slug: nothing of it stays.
      const other = slug();
      await expect(
        pg.lockedStatement(
          advisoryLockKey(s),
          Prisma.sql`WITH a AS (INSERT INTO vendors (id, slug, name, "updatedAt") VALUES (${uuidV7()}::uuid, ${other}, 'second', now()))
                     INSERT INTO vendors (id, slug, name, "updatedAt") VALUES (${uuidV7()}::uuid, ${s}, 'duplicate slug', now())`,
        ),
      ).rejects.toThrow(/unique/i);
      await expect(prisma.vendor.count({ where: { slug: { in: [s, other] } } })).resolves.toBe(1);
      const states = await Promise.all(
        Array.from(
          { length: 20 },
          () =>
            pg.sql.$queryRaw<
              { inTransaction: boolean }[]
            >`SELECT txid_current_if_assigned() IS NOT NULL AS "inTransaction"`,
        ),
      );
      expect(states.map(([r]) => r.inTransaction)).toEqual(Array.from({ length: 20 }, () => false));
    });

    it('a lock wait cut short fails the whole transaction: the statement never runs, the error is thrown', async () => {
      const config = moduleRef.get(ConfigService);
      const url = new URL(config.get('DATABASE_URL'));
      url.searchParams.set('options', '-c lock_timeout=50');
      const impatient = new PgPool({
        get: (key: string) => (key === 'DATABASE_URL' ? url.toString() : config.get(key as never)),
      } as unknown as ConfigService);
      try {
        const s = slug();
        const key = advisoryLockKey(`pg-pool-spec:${s}`);
        const holder = pg.transaction(async (tx) => tx.$queryRaw`SELECT pg_sleep(0.4)`, { advisoryLock: key });
        await new Promise((r) => setTimeout(r, 100));
        await expect(impatient.lockedStatement(key, insertVendor(s, 'never'))).rejects.toMatchObject({ code: '55P03' });
        await holder;
        await expect(prisma.vendor.count({ where: { slug: s } })).resolves.toBe(0);
        // The same connection runs the next one (it was not left in the aborted transaction).
        await expect(impatient.lockedStatement(key, insertVendor(s, 'after'))).resolves.toEqual([{ name: 'after' }]);
      } finally {
        await impatient.end();
      }
    });
  });

  it('reports the affected row count of $executeRaw', async () => {
    await expect(pg.sql.$executeRaw`UPDATE vendors SET name = name WHERE false`).resolves.toBe(0);
  });
});
