import { Injectable } from '@nestjs/common';
import { LicenseStatus, PgPool, Prisma } from '@leasehold/db';
import { capacitySql, seatsOpenToCheckoutSql } from '@leasehold/domain-seats';
import { CredentialRecord } from '../credentials/container-credentials.repository';

export interface ValidationRow extends CredentialRecord {
  kind: 'PERSONAL' | 'ENTERPRISE';
  accessRevokedAt: Date | null;
  accessRevokedReason: string | null;
  deviceId: string | null;
  licenseId: string | null;
  productId: string | null;
  productCode: string | null;
  features: string[] | null;
  quantity: number | null;
  status: LicenseStatus | null;
  validFrom: Date | null;
  expiresAt: Date | null;
  revision: number | null;
  /** This fingerprint holds a live lease (an unexpired seat) of the license. */
  leaseHeld: boolean | null;
  /** Seats of the license held right now. */
  seatsInUse: number | null;
  /** quantity + the overage allowance. */
  capacity: number | null;
  /** Seats a plain checkout of the user could take now (the checkout's rule, `seatsOpenToCheckoutSql`). */
  seatsOpen: number | null;
  /** The container's active devices (offline ones only while their grant runs). */
  activeDevices: number;
  /** Of those, the offline ones: each holds a seat of a PERSONAL license for its grant. */
  offlineDevices: number;
  keyId: string | null;
  encryptedPrivateKey: string | null;
  /** The container's revision (its own plus all its licenses' revisions, whatever the product filter; container-revision.ts). */
  containerRevision: number;
}

/**
 * The hot path: one SQL statement answers a validation, authentication included. Container (by
 * its credential hash, unique index, with its vendor's status), its active
 * device for the fingerprint (unique index devices(containerId, activeFingerprint)), its licenses
 * (index licenses(vendorId, containerId)) with their product codes (products primary key), and
 * the vendor's active signing key (index signing_keys(vendorId, createdAt)), one row per license,
 * and the container revision (a sub-select summing all its licenses' revisions, on the same
 * index; not the joined rows, which the product filter may narrow).
 * Raw SQL because it is one round trip, which Prisma's relation queries are not, run on the plain
 * pg pool (no Prisma engine on the hot path); the vendor id is passed explicitly and every join is on it.
 */
@Injectable()
export class ValidationRepository {
  constructor(private readonly pg: PgPool) {}

  /** No rows: no container has this secret now (never issued, or reset). */
  async load(credentialHash: string, fingerprint: string, product: string | null, userId: string | null = null): Promise<ValidationRow[]> {
    // Whose checkout the availability is for: a PERSONAL container's user, else the program's (userToken).
    const user = Prisma.sql`(CASE WHEN c.kind = 'PERSONAL' THEN c."userId" ELSE ${userId}::uuid END)`;
    return this.pg.sql.$queryRaw<ValidationRow[]>(Prisma.sql`
      SELECT c."vendorId", c.id AS "containerId", c."credentialVersion", v.status::text AS "vendorStatus",
             c.kind::text AS kind, c."accessRevokedAt", c."accessRevokedReason",
             d.id AS "deviceId",
             l.id AS "licenseId", l."productId", p.code AS "productCode", l.features, l.quantity,
             l.status::text AS status, l."validFrom", l."expiresAt", l.revision,
             EXISTS (SELECT 1 FROM seat_leases x
                       JOIN seat_slots s ON s."licenseId" = x."licenseId" AND s.slot = x.slot AND s."leaseId" = x.id
                      WHERE x."vendorId" = c."vendorId" AND x."licenseId" = l.id AND x.fingerprint = ${fingerprint}
                        AND x."endedAt" IS NULL AND s."expiresAt" > now()) AS "leaseHeld",
             (SELECT count(*)::int FROM seat_slots s
               WHERE s."licenseId" = l.id AND s."leaseId" IS NOT NULL AND s."expiresAt" > now()) AS "seatsInUse",
             ${capacitySql('l')}::int AS capacity,
             ${seatsOpenToCheckoutSql(Prisma.sql`l.id`, user)} AS "seatsOpen",
             (SELECT count(*)::int FROM devices a
               WHERE a."vendorId" = c."vendorId" AND a."containerId" = c.id AND a."deactivatedAt" IS NULL
                 AND (a."offlineUntil" IS NULL OR a."offlineUntil" > now())) AS "activeDevices",
             (SELECT count(*)::int FROM devices o
               WHERE o."vendorId" = c."vendorId" AND o."containerId" = c.id AND o."deactivatedAt" IS NULL AND o.method = 'OFFLINE'
                 AND (o."offlineUntil" IS NULL OR o."offlineUntil" > now())) AS "offlineDevices",
             k."keyId", k."encryptedPrivateKey",
             (c.revision + (SELECT COALESCE(SUM(r.revision), 0) FROM licenses r
               WHERE r."vendorId" = c."vendorId" AND r."containerId" = c.id))::int AS "containerRevision"
        FROM containers c
        JOIN vendors v ON v.id = c."vendorId"
        LEFT JOIN devices d
          ON d."containerId" = c.id AND d."activeFingerprint" = ${fingerprint}
        LEFT JOIN (licenses l JOIN products p ON p."vendorId" = l."vendorId" AND p.id = l."productId")
          ON l."vendorId" = c."vendorId" AND l."containerId" = c.id
         ${product === null ? Prisma.empty : Prisma.sql`AND p.code = ${product}`}
        LEFT JOIN LATERAL (
             SELECT s."keyId", s."encryptedPrivateKey" FROM signing_keys s
              WHERE s."vendorId" = c."vendorId" AND s."retiredAt" IS NULL
              ORDER BY s."createdAt" DESC LIMIT 1) k ON true
       WHERE c."credentialHash" = ${credentialHash}
       ORDER BY l."createdAt" NULLS LAST, l.id`);
  }
}
