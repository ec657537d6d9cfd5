import { createHash, randomUUID } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import { Prisma, PrismaService, TenantContext, TenantPrisma } from '@leasehold/db';
import { SeatPoolService } from './seat-pool.service';

// For tests only: the rows of one license, written straight into the database past every domain
// rule (insert*, as in @leasehold/testing, which re-exports it for the apps' tests). It lives here,
// not in @leasehold/testing, because this library's own tests use it too and a domain library may
// not import the testing one.

export interface LicenseRowsOptions {
  /** Names the new rows (vendor slug `<label>-<tag>`, product code `<label>-<tag>`, …). */
  label: string;
  /** The vendor the rows belong to; without it, a new vendor. */
  vendorId?: string;
  kind?: 'ENTERPRISE' | 'PERSONAL';
  /** A new group holding the container (and a PERSONAL container's owner). */
  group?: boolean;
  /**
   * A PERSONAL container's device limit: the licensing domain's PERSONAL_DEVICE_LIMIT, which this
   * library cannot import (licensing depends on seats), so callers that can pass it.
   */
  personalDeviceLimit?: number;
  /** The container's access secret (e.g. a real one, to present); without it a hash nobody holds. */
  credential?: { hash: string; prefix: string };
  /** The license's columns besides its vendor, container and product. */
  license: Omit<Prisma.LicenseUncheckedCreateInput, 'vendorId' | 'containerId' | 'productId'>;
  /**
   * Writes the license with its seat pool, made by this app's SeatPoolService in the transaction
   * that creates the license, as the vendor (as the licensing domain does). Without it the license
   * has no seat slots.
   */
  withSeatPool?: INestApplicationContext;
}

export interface LicenseRows {
  vendorId: string;
  containerId: string;
  licenseId: string;
  productCode: string;
  /** The owner of a PERSONAL container; null for an ENTERPRISE one. */
  userId: string | null;
  groupId: string | null;
}

/**
 * A product, a container (with its credential route, a PERSONAL one owned by a new user) and one
 * license of the product on it; the vendor too unless given.
 */
export async function insertLicenseRows(prisma: PrismaService, options: LicenseRowsOptions): Promise<LicenseRows> {
  const { label } = options;
  const kind = options.kind ?? 'ENTERPRISE';
  const tag = randomUUID().slice(0, 8);
  const vendorId =
    options.vendorId ?? (await prisma.vendor.create({ data: { slug: `${label}-${tag}`, name: `${label} vendor` } })).id;
  const product = await prisma.product.create({
    data: { vendorId, code: `${label}-${tag}`, name: `${label} product` },
  });
  const groupId = options.group
    ? (await prisma.group.create({ data: { vendorId, name: `${label} group ${tag}` } })).id
    : null;
  const userId =
    kind === 'PERSONAL'
      ? (
          await prisma.user.create({
            data: { vendorId, email: `${label}-${tag}@example.com`, name: `${label} user`, groupId },
          })
        ).id
      : null;
  const credential = options.credential ?? {
    hash: createHash('sha256')
      .update(tag + randomUUID())
      .digest('hex'),
    prefix: tag,
  };
  const container = await prisma.container.create({
    data: {
      vendorId,
      kind,
      name: `${label} ${tag}`,
      userId,
      groupId,
      deviceLimit: kind === 'PERSONAL' ? (options.personalDeviceLimit ?? 3) : null,
      credentialHash: credential.hash,
      credentialPrefix: credential.prefix,
    },
  });
  await prisma.credentialRoute.create({
    data: { credentialHash: container.credentialHash, vendorId, containerId: container.id },
  });
  const data = { ...options.license, vendorId, containerId: container.id, productId: product.id };
  const app = options.withSeatPool;
  const licenseId = app
    ? await app.get(TenantContext).run(vendorId, () =>
        app.get(TenantPrisma).client.$transaction(async (tx) => {
          const license = await tx.license.create({ data });
          await app.get(SeatPoolService).resize(tx, license.id, license.quantity);
          return license.id;
        }),
      )
    : (await prisma.license.create({ data })).id;
  return { vendorId, containerId: container.id, licenseId, productCode: product.code, userId, groupId };
}
