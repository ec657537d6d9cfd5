import { Prisma } from '../generated/prisma/client';

/** True when `error` is a unique-constraint violation (optionally on a constraint over `field`). */
export function isUniqueViolation(error: unknown, field?: string): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError) || error.code !== 'P2002') return false;
  if (!field) return true;
  const target = (error.meta?.['target'] ?? error.meta?.['driverAdapterError']) as unknown;
  return JSON.stringify(target ?? '').includes(field) || error.message.includes(field);
}

/** True when `error` says the record to update or delete does not exist. */
export function isRecordNotFound(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2025';
}
