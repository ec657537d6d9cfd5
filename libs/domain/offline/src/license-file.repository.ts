import { Injectable } from '@nestjs/common';
import { ContainerKind, LicenseStatus, Prisma, TenantPrisma } from '@leasehold/db';
import { CONTAINER_LICENSE_COLUMNS, CONTAINER_LICENSE_ORDER, containerLicensesFrom } from '@leasehold/domain-licensing';
import { liveLeasesOfDevice } from '@leasehold/domain-seats';

/** One license of the container, with what the file needs and this device's hold on it. */
export interface LicenseFileRow {
  kind: ContainerKind;
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
 * The container-license shape is the validation's (`containerLicensesFrom`, libs/domain/licensing).
 */
@Injectable()
export class LicenseFileRepository {
  constructor(private readonly db: TenantPrisma) {}

  async load(containerId: string, fingerprint: string, product: string | null): Promise<LicenseFileRow[]> {
    const vendorId = this.db.vendorId;
    return this.db.client.$queryRaw<LicenseFileRow[]>(Prisma.sql`
      SELECT ${CONTAINER_LICENSE_COLUMNS}, v.name AS "vendorName", l."offlinePeriodDays",
             lease."leaseId", lease."leaseUntil", lease."borrowUntil", now() AS now
        FROM ${containerLicensesFrom(fingerprint, product)}
        LEFT JOIN LATERAL (
             SELECT x.id AS "leaseId", s."expiresAt" AS "leaseUntil", x."borrowUntil"
               FROM ${liveLeasesOfDevice('l', fingerprint)}
              ORDER BY s."expiresAt" DESC LIMIT 1) lease ON true
       WHERE c.id = ${containerId}::uuid AND c."vendorId" = ${vendorId}::uuid
       ${CONTAINER_LICENSE_ORDER}`);
  }
}
