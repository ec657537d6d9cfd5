import { Injectable } from '@nestjs/common';
import {
  afterTenantCursor,
  LicenseRenewal,
  LicenseStatus,
  PrismaService,
  TenantPrisma,
  TenantTransaction,
} from '@leasehold/db';
import { RENEWAL_LEAD_DAYS, RenewalPolicy, RenewalStatus, RenewalView } from './renewals.types';

const toView = (r: LicenseRenewal): RenewalView => ({
  id: r.id,
  licenseId: r.licenseId,
  termEnd: r.termEnd,
  policy: r.policy,
  status: r.status,
  newExpiresAt: r.newExpiresAt,
  attempts: r.attempts,
  lastRequestedAt: r.lastRequestedAt,
  completedAt: r.completedAt,
  failureReason: r.failureReason,
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
});

export interface LockedLicense {
  id: string;
  containerId: string;
  productId: string;
  status: LicenseStatus;
  expiresAt: Date | null;
  renewalPolicy: RenewalPolicy;
  renewalTermDays: number | null;
  revision: number;
}

/** Renewal rows, announced expiries and the license facts renewal needs (tenant-scoped unless noted). */
@Injectable()
export class RenewalsRepository {
  constructor(
    private readonly db: TenantPrisma,
    private readonly prisma: PrismaService,
  ) {}

  get vendorId(): string {
    return this.db.vendorId;
  }

  transaction<T>(fn: (tx: TenantTransaction) => Promise<T>): Promise<T> {
    return this.db.client.$transaction(fn);
  }

  /**
   * Locks the license row: every renewal step of one license (two workers, a retried job, an ERP
   * answer) runs one after another. Raw SQL because Prisma has no SELECT … FOR UPDATE.
   */
  async lockLicense(tx: TenantTransaction, licenseId: string): Promise<LockedLicense | null> {
    const rows = await tx.$queryRaw<LockedLicense[]>`
      SELECT id, "containerId", "productId", status::text AS status, "expiresAt", "renewalPolicy"::text AS "renewalPolicy", "renewalTermDays", revision
        FROM licenses WHERE id = ${licenseId}::uuid AND "vendorId" = ${this.db.vendorId}::uuid FOR UPDATE`;
    return rows[0] ?? null;
  }

  /**
   * The term's renewal row, created only if there is none yet (INSERT … ON CONFLICT DO NOTHING on
   * the unique (licenseId, termEnd)): `created` is true for exactly one caller per term, ever.
   */
  async insertRenewal(
    tx: TenantTransaction,
    data: {
      licenseId: string;
      termEnd: Date;
      policy: RenewalPolicy;
      status: RenewalStatus;
      newExpiresAt?: Date;
      attempts?: number;
      lastRequestedAt?: Date;
      completedAt?: Date;
      failureReason?: string;
    },
  ): Promise<{ renewal: RenewalView; created: boolean }> {
    const [inserted] = await tx.licenseRenewal.createManyAndReturn({
      data: [{ ...data, vendorId: this.db.vendorId }],
      skipDuplicates: true,
    });
    if (inserted) return { renewal: toView(inserted), created: true };
    const existing = await tx.licenseRenewal.findFirstOrThrow({
      where: { licenseId: data.licenseId, termEnd: data.termEnd },
    });
    return { renewal: toView(existing), created: false };
  }

  async findRenewal(tx: TenantTransaction, licenseId: string, termEnd: Date): Promise<RenewalView | null> {
    const row = await tx.licenseRenewal.findFirst({ where: { licenseId, termEnd } });
    return row ? toView(row) : null;
  }

  async updateRenewal(
    tx: TenantTransaction,
    id: string,
    data: {
      status?: RenewalStatus;
      newExpiresAt?: Date;
      lastRequestedAt?: Date;
      completedAt?: Date;
      failureReason?: string | null;
      attemptsIncrement?: boolean;
    },
  ): Promise<RenewalView> {
    const { attemptsIncrement, ...rest } = data;
    return toView(
      await tx.licenseRenewal.update({
        where: this.db.key(id),
        data: { ...rest, ...(attemptsIncrement ? { attempts: { increment: 1 } } : {}) },
      }),
    );
  }

  /** Moves the license's expiry; like every license change it raises the revision. */
  async extendLicense(tx: TenantTransaction, licenseId: string, expiresAt: Date): Promise<{ revision: number }> {
    return tx.license.update({
      where: this.db.key(licenseId),
      data: { expiresAt, revision: { increment: 1 } },
      select: { revision: true },
    });
  }

  /** True for exactly one caller per (license, expiresAt): the one that announces the expiry. */
  async insertExpiry(tx: TenantTransaction, licenseId: string, expiresAt: Date): Promise<boolean> {
    const { count } = await tx.licenseExpiry.createMany({
      data: [{ licenseId, expiresAt, vendorId: this.db.vendorId }],
      skipDuplicates: true,
    });
    return count === 1;
  }

  async currentExpiry(licenseId: string): Promise<{ expiresAt: Date | null; status: string } | null> {
    return this.db.client.license.findUnique({
      where: this.db.key(licenseId),
      select: { expiresAt: true, status: true },
    });
  }

  async licenseExists(licenseId: string): Promise<boolean> {
    return (await this.db.client.license.count({ where: { id: licenseId } })) === 1;
  }

  async list(licenseId: string, filter: { take: number; cursor?: string }): Promise<RenewalView[]> {
    const rows = await this.db.client.licenseRenewal.findMany({
      where: { licenseId },
      take: filter.take,
      ...afterTenantCursor(this.db.vendorId, filter.cursor),
    });
    return rows.map(toView);
  }

  /**
   * The sweep, across tenants (unscoped on purpose: it finds work for every vendor and each check
   * then runs inside its vendor's context). Licenses (not revoked) whose renewal is due before
   * `dueBefore` and whose term has no renewal row yet (AUTO ones only while not SUSPENDED: they
   * are renewed when resumed), or whose expiry passed unannounced, and
   * terms whose ERP renewal is still open.
   */
  async sweepCandidates(
    now: Date,
    dueBefore: Date,
    limit: number,
  ): Promise<{ vendorId: string; licenseId: string; termEnd: Date }[]> {
    return this.prisma.$queryRaw<{ vendorId: string; licenseId: string; termEnd: Date }[]>`
      SELECT l."vendorId", l.id AS "licenseId", l."expiresAt" AS "termEnd"
        FROM licenses l
       WHERE l.status <> 'REVOKED' AND l."expiresAt" IS NOT NULL
         AND (
               (l."expiresAt" - make_interval(days => ${RENEWAL_LEAD_DAYS}::int) <= ${dueBefore} AND l."renewalPolicy" <> 'NONE'
                 AND NOT (l.status = 'SUSPENDED' AND l."renewalPolicy" = 'AUTO')
                 AND NOT EXISTS (SELECT 1 FROM license_renewals r WHERE r."vendorId" = l."vendorId" AND r."licenseId" = l.id AND r."termEnd" = l."expiresAt"))
            OR (l."expiresAt" <= ${now}
                 AND NOT EXISTS (SELECT 1 FROM license_expiries e WHERE e."vendorId" = l."vendorId" AND e."licenseId" = l.id AND e."expiresAt" = l."expiresAt")
                 AND NOT EXISTS (SELECT 1 FROM license_renewals r WHERE r."vendorId" = l."vendorId" AND r."licenseId" = l.id AND r."termEnd" = l."expiresAt" AND r.status = 'SUCCEEDED'))
            OR EXISTS (SELECT 1 FROM license_renewals r WHERE r."vendorId" = l."vendorId" AND r."licenseId" = l.id AND r."termEnd" = l."expiresAt" AND r.status IN ('DUE', 'REQUESTED'))
         )
       ORDER BY l."expiresAt"
       LIMIT ${limit}`;
  }
}
