/**
 * Options of every seat transaction. Under a burst a request waits for a pooled connection rather
 * than failing after Prisma's default 2 s; each transaction itself is a few short statements.
 */
export const SEAT_TRANSACTION = { maxWait: 15_000, timeout: 15_000 } as const;
