import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { PrismaService, TenantContext, TenantPrisma } from '@leasehold/db';
import { generateContainerSecret, PERSONAL_DEVICE_LIMIT } from '@leasehold/domain-licensing';
import { SeatPoolService } from '@leasehold/domain-seats';
import { createVendor, TestVendor } from '@leasehold/testing';

// A container with one license and its seat pool, for the seat routes' tests over HTTP. Containers
// and licenses are written directly (the licensing routes have their own tests); the seat pool is
// made by the same SeatPoolService the licensing domain calls.

export interface SeatWorld {
  vendor: TestVendor;
  containerId: string;
  licenseId: string;
  productCode: string;
  /** `Authorization` for the licensed program on this container. */
  device: { Authorization: string };
}

export async function seatWorld(
  app: INestApplication,
  options: { vendor?: TestVendor; quantity?: number; borrowAllowed?: boolean; kind?: 'PERSONAL' | 'ENTERPRISE' } = {},
): Promise<SeatWorld> {
  const vendor = options.vendor ?? (await createVendor(app));
  const vendorId = vendor.vendor.id;
  const prisma = app.get(PrismaService);
  const tag = randomUUID().slice(0, 8);
  const secret = generateContainerSecret();
  const product = await prisma.product.create({ data: { vendorId, code: `seat-${tag}`, name: 'Seat product' } });
  const container = await prisma.container.create({
    data: {
      vendorId,
      kind: options.kind ?? 'ENTERPRISE',
      name: `C ${tag}`,
      deviceLimit: options.kind === 'PERSONAL' ? PERSONAL_DEVICE_LIMIT : null,
      credentialHash: secret.hash,
      credentialPrefix: secret.prefix,
    },
  });
  await prisma.credentialRoute.create({
    data: { credentialHash: container.credentialHash, vendorId: container.vendorId, containerId: container.id },
  });
  const licenseId = await app.get(TenantContext).run(vendorId, () =>
    app.get(TenantPrisma).client.$transaction(async (tx) => {
      const license = await tx.license.create({
        data: {
          vendorId,
          containerId: container.id,
          productId: product.id,
          quantity: options.quantity ?? 2,
          borrowAllowed: options.borrowAllowed ?? false,
          heartbeatIntervalSeconds: 120,
        },
      });
      await app.get(SeatPoolService).resize(tx, license.id, license.quantity);
      return license.id;
    }),
  );
  return {
    vendor,
    containerId: container.id,
    licenseId,
    productCode: product.code,
    device: { Authorization: `Bearer ${secret.token}` },
  };
}

/**
 * Resets the container's secret as the credentials route does (rows, not the API): the current
 * hash is filed as retired, the container gets a new one with its route. Returns the new
 * `Authorization`; the world's own now answers CREDENTIALS_REVOKED.
 */
export async function resetSecret(app: INestApplication, world: SeatWorld): Promise<{ Authorization: string }> {
  const prisma = app.get(PrismaService);
  const fresh = generateContainerSecret();
  const old = await prisma.container.findFirstOrThrow({ where: { id: world.containerId } });
  await prisma.$transaction([
    prisma.retiredCredential.create({
      data: {
        credentialHash: old.credentialHash,
        vendorId: old.vendorId,
        containerId: old.id,
        credentialVersion: old.credentialVersion,
      },
    }),
    prisma.container.updateMany({
      where: { id: old.id },
      data: {
        credentialHash: fresh.hash,
        credentialPrefix: fresh.prefix,
        credentialVersion: old.credentialVersion + 1,
      },
    }),
    prisma.credentialRoute.create({
      data: { credentialHash: fresh.hash, vendorId: old.vendorId, containerId: old.id },
    }),
  ]);
  return { Authorization: `Bearer ${fresh.token}` };
}
