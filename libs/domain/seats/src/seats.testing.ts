// Test fixtures for the seats domain: a Nest context with the real database, and vendors,
// containers, licenses (with their seat pool) and devices written directly with Prisma, so these
// tests do not depend on the licensing routes.
import { Module, type INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ConfigModule } from '@leasehold/config';
import { DbModule, PrismaService, TenantContext } from '@leasehold/db';
import { insertLicenseRows, LicenseRows } from './license-rows';
import { SeatsModule } from './seats.module';

@Module({ imports: [ConfigModule, DbModule, SeatsModule] })
class SeatsTestModule {}

export async function createSeatsContext(): Promise<INestApplicationContext> {
  const moduleRef = await Test.createTestingModule({ imports: [SeatsTestModule] }).compile();
  await moduleRef.init();
  return moduleRef;
}

/**
 * Two independent Nest instances (two connection pools, as two replicas) on one database, for the
 * race tests of a describe block: started before its tests, closed after them.
 */
export function useSeatReplicas(): INestApplicationContext[] {
  const replicas: INestApplicationContext[] = [];
  beforeAll(async () => {
    replicas.push(await createSeatsContext(), await createSeatsContext());
  });
  afterAll(() => Promise.all(replicas.map((r) => r.close())));
  return replicas;
}

/** `n` users of the fixture's group (rows, not the API), e.g. for reservations. */
export async function insertGroupMembers(
  app: INestApplicationContext,
  fixture: SeatFixture,
  n: number,
  tag: string,
): Promise<string[]> {
  const prisma = app.get(PrismaService);
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const user = await prisma.user.create({
      data: {
        vendorId: fixture.vendorId,
        groupId: fixture.groupId,
        email: `${tag}-${i}-${fixture.licenseId}@example.com`,
        name: `${tag} ${i}`,
      },
    });
    ids.push(user.id);
  }
  return ids;
}

export type SeatFixture = LicenseRows;

export interface LicenseOptions {
  kind?: 'PERSONAL' | 'ENTERPRISE';
  quantity?: number;
  leaseTtlSeconds?: number;
  heartbeatIntervalSeconds?: number;
  borrowAllowed?: boolean;
  maxBorrowDays?: number;
  validFrom?: Date;
  expiresAt?: Date | null;
  status?: 'ACTIVE' | 'SUSPENDED' | 'REVOKED';
  vendorId?: string;
}

/** Inserts a vendor (unless given), a product, a container with a user or group, and one license with its seats (rows, not the API: insert* as in @leasehold/testing). */
export function insertSeatLicense(app: INestApplicationContext, options: LicenseOptions = {}): Promise<SeatFixture> {
  return insertLicenseRows(app.get(PrismaService), {
    label: 'seats',
    vendorId: options.vendorId,
    kind: options.kind,
    group: true,
    license: {
      quantity: options.quantity ?? 10,
      leaseTtlSeconds: options.leaseTtlSeconds ?? 3600,
      heartbeatIntervalSeconds: options.heartbeatIntervalSeconds ?? 300,
      borrowAllowed: options.borrowAllowed ?? false,
      maxBorrowDays: options.maxBorrowDays ?? 7,
      ...(options.validFrom ? { validFrom: options.validFrom } : {}),
      expiresAt: options.expiresAt ?? null,
      status: options.status ?? 'ACTIVE',
    },
    withSeatPool: app,
  });
}

/** Activates a device with this fingerprint on the container (as the licensing domain would). */
export async function insertDevice(
  app: INestApplicationContext,
  fixture: SeatFixture,
  fingerprint: string,
): Promise<string> {
  const device = await app.get(PrismaService).device.create({
    data: {
      vendorId: fixture.vendorId,
      containerId: fixture.containerId,
      fingerprint,
      activeFingerprint: fingerprint,
      name: `Device ${fingerprint}`,
    },
  });
  return device.id;
}

/** Runs `fn` as the fixture's vendor. */
export function asSeatVendor<T>(
  app: INestApplicationContext,
  fixture: { vendorId: string },
  fn: () => PromiseLike<T>,
): Promise<T> {
  return app.get(TenantContext).run(fixture.vendorId, fn);
}

/** Moves the seat and lease of `leaseId` into the past, as if its TTL had run out `secondsAgo` ago. */
export async function expireLease(app: INestApplicationContext, leaseId: string, secondsAgo = 1): Promise<void> {
  const prisma = app.get(PrismaService);
  await prisma.$executeRaw`UPDATE seat_slots SET "expiresAt" = now() - make_interval(secs => ${secondsAgo}::int) WHERE "leaseId" = ${leaseId}::uuid`;
  await prisma.$executeRaw`UPDATE seat_leases SET "expiresAt" = now() - make_interval(secs => ${secondsAgo}::int) WHERE id = ${leaseId}::uuid`;
}

/** Seats holding an unexpired lease right now, straight from the database. */
export async function seatsInUse(app: INestApplicationContext, licenseId: string): Promise<number> {
  const rows = await app.get(PrismaService).$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM seat_slots WHERE "licenseId" = ${licenseId}::uuid AND "leaseId" IS NOT NULL AND "expiresAt" > now()`;
  return rows[0].n;
}
