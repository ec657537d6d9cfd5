import type { ContainerKind, LicenseStatus, RenewalPolicy } from '@leasehold/db';

// The schema's enums (prisma/schema.prisma) are the one definition of these words.
export type { ContainerKind, LicenseStatus, RenewalPolicy };
export type DeactivatedBy = 'VENDOR_KEY' | 'PORTAL_USER' | 'OPERATOR' | 'DEVICE' | 'SYSTEM';

/** A personal container may be active on at most this many devices (the vendor may set fewer); its default. */
export const PERSONAL_DEVICE_LIMIT = 3;

export type AccessRevokedReason = 'USER_REMOVED' | 'USER_DISABLED';

export interface ContainerView {
  id: string;
  kind: ContainerKind;
  name: string;
  userId: string | null;
  groupId: string | null;
  /** PERSONAL: distinct active devices allowed; ENTERPRISE: null (it hands out seats, not device slots). */
  deviceLimit: number | null;
  /** Public part of the access secret: it starts with `lhc_<credentialPrefix>_`. */
  credentialPrefix: string;
  credentialVersion: number;
  accessRevokedAt: Date | null;
  /** Why access was revoked: its user was removed from their group, or disabled. */
  accessRevokedReason: AccessRevokedReason | null;
  /** The container's own part of its revision (container-level changes); devices see it plus the licenses' revisions. */
  revision: number;
  externalId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A container with its access secret, which is in this answer only. */
export interface ContainerWithSecret extends ContainerView {
  secret: string;
}

/**
 * Narrows a container (or device) look-up to what a portal user may reach: a group admin passes
 * their group, a user their own id. Outside the scope the container is "not found".
 */
export interface ContainerScope {
  groupId?: string;
  userId?: string;
}

/** True when the container lies within the scope (an empty scope holds every container). */
export function isInContainerScope(
  container: { groupId: string | null; userId: string | null },
  scope: ContainerScope,
): boolean {
  return (
    (scope.groupId === undefined || container.groupId === scope.groupId) &&
    (scope.userId === undefined || container.userId === scope.userId)
  );
}

export interface CreateContainerCommand {
  kind: ContainerKind;
  name: string;
  userId?: string | null;
  groupId?: string | null;
  deviceLimit?: number;
  externalId?: string | null;
}

export interface UpdateContainerCommand {
  name?: string;
  userId?: string;
  groupId?: string | null;
  deviceLimit?: number;
  externalId?: string | null;
}

export interface LicenseSettings {
  leaseTtlSeconds: number;
  heartbeatIntervalSeconds: number;
  borrowAllowed: boolean;
  maxBorrowDays: number;
  /** Days a machine may run without contacting the server: bounds offline grants, borrows and license files. */
  offlinePeriodDays: number;
  maxDeactivationsPer30Days: number;
  renewalPolicy: RenewalPolicy;
  renewalTermDays: number | null;
}

export interface LicenseView extends LicenseSettings {
  id: string;
  containerId: string;
  productId: string;
  purchaseId: string | null;
  features: string[];
  quantity: number;
  validFrom: Date;
  expiresAt: Date | null;
  status: LicenseStatus;
  revision: number;
  externalId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A license with the product it licenses (for lists that show licenses to people). */
export interface LicenseWithProductView extends LicenseView {
  product: { id: string; code: string; name: string };
}

export interface CreateLicenseCommand extends Partial<LicenseSettings> {
  productId: string;
  purchaseId?: string | null;
  features?: string[];
  quantity: number;
  validFrom?: Date;
  expiresAt?: Date | null;
  externalId?: string | null;
}

export interface UpdateLicenseCommand extends Partial<LicenseSettings> {
  features?: string[];
  quantity?: number;
  validFrom?: Date;
  expiresAt?: Date | null;
}

export interface PurchaseView {
  id: string;
  groupId: string;
  productId: string;
  seats: number;
  /** Seats held by the (not revoked) licenses that draw on this purchase. */
  allocated: number;
  externalId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface DeviceView {
  id: string;
  containerId: string;
  fingerprint: string;
  name: string;
  platform: string | null;
  method: 'ONLINE' | 'OFFLINE';
  active: boolean;
  activatedAt: Date;
  lastSeenAt: Date | null;
  deactivatedAt: Date | null;
  deactivatedBy: DeactivatedBy | null;
  /** OFFLINE devices: when the offline grant ends; the slot is free then without any code. */
  offlineUntil: Date | null;
}

export interface ActivateDeviceCommand {
  fingerprint: string;
  name: string;
  platform?: string | null;
}

export interface ActivationResult {
  device: DeviceView;
  /** False when this fingerprint was already active (idempotent repeat). */
  created: boolean;
}
