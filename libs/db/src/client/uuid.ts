import { v7 } from 'uuid';

/**
 * A UUIDv7 (RFC 9562: millisecond timestamp, then random bits), for ids made in code rather than by
 * Prisma: rows written with raw SQL (leases, outbox events on the hot path). Time-ordered ids keep
 * cursor pagination stable, as Prisma's `@default(uuid(7))` does.
 */
export function uuidV7(): string {
  return v7();
}
