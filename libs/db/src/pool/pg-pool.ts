import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { Pool, PoolClient, QueryConfig, QueryResult } from 'pg';
import { ConfigService } from '@leasehold/config';
import { Prisma } from '../generated/prisma/client';

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
 * connection ever holds more prepared statements than this. Behind a transaction-mode pooler
 * (`DATABASE_POOLER=transaction`) nothing is named: the pooler may send the next transaction to a
 * server connection that never saw the statement (docs/scaling.md).
 */
const MAX_PREPARED = 256;

/** How long a request waits for a pooled connection before it fails (503 DATABASE_UNAVAILABLE). */
export const POOL_CONNECT_TIMEOUT_MS = 10_000;
const preparedNames = new Map<string, string>();

function statementName(text: string): string | undefined {
  const known = preparedNames.get(text);
  if (known || preparedNames.size >= MAX_PREPARED) return known;
  const name = `lh_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
  preparedNames.set(text, name);
  return name;
}

/**
 * The query `pg` runs for `sql`: named (prepared once per connection) when `prepare`, else unnamed.
 * Prisma.Sql builds `text` anew on every read: it is read once here.
 */
function queryConfig(sql: Prisma.Sql, prepare: boolean): QueryConfig {
  const text = sql.text;
  return { name: prepare ? statementName(text) : undefined, text, values: sql.values };
}

/**
 * Raw SQL straight on a `pg` pool or pooled connection (no Prisma query engine in between). With
 * `prepare` false every statement runs unnamed (parse, bind and execute in one round trip, nothing
 * left on the server connection): what a transaction-mode pooler needs.
 */
class PgExecutor implements SqlExecutor {
  constructor(
    private readonly target: Pool | PoolClient,
    private readonly prepare: boolean,
  ) {}

  async $queryRaw<T = unknown>(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]): Promise<T> {
    return (await this.run(toSql(query, values))).rows as T;
  }

  async $executeRaw(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]): Promise<number> {
    return (await this.run(toSql(query, values))).rowCount ?? 0;
  }

  private run(sql: Prisma.Sql) {
    return this.target.query(queryConfig(sql, this.prepare));
  }
}

type ConnectCallback = (
  error: Error | undefined,
  client: PoolClient | undefined,
  done: (release?: Error | boolean) => void,
) => void;

/**
 * Every checkout of `pool` gets a release that may be called any number of times (only the first
 * counts), and a client whose connection is lost while checked out is released at once (with the
 * error, so the pool discards it). Without this a dead connection can hold its pool slot forever:
 * Prisma closes an interactive transaction by running COMMIT or ROLLBACK and only then releasing
 * the client, and when that statement fails because the server terminated the connection it never
 * releases it; a few failovers would leave the pool with no connection to give.
 */
function releaseLostCheckouts(pool: Pool): void {
  const connect = pool.connect.bind(pool) as unknown as (callback: ConnectCallback) => void;
  const guard = (client: PoolClient): PoolClient => {
    const release = client.release.bind(client);
    let released = false;
    const lost = (error: Error) => setImmediate(() => client.release(error));
    client.release = (error?: Error | boolean) => {
      if (released) return;
      released = true;
      client.removeListener('error', lost);
      release(error);
    };
    client.on('error', lost);
    return client;
  };
  const guardedConnect = (callback?: ConnectCallback): Promise<PoolClient> | undefined => {
    if (callback) {
      connect((error, client, done) => {
        if (!client) return callback(error, client, done);
        const guarded = guard(client);
        callback(error, guarded, (release) => guarded.release(release));
      });
      return undefined;
    }
    return new Promise<PoolClient>((resolve, reject) =>
      connect((error, client) => (error || !client ? reject(error ?? new Error('no client')) : resolve(guard(client)))),
    );
  };
  pool.connect = guardedConnect as unknown as Pool['connect'];
}

/** A transaction-level advisory lock key (signed 64-bit) for a text: the first 8 bytes of its SHA-256. */
export function advisoryLockKey(text: string): bigint {
  return createHash('sha256').update(text).digest().readBigInt64BE(0);
}

/** Attempts of a transaction that Postgres rolled back as a deadlock victim or serialization failure. */
const TRANSIENT_ATTEMPTS = 3;

/**
 * Runs a transaction again, after a short random pause, while Postgres rolled it back as a
 * deadlock victim (40P01) or for a serialization failure (40001): such a transaction changed
 * nothing. At most `TRANSIENT_ATTEMPTS` in all.
 */
async function retryTransient<T>(once: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await once();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (attempt >= TRANSIENT_ATTEMPTS || (code !== '40P01' && code !== '40001')) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
    }
  }
}

/**
 * Takes transaction-level advisory locks in the order given, in one statement (a batch of common
 * checkouts holds one per checkout: one statement, not one each). A bigint's decimal digits
 * (asIntN: within int8), never text from outside: safe to inline. The rows of `unnest` come in
 * the array's order, and each row's lock is taken as its row is produced.
 */
function lockStatement(keys: readonly bigint[]): string {
  const digits = keys.map((key) => BigInt.asIntN(64, key).toString());
  return digits.length === 1
    ? `SELECT pg_advisory_xact_lock(${digits[0]})`
    : `SELECT pg_advisory_xact_lock(k) FROM unnest('{${digits.join(',')}}'::bigint[]) AS k`;
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
  private readonly logger = new Logger('PgPool');
  private lastLostLog = 0;
  /** Named prepared statements on the hot path: off behind a transaction-mode pooler (`DATABASE_POOLER=transaction`). */
  readonly preparedStatements: boolean;

  constructor(config: ConfigService) {
    this.preparedStatements = config.get('DATABASE_POOLER') !== 'transaction';
    this.pool = new Pool({
      connectionString: config.get('DATABASE_URL'),
      max: config.get('DATABASE_POOL_SIZE'),
      // A request waits at most this long for a connection (all busy, or the server unreachable),
      // then fails with "timeout exceeded when trying to connect": 503 DATABASE_UNAVAILABLE.
      connectionTimeoutMillis: POOL_CONNECT_TIMEOUT_MS,
      // Queries given to a connection before the previous one answered are written at once instead
      // of waiting their turn (node-postgres's pipeline mode); the server still runs them in order.
      // Code that awaits each query before the next is unaffected; `lockedStatement` writes its
      // transaction in one go.
      pipeline: true,
    });
    // A connection the server terminates (failover, pooler restart, pg_terminate_backend) emits
    // 'error' on its client, whether idle, checked out by a transaction (ours or Prisma's), or just
    // handed to a waiting query; an 'error' event with no listener would end the process. Every
    // client gets a listener for its whole life, so none is ever unhandled: the statement in flight
    // fails (503 DATABASE_UNAVAILABLE), and the pool discards the client when it is released
    // (pg-pool drops a client that is no longer queryable) and opens a new one for the next request.
    this.pool.on('connect', (client) => {
      client.on('error', (error) => this.connectionLost(error));
      // A named statement is planned once per connection (a generic plan), never per execution.
      // Postgres's default ("auto") plans each execution anew whenever it estimates the generic
      // plan dearer than the first five custom ones, a verdict that flips with the tables'
      // statistics: the validation statement then spends 4–8 ms planning per request instead of
      // ~0.5 ms executing (docs/benchmarks.md, "Plans made once"). The hot path's named
      // statements read by key (vendorId + ids), where the generic plan is the custom one; the
      // sweeps' (a range and a LIMIT) keep their index scans at a million licenses, which
      // `npm run bench:scale` shows by explaining the generic plan each runs. Unnamed statements
      // (Prisma's, everything behind a transaction-mode pooler) are planned per execution
      // whatever this says. Queued before the pool hands the client out, so it runs first.
      if (this.preparedStatements)
        client.query('SET plan_cache_mode = force_generic_plan').catch((error: Error) => this.connectionLost(error));
    });
    // pg-pool re-emits an idle client's error on the pool: handled (and logged) the same way.
    this.pool.on('error', (error) => this.connectionLost(error));
    releaseLostCheckouts(this.pool);
    this.sql = new PgExecutor(this.pool, this.preparedStatements);
  }

  /** Logs a lost connection (at most once a second: a failover drops every connection at once). */
  private connectionLost(error: Error): void {
    const now = Date.now();
    if (now - this.lastLostLog < 1_000) return;
    this.lastLostLog = now;
    this.logger.warn(
      { err: error, code: (error as { code?: string }).code },
      'a database connection was lost; it is discarded and replaced on demand',
    );
  }

  /**
   * Runs `fn` in one READ COMMITTED transaction on one connection: committed when it resolves,
   * rolled back when it throws (and the error rethrown). A connection whose rollback failed is
   * discarded rather than returned to the pool. With `advisoryLock`, the transaction-level
   * advisory lock of that key is taken in the same round trip as BEGIN, so `fn`'s first statement
   * already sees whatever the previous holder committed.
   *
   * A transaction Postgres rolled back as a deadlock victim (40P01) or for a serialization
   * failure (40001) changed nothing: it runs again, up to `TRANSIENT_ATTEMPTS` times in all, after
   * a short random pause. `fn` must therefore do nothing but database work on `tx` (every caller's
   * does: the seat transactions under racing checkouts and releases can meet in a deadlock).
   */
  transaction<T>(fn: (tx: SqlExecutor) => PromiseLike<T>, options: { advisoryLock?: bigint } = {}): Promise<T> {
    return retryTransient(() => this.transactionOnce(fn, options));
  }

  /**
   * One statement in its own transaction under transaction-level advisory locks, in one round
   * trip: `BEGIN` with the locks (ascending, so two such transactions never wait on each other in
   * a cycle), the statement and `COMMIT` are written to the connection together (pipeline mode)
   * and the server runs them in order. The locks are taken before the statement starts, so its
   * snapshot sees whatever their previous holders committed (READ COMMITTED: a snapshot per
   * statement), exactly as in `transaction` with `advisoryLock`; and the locks and the rows the
   * statement locks are held only while the server runs it, not across the application's round
   * trips. A failed statement rolls the transaction back (the `COMMIT` of an aborted transaction
   * is a rollback) and its error is thrown; deadlock victims and serialization failures run again
   * as in `transaction`. Returns the statement's rows once committed. (A batch of common
   * checkouts is one such statement under all of its checkouts' locks: SeatCheckoutRepository.)
   */
  lockedStatement<T>(advisoryLocks: bigint | readonly bigint[], statement: Prisma.Sql): Promise<T[]> {
    const locks = typeof advisoryLocks === 'bigint' ? [advisoryLocks] : advisoryLocks;
    return retryTransient(() => this.lockedStatementOnce(locks, statement)) as Promise<T[]>;
  }

  private lockedStatementOnce(advisoryLocks: readonly bigint[], statement: Prisma.Sql): Promise<unknown[]> {
    return this.onConnection(async (client) => {
      const locks = [...new Set(advisoryLocks)].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
      // In pipeline mode each query is written as it is given; corked, they leave in one write.
      const socket = client.connection.stream;
      socket.cork();
      let sent: Promise<QueryResult>[];
      try {
        sent = [
          client.query(locks.length === 0 ? 'BEGIN' : `BEGIN; ${lockStatement(locks)}`),
          client.query(queryConfig(statement, this.preparedStatements)),
          client.query('COMMIT'),
        ];
      } finally {
        socket.uncork();
      }
      const settled = await Promise.allSettled(sent);
      // The first failure is the cause; the statements after it failed because the transaction was aborted.
      const failed = settled.find((result) => result.status === 'rejected');
      if (failed) throw failed.reason;
      const [, result, commit] = settled.map((r) => (r as PromiseFulfilledResult<QueryResult>).value);
      // Only an aborted transaction answers COMMIT with ROLLBACK, and its error was thrown above.
      if (commit.command !== 'COMMIT') throw new Error(`the transaction ended with ${commit.command}`);
      return result.rows;
    });
  }

  private transactionOnce<T>(fn: (tx: SqlExecutor) => PromiseLike<T>, options: { advisoryLock?: bigint }): Promise<T> {
    return this.onConnection(async (client) => {
      await client.query(
        options.advisoryLock === undefined ? 'BEGIN' : `BEGIN; ${lockStatement([options.advisoryLock])}`,
      );
      const result = await fn(new PgExecutor(client, this.preparedStatements));
      await client.query('COMMIT');
      return result;
    });
  }

  /**
   * Runs one transaction's statements (`run`) on a pooled connection. When `run` throws, a
   * transaction still open on the connection is rolled back (one whose pipelined `COMMIT` already
   * ended it is not) and the error rethrown. A connection that died meanwhile, or whose rollback
   * failed, is discarded on release, never reused.
   */
  private async onConnection<T>(run: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    const onError = (error: Error) => (broken ??= error);
    client.on('error', onError);
    try {
      return await run(client);
    } catch (error) {
      if (client.getTransactionStatus() !== 'I') await client.query('ROLLBACK').catch(onError);
      throw error;
    } finally {
      client.removeListener('error', onError);
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
