import { PrismaService } from '@leasehold/db';
import { createEnterpriseContainer, createGroupWithMembers, createLicense, Http } from '@leasehold/testing';
import { PortalLicensing, usePortalLicensing } from '../testing/portal-licensing';

// The world the usage specs share (usage.e2e: the usage series; usage.lease-history.e2e: the lease
// history of a license and of the group), made in the portal of usePortalLicensing: a group whose
// license has a known lease history on 10 January 2026, and a group with a license of its own.

/** `hours` after midnight (UTC) of 10 January 2026, the day of the world's lease history. */
export const h = (hours: number) => new Date(Date.UTC(2026, 0, 10, 0, 0) + hours * 3_600_000);

export interface UsagePortal {
  portal: PortalLicensing;
  http: Http;
  /** Group A's 3-seat license with a known lease history on 10 January 2026; group B with a license of its own. */
  world: () => Promise<UsageWorld>;
}

export type UsageWorld = Awaited<ReturnType<typeof usageWorld>>;

/**
 * Who asks for which license and must get 404 (never 403: the license's existence is theirs to
 * know no more than its data): group B's admin for A's license, an admin of another vendor for
 * A's license, and A's admin for B's license.
 */
export async function strangersOf(portal: PortalLicensing, w: UsageWorld) {
  const o = await createGroupWithMembers(portal.app, portal.other, ['ADMIN']);
  return [
    [w.b.users[0].auth, w.license.id],
    [o.users[0].auth, w.license.id],
    [w.admin.auth, w.bLicense.id],
  ] as const;
}

/** usePortalLicensing's portal, made before the describe block's tests and closed after them, and its usage world. */
export function useUsagePortal(): UsagePortal {
  const portal = usePortalLicensing();
  return { portal, http: portal.http, world: () => usageWorld(portal) };
}

async function usageWorld(portal: PortalLicensing) {
  const a = await createGroupWithMembers(portal.app, portal.acme, ['ADMIN', 'MEMBER']);
  const server = await createEnterpriseContainer(portal.app, portal.acme, a.groupId);
  const license = await createLicense(portal.app, portal.acme, server.id, {
    productId: portal.product.id,
    quantity: 3,
  });
  const base = { vendorId: portal.acme.vendor.id, licenseId: license.id, containerId: server.id, fingerprint: 'x' };
  // 00:00–02:00 one seat; 00:30–01:30 a second; 01:15–01:45 a third (3 at once at 01:15–01:30).
  await portal.app.get(PrismaService).seatLease.createMany({
    data: [
      { ...base, slot: 0, startedAt: h(0), expiresAt: h(2), endedAt: h(2), endReason: 'RELEASED' },
      { ...base, slot: 1, startedAt: h(0.5), expiresAt: h(1.5), endedAt: h(1.5), endReason: 'EXPIRED' },
      { ...base, slot: 2, startedAt: h(1.25), expiresAt: h(1.75), endedAt: h(1.75), endReason: 'STOPPED' },
    ],
  });
  await portal.app.get(PrismaService).licenseUsageHour.create({
    data: { vendorId: portal.acme.vendor.id, licenseId: license.id, hour: h(1), denials: 4 },
  });
  const b = await createGroupWithMembers(portal.app, portal.acme, ['ADMIN']);
  const bServer = await createEnterpriseContainer(portal.app, portal.acme, b.groupId);
  const bLicense = await createLicense(portal.app, portal.acme, bServer.id, {
    productId: portal.product.id,
    quantity: 1,
  });
  return { a, admin: a.users[0], member: a.users[1], license, b, bLicense };
}
