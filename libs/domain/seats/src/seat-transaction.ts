/**
 * Options of the seat transactions that run through Prisma (admin stops and user removal in
 * SessionsService). Under a burst a request waits for a pooled connection rather than failing
 * after Prisma's default 2 s; each transaction itself is a few short statements. The program's
 * own seat transactions (checkout, release, borrow) run on PgPool, which waits for a connection.
 */
export const SEAT_TRANSACTION = { maxWait: 15_000, timeout: 15_000 } as const;
