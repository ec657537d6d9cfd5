import { Injectable } from '@nestjs/common';
import { LicenseStatus, Prisma, TenantPrisma } from '@leasehold/db';

/** One license of the container, with what the file needs and this device's hold on it. */
export interface LicenseFileRow {
  kind: 'PERSONAL' | 'ENTERPRISE';
  accessRevokedAt: Date | null;
  accessRevokedReason: string | null;
  vendorName: string;
  deviceId: string | null;
  licenseId: string | null;
  productCode: string | null;
  features: string[] | null;
  quantity: number | null;
  status: LicenseStatus | null;
  validFrom: Date | null;
  expiresAt: Date | null;
  revision: number | null;
  offlinePeriodDays: number | null;
  /** The container's active devices (offline ones only while their grant runs). */
  activeDevices: number;
  /** This fingerprint's live lease on the license (its seat counts until leaseUntil). */
  leaseId: string | null;
  leaseUntil: Date | null;
  borrowUntil: Date | null;
  now: Date;
}

/**
 * Everything a license file is made of, in one statement: the container (by primary key), its
 * active device for the fingerprint (unique index devices(containerId, activeFingerprint)), its
 * licenses with their product codes, and per license the fingerprint's live lease (a lease holds
 * its seat while its slot's expiresAt is in the future). Raw SQL for the lateral join; the vendor
 * id is passed explicitly (the tenant extension does not scope raw SQL) and every join is on it.
 */
@Injectable()
export class LicenseFileRepository {
  constructor(private readonly db: TenantPrisma) {}

  async load(containerId: string, fingerprint: string, product: string | null): Promise<LicenseFileRow[]> {
    const vendorId = this.db.vendorId;
    return this.db.client.$queryRaw<LicenseFileRow[]>(Prisma.sql`
      SELECT c.kind::text AS kind, c."accessRevokedAt", c."accessRevokedReason", v.name AS "vendorName",
             d.id AS "deviceId",
             l.id AS "licenseId", p.code AS "productCode", l.features, l.quantity, l.status::text AS status,
             l."validFrom", l."expiresAt", l.revision, l."offlinePeriodDays",
             (SELECT count(*)::int FROM devices a
               WHERE a."vendorId" = c."vendorId" AND a."containerId" = c.id AND a."deactivatedAt" IS NULL
                 AND (a."offlineUntil" IS NULL OR a."offlineUntil" > now())) AS "activeDevices",
             s."leaseId", s."leaseUntil", s."borrowUntil", now() AS now
        FROM containers c
        JOIN vendors v ON v.id = c."vendorId"
        LEFT JOIN devices d
          ON d."vendorId" = c."vendorId" AND d."containerId" = c.id AND d."activeFingerprint" = ${fingerprint}
        LEFT JOIN (licenses l JOIN products p ON p."vendorId" = l."vendorId" AND p.id = l."productId")
          ON l."vendorId" = c."vendorId" AND l."containerId" = c.id
         ${product === null ? Prisma.empty : Prisma.sql`AND p.code = ${product}`}
        LEFT JOIN LATERAL (
             SELECT sl.id AS "leaseId", ss."expiresAt" AS "leaseUntil", sl."borrowUntil"
               FROM seat_leases sl
               JOIN seat_slots ss ON ss."licenseId" = sl."licenseId" AND ss.slot = sl.slot AND ss."leaseId" = sl.id
              WHERE sl."vendorId" = c."vendorId" AND sl."licenseId" = l.id AND sl.fingerprint = ${fingerprint}
                AND sl."endedAt" IS NULL AND ss."expiresAt" > now()
              ORDER BY ss."expiresAt" DESC LIMIT 1) s ON true
       WHERE c.id = ${containerId}::uuid AND c."vendorId" = ${vendorId}::uuid
       ORDER BY l."createdAt" NULLS LAST, l.id`);
  }
}
