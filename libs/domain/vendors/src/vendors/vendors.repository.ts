import { Injectable } from '@nestjs/common';
import { afterCursor, isUniqueViolation, PgPool, PrismaService, Vendor } from '@leasehold/db';
import { DomainError } from '@leasehold/errors';
import { VendorLimits, VendorView } from './vendor.types';

function toView(vendor: Vendor): VendorView {
  return {
    id: vendor.id,
    slug: vendor.slug,
    name: vendor.name,
    status: vendor.status,
    createdAt: vendor.createdAt,
    limits: {
      apiRequestsPerMinute: vendor.apiRequestsPerMinute,
      deviceRequestsPerMinute: vendor.deviceRequestsPerMinute,
      updateStreamsPerContainer: vendor.updateStreamsPerContainer,
    },
  };
}

/** The vendor registry. Not tenant-scoped: only the platform operator and authentication use it. */
@Injectable()
export class VendorsRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly pg: PgPool,
  ) {}

  /** The vendor an API key (by SHA-256, as stored) was issued by: it never changes. Null when no key has this hash. */
  async findVendorOfApiKeyHash(hash: string): Promise<string | null> {
    const rows = await this.pg.sql.$queryRaw<{ vendorId: string }[]>`
      SELECT k."vendorId" FROM api_keys k WHERE k."secretHash" = ${hash}`;
    return rows[0]?.vendorId ?? null;
  }

  /** The vendor's plan (its limits); null when the vendor does not exist. */
  async findLimits(vendorId: string): Promise<VendorLimits | null> {
    const rows = await this.pg.sql.$queryRaw<VendorLimits[]>`
      SELECT v."apiRequestsPerMinute", v."deviceRequestsPerMinute", v."updateStreamsPerContainer"
        FROM vendors v WHERE v.id = ${vendorId}::uuid`;
    return rows[0] ?? null;
  }

  /** Sets the plan and runs `then` (the audit entry) in the same transaction; null when the vendor does not exist. */
  async setLimits(
    id: string,
    limits: Partial<VendorLimits>,
    then: (
      before: VendorView,
      after: VendorView,
      tx: Parameters<Parameters<PrismaService['$transaction']>[0]>[0],
    ) => Promise<void>,
  ): Promise<VendorView | null> {
    return this.prisma.$transaction(async (tx) => {
      const before = await tx.vendor.findUnique({ where: { id } });
      if (!before) return null;
      const after = toView(await tx.vendor.update({ where: { id }, data: limits }));
      await then(toView(before), after, tx);
      return after;
    });
  }

  async list(args: { take: number; cursor?: string }): Promise<VendorView[]> {
    const rows = await this.prisma.vendor.findMany({
      take: args.take,
      ...afterCursor(args.cursor),
    });
    return rows.map(toView);
  }

  async findById(id: string): Promise<VendorView | null> {
    const row = await this.prisma.vendor.findUnique({ where: { id } });
    return row ? toView(row) : null;
  }

  async findBySlug(slug: string): Promise<VendorView | null> {
    const row = await this.prisma.vendor.findUnique({ where: { slug } });
    return row ? toView(row) : null;
  }

  /** Sets the status and runs `then` (the audit entry) in the same transaction; null when the vendor does not exist. */
  async setStatus(
    id: string,
    status: VendorView['status'],
    then: (
      before: VendorView,
      after: VendorView,
      tx: Parameters<Parameters<PrismaService['$transaction']>[0]>[0],
    ) => Promise<void>,
  ): Promise<VendorView | null> {
    return this.prisma.$transaction(async (tx) => {
      const before = await tx.vendor.findUnique({ where: { id } });
      if (!before) return null;
      const after = toView(await tx.vendor.update({ where: { id }, data: { status } }));
      await then(toView(before), after, tx);
      return after;
    });
  }

  /** Creates the vendor and runs `then` (its first key, etc.) in the same transaction. */
  async create<T>(
    data: { slug: string; name: string },
    then: (vendor: VendorView, tx: Parameters<Parameters<PrismaService['$transaction']>[0]>[0]) => Promise<T>,
  ): Promise<{ vendor: VendorView; extra: T }> {
    try {
      return await this.prisma.$transaction(async (tx) => {
        const vendor = toView(await tx.vendor.create({ data }));
        return { vendor, extra: await then(vendor, tx) };
      });
    } catch (error) {
      if (isUniqueViolation(error, 'slug')) {
        throw new DomainError('VENDOR_SLUG_TAKEN', `A vendor with slug "${data.slug}" already exists`, {
          slug: data.slug,
        });
      }
      throw error;
    }
  }
}
