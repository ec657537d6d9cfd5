import { Prisma } from '../generated/prisma/client';

/**
 * Every model that carries `vendorId`. A test (tenant-scope.extension.spec.ts) fails when a model
 * with a `vendorId` column is missing here, so a new table cannot silently escape scoping.
 */
export const TENANT_MODELS: ReadonlySet<string> = new Set<Prisma.ModelName>([
  'ApiKey',
  'Product',
  'Feature',
  'Group',
  'User',
  'RefreshToken',
  'UserToken',
  'AuditEntry',
  'DomainEvent',
  'SigningKey',
  'Purchase',
  'Container',
  'License',
  'SeatSlot',
  'Device',
  'SeatLease',
  'SeatQueueTicket',
  'SeatReservation',
  'SeatReservationUser',
  'LicenseOverageEpisode',
  'LicenseUsageHour',
  'LicenseUsageDay',
  'RetiredCredential',
  'CredentialRoute',
  'WebhookEndpoint',
  'WebhookDelivery',
  'WebhookAttempt',
  'Integration',
  'InboundEvent',
  'LicenseRenewal',
  'LicenseExpiry',
  'OfflineRequest',
]);

const WHERE_OPERATIONS = new Set([
  'findUnique',
  'findUniqueOrThrow',
  'findFirst',
  'findFirstOrThrow',
  'findMany',
  'count',
  'aggregate',
  'groupBy',
  'update',
  'updateMany',
  'updateManyAndReturn',
  'delete',
  'deleteMany',
  'upsert',
]);

type Args = Record<string, unknown> & {
  where?: Record<string, unknown>;
  data?: unknown;
  create?: Record<string, unknown>;
};

function withVendor<T extends Record<string, unknown> | undefined>(
  value: T,
  vendorId: string,
  what: string,
): Record<string, unknown> {
  const given = value?.['vendorId'];
  if (given !== undefined && given !== vendorId) {
    throw new Error(`Tenant scope violation: ${what} names vendor ${String(given)} inside vendor ${vendorId}`);
  }
  return { ...(value ?? {}), vendorId };
}

const UPDATE_OPERATIONS = new Set(['update', 'updateMany', 'updateManyAndReturn']);

function refuseOtherVendor(data: unknown, vendorId: string, what: string): void {
  if (data && typeof data === 'object' && !Array.isArray(data))
    withVendor(data as Record<string, unknown>, vendorId, what);
}

/** Adds the tenant's `vendorId` to the filter of reads/updates/deletes and to the data of creates. */
export function scopeArgs(operation: string, args: Args, vendorId: string): Args {
  const scoped: Args = { ...args };
  if (WHERE_OPERATIONS.has(operation)) scoped.where = withVendor(args.where, vendorId, `${operation}.where`);
  if (operation === 'create' || operation === 'upsert') {
    const key = operation === 'create' ? 'data' : 'create';
    scoped[key] = withVendor(args[key] as Record<string, unknown>, vendorId, `${operation}.${key}`);
  }
  // An update may not move a row to another vendor (it would leave this tenant and appear in another).
  if (UPDATE_OPERATIONS.has(operation)) refuseOtherVendor(args.data, vendorId, `${operation}.data`);
  if (operation === 'upsert') refuseOtherVendor(args['update'], vendorId, 'upsert.update');
  if (operation === 'createMany' || operation === 'createManyAndReturn') {
    const data = args.data as Record<string, unknown> | Record<string, unknown>[];
    scoped.data = Array.isArray(data)
      ? data.map((row) => withVendor(row, vendorId, `${operation}.data`))
      : withVendor(data, vendorId, `${operation}.data`);
  }
  return scoped;
}

/** A Prisma extension that scopes every query on a tenant model to the vendor `currentVendorId()` returns. */
export function tenantScopeExtension(currentVendorId: () => string) {
  return Prisma.defineExtension({
    name: 'tenant-scope',
    query: {
      $allModels: {
        $allOperations({ model, operation, args, query }) {
          if (!TENANT_MODELS.has(model)) return query(args);
          return query(scopeArgs(operation, args as Args, currentVendorId()) as typeof args);
        },
      },
    },
  });
}
