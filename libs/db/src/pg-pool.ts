import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Pool, PoolClient } from 'pg';
import { ConfigService } from '@leasehold/config';
import { Prisma } from './generated/prisma/client';

/**
 * What a repository needs to run raw SQL: Prisma's tagged-template `$queryRaw` / `$executeRaw`.
 * A Prisma client or interactive transaction satisfies it, and so does `PgPool`'s plain `pg`
 * executor, so one repository method runs inside either kind of transaction.
 */
export interface SqlExecutor {
  $queryRaw<T = unknown>(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]): PromiseLike<T>;
  $executeRaw(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]): PromiseLike<number>;
}

function toSql(query: TemplateStringsArray | Prisma.Sql, values: unknown[]): Prisma.Sql {
  return query instanceof Prisma.Sql ? query : Prisma.sql(query, ...values);
}

/**
 * Statement texts run as named prepared statements (parsed and planned once per connection, then
 * only bound and executed: about half the client CPU and a much cheaper server side). The hot
 * path has a handful of fixed texts; a text made from data (a VALUES list of varying length) would
 * be a new statement each time, so past this many distinct texts new ones run unnamed, and no
 * connection ever holds more prepared statements than this.
 */
const MAX_PREPARED = 256;
const preparedNames = new Map<string, string>();

function statementName(text: string): string | undefined {
  const known = preparedNames.get(text);
  if (known || preparedNames.size >= MAX_PREPARED) return known;
  const name = `lh_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
  preparedNames.set(text, name);
  return name;
}

/** Raw SQL straight on a `pg` pool or pooled connection (no Prisma query engine in between). */
class PgExecutor implements SqlExecutor {
  constructor(private readonly target: Pool | PoolClient) {}

  async $queryRaw<T = unknown>(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]): Promise<T> {
    return (await this.run(toSql(query, values))).rows as T;
  }

  async $executeRaw(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]): Promise<number> {
    return (await this.run(toSql(query, values))).rowCount ?? 0;
  }

  private run(sql: Prisma.Sql) {
    return this.target.query({ name: statementName(sql.text), text: sql.text, values: sql.values });
  }
}

/** A transaction-level advisory lock key (signed 64-bit) for a text: the first 8 bytes of its SHA-256. */
export function advisoryLockKey(text: string): bigint {
  return createHash('sha256').update(text).digest().readBigInt64BE(0);
}

/**
 * The application's one PostgreSQL connection pool (`DATABASE_URL`, `DATABASE_POOL_SIZE`
 * connections). Prisma runs on it through its pg driver adapter; the hot path of the device API
 * (authentication, validation, heartbeat, checkout, release) runs its few statements on it
 * directly, because Prisma's client spends more CPU per statement (query planning in its WASM
 * compiler, result mapping) than the statement costs the database (docs/benchmarks.md).
 *
 * Values are bound as parameters, never spliced: build statements with `Prisma.sql`. Results come
 * from node-postgres's parsers: timestamptz → Date, int4 → number, int8 and numeric → string (cast
 * counts with `::int`), json → object, arrays → arrays.
 */
@Injectable()
export class PgPool {
  readonly pool: Pool;
  /** Runs each statement on its own (autocommit) on a pooled connection. */
  readonly sql: SqlExecutor;
  private ended = false;

  constructor(config: ConfigService) {
    this.pool = new Pool({ connectionString: config.get('DATABASE_URL'), max: config.get('DATABASE_POOL_SIZE') });
    // An idle connection that dies (server restart) must not crash the process; the pool drops it.
    this.pool.on('error', () => undefined);
    this.sql = new PgExecutor(this.pool);
  }

  /**
   * Runs `fn` in one READ COMMITTED transaction on one connection: committed when it resolves,
   * rolled back when it throws (and the error rethrown). A connection whose rollback failed is
   * discarded rather than returned to the pool. With `advisoryLock`, the transaction-level
   * advisory lock of that key is taken in the same round trip as BEGIN, so `fn`'s first statement
   * already sees whatever the previous holder committed.
   */
  async transaction<T>(fn: (tx: SqlExecutor) => PromiseLike<T>, options: { advisoryLock?: bigint } = {}): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      // A bigint's decimal digits (asIntN: within int8), never text from outside: safe to inline.
      const lock = options.advisoryLock === undefined ? '' : `; SELECT pg_advisory_xact_lock(${BigInt.asIntN(64, options.advisoryLock).toString()})`;
      await client.query(`BEGIN${lock}`);
      const result = await fn(new PgExecutor(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
      throw error;
    } finally {
      client.release(broken);
    }
  }

  /** Closes every connection (after Prisma, which shares the pool, has disconnected). */
  async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await this.pool.end();
  }
}
