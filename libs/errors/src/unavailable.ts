import { DomainError } from './domain-error';

/**
 * Seconds a client is told to wait (`Retry-After`) when the database is unavailable. A backend
 * termination (failover, pooler restart) is over as soon as the pool opens a new connection.
 */
export const DATABASE_RETRY_AFTER_SECONDS = 2;

// SQLSTATE classes and codes that mean "the server or the connection is gone, try again", not
// "your statement is wrong": 08xxx connection exceptions, 57P01 admin shutdown / terminated
// backend, 57P02 crash shutdown, 57P03 cannot connect now (starting up, recovery), 57P05 idle
// session timeout, 53300 too many connections.
const UNAVAILABLE_SQLSTATE = /^(08[0-9A-Z]{3}|57P0[1235]|53300)$/;
// Socket errors of the pg driver (Node's errno codes), and Node's stream errors for a statement
// written to a connection whose socket the server had just closed (pg reports them as they come).
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ERR_STREAM_DESTROYED',
  'ERR_STREAM_WRITE_AFTER_END',
]);
// Prisma: P1001 cannot reach, P1002 timed out, P1008 operation timed out, P1017 server closed the
// connection, P2024 timed out fetching a connection from the pool, P2037 too many connections.
// P2028: an interactive transaction could not start or ran past its timeout (rolled back): busy.
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028', 'P2037']);
// Kinds of @prisma/adapter-pg's DriverAdapterError for a lost or unreachable server.
const ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);
// Messages of node-postgres and pg-pool that carry no code. "Client was closed and is not
// queryable": a statement given to a connection the pool is already closing (it was released
// with its connection's error while a statement of its transaction was still to come).
const PG_MESSAGES =
  /Connection terminated|Client has encountered a connection error|Client was closed and is not queryable|timeout exceeded when trying to connect|Connection terminated due to connection timeout|terminating connection due to administrator command|the database system is (starting up|shutting down|in recovery mode)|Can't reach database server|Server has closed the connection/i;

interface ErrorLike {
  code?: unknown;
  kind?: unknown;
  originalCode?: unknown;
  message?: unknown;
  name?: unknown;
  cause?: unknown;
  meta?: { driverAdapterError?: unknown; code?: unknown };
}

/**
 * True when `error` (from node-postgres, pg-pool, Prisma or its pg adapter, at any depth of
 * `cause`) says the database cannot be reached or dropped the connection: a transient condition
 * the caller should retry, answered 503 DATABASE_UNAVAILABLE, never 401 or 500.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 5) return false;
  const e = error as ErrorLike;
  if (e.name === 'PrismaClientInitializationError') return true;
  for (const code of [e.code, e.originalCode, e.meta?.code]) {
    if (typeof code !== 'string') continue;
    if (UNAVAILABLE_SQLSTATE.test(code) || SOCKET_CODES.has(code) || PRISMA_CODES.has(code)) return true;
  }
  if (typeof e.kind === 'string' && ADAPTER_KINDS.has(e.kind)) return true;
  if (typeof e.message === 'string' && PG_MESSAGES.test(e.message)) return true;
  if (e.meta?.driverAdapterError && isDatabaseUnavailable(e.meta.driverAdapterError, depth + 1)) return true;
  return isDatabaseUnavailable(e.cause, depth + 1);
}

/** The DomainError answered for an unavailable database: 503 with `Retry-After`. */
export function databaseUnavailable(): DomainError {
  return new DomainError(
    'DATABASE_UNAVAILABLE',
    'The database is unavailable for a moment; retry after the Retry-After seconds',
    {
      retryAfter: DATABASE_RETRY_AFTER_SECONDS,
    },
  );
}
