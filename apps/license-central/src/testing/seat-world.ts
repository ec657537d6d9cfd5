import type { INestApplication } from '@nestjs/common';
import { PrismaService } from '@leasehold/db';
import { generateContainerSecret, PERSONAL_DEVICE_LIMIT } from '@leasehold/domain-licensing';
import { createVendor, insertLicenseRows, TestVendor } from '@leasehold/testing';

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
  const secret = generateContainerSecret();
  const { containerId, licenseId, productCode } = await insertLicenseRows(app.get(PrismaService), {
    label: 'seat',
    vendorId: vendor.vendor.id,
    kind: options.kind,
    personalDeviceLimit: PERSONAL_DEVICE_LIMIT,
    credential: secret,
    license: {
      quantity: options.quantity ?? 2,
      borrowAllowed: options.borrowAllowed ?? false,
      heartbeatIntervalSeconds: 120,
    },
    withSeatPool: app,
  });
  return {
    vendor,
    containerId,
    licenseId,
    productCode,
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
