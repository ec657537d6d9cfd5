import { DomainError, ErrorCode } from '@leasehold/errors';
import { Prisma } from '../generated/prisma/client';

// A constraint the database enforces is a rule the caller can break: its violation is a domain
// error (4xx with a catalogue code), never a 500 with SQL in it. Repositories map the violations
// they expect (with the values in the message); this table is the net under all of them, read by
// the exception filter. Errors that are not about the data (connections, timeouts, bugs) are not
// mapped here: they stay 5xx.

/** What a violated constraint means, by constraint name (see prisma/migrations). */
const CONSTRAINTS: Record<string, { code: ErrorCode; message: string }> = {
  // RESTRICT foreign keys, violated by deleting the referenced row while something uses it.
  licenses_vendorId_productId_fkey: {
    code: 'PRODUCT_IN_USE',
    message: 'The product has licenses; it cannot be deleted',
  },
  users_vendorId_groupId_fkey: { code: 'GROUP_NOT_EMPTY', message: 'The group still has users' },
  containers_vendorId_groupId_fkey: { code: 'GROUP_NOT_EMPTY', message: 'The group still has containers' },
  containers_vendorId_userId_fkey: {
    code: 'USER_HAS_CONTAINERS',
    message: 'The user still has containers; delete or reassign them first',
  },
  licenses_vendorId_purchaseId_fkey: { code: 'CONFLICT', message: 'The purchase has licenses drawing on it' },
  seat_leases_vendorId_deviceId_fkey: { code: 'CONFLICT', message: 'The device has seat leases' },
  // Unique keys.
  vendors_slug_key: { code: 'VENDOR_SLUG_TAKEN', message: 'Another vendor already uses this slug' },
  products_vendorId_code_key: {
    code: 'PRODUCT_CODE_TAKEN',
    message: 'The vendor already has a product with this code',
  },
  features_vendorId_productId_code_key: {
    code: 'FEATURE_CODE_TAKEN',
    message: 'The product already has a feature with this code',
  },
  users_vendorId_email_key: { code: 'USER_EMAIL_TAKEN', message: 'The vendor already has a user with this email' },
  users_vendorId_externalId_key: { code: 'EXTERNAL_ID_TAKEN', message: 'Another user already has this externalId' },
  groups_vendorId_externalId_key: { code: 'EXTERNAL_ID_TAKEN', message: 'Another group already has this externalId' },
  containers_vendorId_externalId_key: {
    code: 'EXTERNAL_ID_TAKEN',
    message: 'Another container already has this externalId',
  },
  licenses_vendorId_externalId_key: {
    code: 'EXTERNAL_ID_TAKEN',
    message: 'Another license already has this externalId',
  },
  purchases_vendorId_externalId_key: {
    code: 'EXTERNAL_ID_TAKEN',
    message: 'Another purchase already has this externalId',
  },
  offline_requests_vendorId_containerId_nonce_key: {
    code: 'OFFLINE_CODE_ALREADY_USED',
    message: 'This request code was already submitted',
  },
};

/** The SQLSTATE, constraint name and server message of a Postgres error, however it was wrapped. */
export interface DatabaseErrorInfo {
  sqlState: string;
  constraint?: string;
  message: string;
}

/**
 * Reads a Postgres error from node-postgres (PgPool: `code`, `constraint`) or from Prisma with the
 * pg driver adapter (`meta.driverAdapterError.cause.originalCode`), or undefined if it is none.
 */
export function databaseErrorInfo(error: unknown): DatabaseErrorInfo | undefined {
  const pg = error as { code?: unknown; severity?: unknown; constraint?: unknown; message?: unknown };
  if (typeof pg?.code === 'string' && /^[0-9A-Z]{5}$/.test(pg.code) && typeof pg.severity === 'string') {
    const message = String(pg.message ?? '');
    return {
      sqlState: pg.code,
      constraint: typeof pg.constraint === 'string' ? pg.constraint : constraintIn(message),
      message,
    };
  }
  if (error instanceof Prisma.PrismaClientKnownRequestError) {
    const cause = (error.meta?.['driverAdapterError'] as { cause?: Record<string, unknown> } | undefined)?.cause;
    const sqlState =
      typeof cause?.['originalCode'] === 'string'
        ? cause['originalCode']
        : typeof error.meta?.['code'] === 'string'
          ? error.meta['code']
          : undefined;
    const message = String(cause?.['originalMessage'] ?? error.meta?.['message'] ?? '');
    const index = (cause?.['constraint'] as { index?: unknown } | undefined)?.index;
    if (sqlState) return { sqlState, constraint: typeof index === 'string' ? index : constraintIn(message), message };
  }
  return undefined;
}

function constraintIn(message: string): string | undefined {
  return /constraint "([^"]+)"/.exec(message)?.[1];
}

/**
 * The domain error a database error stands for: integrity violations (class 23), bad data
 * (class 22: a value out of range, a malformed uuid or date, a NUL byte) and write conflicts
 * (class 40). Anything else (connections, syntax, bugs) returns undefined and stays a 5xx.
 */
export function domainErrorForDatabaseError(error: unknown): DomainError | undefined {
  if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2025') {
    return new DomainError('NOT_FOUND', 'The record was not found (it may have just been deleted)');
  }
  const info = databaseErrorInfo(error);
  if (!info) return undefined;
  const { sqlState, constraint, message } = info;
  const known = constraint ? CONSTRAINTS[constraint] : undefined;
  if (sqlState === '23503') {
    // "update or delete on … violates" = the row is still used; "insert or update" = what it refers to is gone.
    const deleting = /^update or delete on/.test(message);
    if (deleting)
      return new DomainError(known?.code ?? 'CONFLICT', known?.message ?? 'The record is still in use', {
        reason: 'IN_USE',
      });
    return new DomainError('CONFLICT', 'The request refers to a record that does not exist (any more)', {
      reason: 'REFERENCE_MISSING',
    });
  }
  if (sqlState === '23505') {
    return new DomainError(known?.code ?? 'CONFLICT', known?.message ?? 'A record with these values already exists', {
      reason: 'DUPLICATE',
    });
  }
  if (sqlState.startsWith('23'))
    return new DomainError('CONFLICT', 'The change breaks a rule of the stored data', { reason: 'CONSTRAINT' });
  if (sqlState.startsWith('22'))
    return new DomainError(
      'VALIDATION_FAILED',
      'A value in the request cannot be stored (out of range, too long or malformed)',
      { reason: 'BAD_VALUE' },
    );
  if (sqlState === '40001' || sqlState === '40P01') {
    return new DomainError('CONFLICT', 'A concurrent change got in the way; retry the request', {
      reason: 'CONCURRENT_CHANGE',
    });
  }
  return undefined;
}
