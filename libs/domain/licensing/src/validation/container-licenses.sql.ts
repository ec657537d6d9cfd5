import { Prisma } from '@leasehold/db';
import { activeDevicesOf, deviceOfFingerprint } from '@leasehold/domain-seats';

// The shape the validation and the license file share: a container `c`, its device `d` for the
// fingerprint and its licenses `l` with their products `p` (one product's only, when asked for),
// one row per license. Each statement adds what it alone needs (ValidationRepository.load,
// LicenseFileRepository.load in libs/domain/offline); both are rendered in sql/.

/**
 * `FROM` a container `c` (joined with its vendor `v`), its active device `d` for the fingerprint
 * and its licenses `l` with products `p`, narrowed to the product code `product` if not null; a
 * LEFT JOIN, so a container without (matching) licenses still answers one row. Fingerprint and
 * product are values, or columns of a batch's requests (`Prisma.Sql`, e.g. `r.fingerprint`; there, a
 * null product is any).
 */
export function containerLicensesFrom(
  fingerprint: string | Prisma.Sql,
  product: string | null | Prisma.Sql,
): Prisma.Sql {
  const narrowed =
    product === null
      ? Prisma.empty
      : product instanceof Prisma.Sql
        ? Prisma.sql`AND (${product} IS NULL OR p.code = ${product})`
        : Prisma.sql`AND p.code = ${product}`;
  return Prisma.sql`containers c
        JOIN vendors v ON v.id = c."vendorId"
        LEFT JOIN devices d ON ${deviceOfFingerprint('d', 'c', fingerprint)}
        LEFT JOIN (licenses l JOIN products p ON p."vendorId" = l."vendorId" AND p.id = l."productId")
          ON l."vendorId" = c."vendorId" AND l."containerId" = c.id
         ${narrowed}`;
}

/** The columns both read of that row: the container's state, the device and the license. */
export const CONTAINER_LICENSE_COLUMNS = Prisma.sql`c.kind::text AS kind, c."accessRevokedAt", c."accessRevokedReason", d.id AS "deviceId",
             l.id AS "licenseId", p.code AS "productCode", l.features, l.quantity, l.status::text AS status,
             l."validFrom", l."expiresAt", l.revision, ${activeDevicesOf('c', { offlineOnly: false })} AS "activeDevices"`;

/** Licenses in the order both answer them (oldest first). */
export const CONTAINER_LICENSE_ORDER = Prisma.sql`ORDER BY l."createdAt" NULLS LAST, l.id`;
