import { databaseUnavailable, isDatabaseUnavailable } from './unavailable';

// Which errors mean "the database is gone for a moment" (503 DATABASE_UNAVAILABLE) and which are
// the caller's or the code's (their own status). The shapes are those node-postgres, pg-pool,
// Prisma and @prisma/adapter-pg produce; the fault tests produce the real ones end to end.

const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code, severity: 'FATAL' });

describe('isDatabaseUnavailable', () => {
  it.each([
    ['terminated backend (57P01)', pgError('57P01', 'terminating connection due to administrator command')],
    ['crash shutdown (57P02)', pgError('57P02')],
    ['cannot connect now (57P03)', pgError('57P03', 'the database system is starting up')],
    ['connection exception class 08', pgError('08006')],
    ['too many connections', pgError('53300')],
    [
      'refused socket',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
        code: 'ECONNREFUSED',
        syscall: 'connect',
        errno: -111,
      }),
    ],
    ['connection lost', new Error('Connection terminated unexpectedly')],
    [
      'written after the server closed the socket',
      Object.assign(new Error('write after end'), { code: 'ERR_STREAM_WRITE_AFTER_END' }),
    ],
    ['dead client', new Error('Client has encountered a connection error and is not queryable')],
    ['closing client', new Error('Client was closed and is not queryable')],
    ['pool timeout', new Error('timeout exceeded when trying to connect')],
    [
      'Prisma P1001',
      Object.assign(new Error("Can't reach database server"), { name: 'PrismaClientKnownRequestError', code: 'P1001' }),
    ],
    [
      'Prisma P2024',
      Object.assign(new Error('Timed out fetching a new connection'), {
        name: 'PrismaClientKnownRequestError',
        code: 'P2024',
      }),
    ],
    ['Prisma initialisation', Object.assign(new Error('x'), { name: 'PrismaClientInitializationError' })],
    [
      'adapter error (ConnectionClosed)',
      Object.assign(new Error('x'), { name: 'DriverAdapterError', cause: { kind: 'ConnectionClosed' } }),
    ],
    [
      'adapter error (postgres 57P01) in meta',
      Object.assign(new Error('x'), {
        code: 'P2010',
        meta: { driverAdapterError: { cause: { kind: 'postgres', originalCode: '57P01' } } },
      }),
    ],
    ['wrapped in a cause', new Error('outer', { cause: new Error('Connection terminated unexpectedly') })],
  ])('%s: yes', (_, error) => expect(isDatabaseUnavailable(error)).toBe(true));

  it.each([
    ['unique violation', pgError('23505', 'duplicate key value violates unique constraint')],
    ['serialization failure', pgError('40001')],
    ['syntax error', pgError('42601')],
    ['Prisma record not found', Object.assign(new Error('x'), { code: 'P2025' })],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['not an error', 'ECONNREFUSED'],
    ['nothing', undefined],
  ])('%s: no', (_, error) => expect(isDatabaseUnavailable(error)).toBe(false));

  it('answers 503 DATABASE_UNAVAILABLE with a retry-after', () => {
    const error = databaseUnavailable();
    expect(error).toMatchObject({
      code: 'DATABASE_UNAVAILABLE',
      status: 503,
      details: { retryAfter: expect.any(Number) },
    });
  });
});
