import type { ContainerKind, LeaseEndReason } from '@leasehold/db';

// The schema's enums (prisma/schema.prisma) are the one definition of these words.
export type { ContainerKind, LeaseEndReason };

/** Which license of the caller's container a checkout is for: by id, or by the product's code. */
export type LicenseRef = { licenseId: string } | { productCode: string };

export interface CheckoutInput {
  /** The container whose credentials the program presented. */
  containerId: string;
  license: LicenseRef;
  /** The device's fingerprint (the same device checking out again gets its lease back). */
  fingerprint: string;
  /** Free text the program reports (host or user name), shown in the session list. */
  clientName?: string | null;
  /** Borrow (detach) the seat for offline use until this time. */
  borrowUntil?: Date;
  /**
   * The user running the program, when it checked out with a user-bound credential (a portal
   * access token of the user, already authenticated): an ENTERPRISE lease records the user, who
   * must be a member of the container's group. A PERSONAL lease always records the container's user.
   */
  user?: { id: string; groupId: string | null };
  /**
   * With `borrowUntil`: base64url SHA-256 of the program's secret return key. Only a release that
   * reveals the key ends the borrow before borrowUntil; without it the seat is held until then.
   */
  returnKeyHash?: string | null;
  /** Claim the seat held for this wait-queue ticket of the device (docs/seats.md, "Waiting for a seat"). */
  ticketId?: string | null;
}

/** A lease as the program sees it. */
export interface LeaseView {
  leaseId: string;
  licenseId: string;
  containerId: string;
  slot: number;
  startedAt: Date;
  /** When the seat stops counting unless a heartbeat extends it (= borrowUntil when borrowed). */
  expiresAt: Date;
  heartbeatIntervalSeconds: number;
  leaseTtlSeconds: number;
  borrowUntil: Date | null;
  /** The seat was taken above the license's quantity, within its overage allowance (docs/seats.md "Overage"). */
  overage: boolean;
}

/** A heartbeat's answer: the lease, and whether the program should fetch its license again. */
export interface HeartbeatView extends LeaseView {
  /** The container's revision: the sum of its licenses' revisions (as GET /client/v1/updates). */
  revision: number;
  /** True when the heartbeat gave a `knownRevision` and it differs from `revision`. */
  updateAvailable: boolean;
}

/** The state of a lease after release or return. */
export interface EndedLeaseView {
  leaseId: string;
  licenseId: string;
  endedAt: Date;
  endReason: LeaseEndReason;
}

/** A running session (a live lease), as vendors and group admins see it. */
export interface SessionView {
  id: string;
  licenseId: string;
  containerId: string;
  slot: number;
  deviceId: string | null;
  deviceName: string | null;
  fingerprint: string;
  clientName: string | null;
  userId: string | null;
  startedAt: Date;
  lastHeartbeatAt: Date;
  expiresAt: Date;
  borrowed: boolean;
  borrowUntil: Date | null;
  /** Checked out above the quantity (overage). */
  overage: boolean;
}

/**
 * Narrows session queries and stops. Vendors pass a license or container; the portal also passes
 * the admin's group, so a group admin reaches only sessions on the group's containers.
 */
export interface SessionScope {
  licenseId?: string;
  containerId?: string;
  groupId?: string;
}

export interface SessionFilter extends SessionScope {
  take: number;
  cursor?: string;
}

/** A lease as the usage history shows it: live, or ended (by the sweeper or not yet swept). */
export interface LeaseHistoryView {
  id: string;
  licenseId: string;
  /** The licensed product's code. */
  productCode: string;
  containerId: string;
  /** The lease's user (a PERSONAL lease: the container's user; ENTERPRISE: the user who checked out with a user token). */
  userId: string | null;
  userName: string | null;
  userEmail: string | null;
  /** The activated device (PERSONAL containers). */
  deviceId: string | null;
  deviceName: string | null;
  /** The workstation's fingerprint. */
  fingerprint: string;
  clientName: string | null;
  startedAt: Date;
  /** Null while the lease holds its seat; for an expired lease the sweeper has not ended yet, its expiry. */
  endedAt: Date | null;
  endReason: string | null;
  live: boolean;
  borrowed: boolean;
  /** Whole seconds from start to end; null while live (an answer that does not change by itself). */
  durationSeconds: number | null;
}

/**
 * Which leases: those overlapping [from, to) (either end open), narrowed by license, user, device
 * (activated device id) or workstation fingerprint; the portal also names the admin's group.
 * Oldest id first after the cursor.
 */
export interface LeaseHistoryFilter {
  licenseId?: string;
  userId?: string;
  deviceId?: string;
  fingerprint?: string;
  groupId?: string;
  from?: Date;
  to?: Date;
  take: number;
  cursor?: string;
}

export type UsageGranularity = 'hour' | 'day';

export interface UsageQuery {
  licenseId: string;
  from: Date;
  to: Date;
  granularity: UsageGranularity;
}

export interface UsagePoint {
  /** Start of the hour or day (UTC). */
  start: Date;
  /** Most seats in use at the same time within the bucket. */
  peakSeats: number;
  /** Seat time within the bucket, in hours. */
  seatHours: number;
  /** Time within the bucket with more seats in use than the quantity (overage), in minutes. */
  overageMinutes: number;
  /** Leases that started within the bucket. */
  sessionsStarted: number;
  /** Distinct users among the leases of the bucket (leases without a user not counted). */
  distinctUsers: number;
  /** Distinct workstations (fingerprints) among the leases of the bucket. */
  distinctDevices: number;
  /** Refused checkouts (NO_SEAT_AVAILABLE). */
  denials: number;
}

export interface UsageHistory {
  licenseId: string;
  quantity: number;
  granularity: UsageGranularity;
  from: Date;
  to: Date;
  /** Buckets before this (whole ones) come from the worker's aggregates; null: none written yet. */
  aggregatedUntil: Date | null;
  series: UsagePoint[];
  totals: { peakSeats: number; seatHours: number; sessionsStarted: number; denials: number };
  /** Time above the quantity (overage) in the range, summed from the series (aggregates, then the lease history), and its episodes. */
  overage: UsageOverage;
  /** Seat reservations of the license now. */
  reservations: {
    reservedSeats: number;
    items: { id: string; name: string; seats: number; userIds: string[]; inUse: number }[];
  };
}

export interface UsageOverage {
  /** The vendor's allowance now: a factor or a number of extra seats (null: none). */
  allowance: { factor: number } | { extraSeats: number } | null;
  /** quantity + allowance now. */
  capacity: number;
  /** Minutes in the range with more seats in use than the quantity: the sum of the series' `overageMinutes`. */
  minutes: number;
  /** Most seats in use at once while above the quantity (0 if never). */
  peakSeats: number;
  /** Leases checked out in the range that were marked overage. */
  leases: number;
  /** Overage episodes overlapping the range (license.overage_started … license.overage_ended). */
  episodes: { startedAt: Date; endedAt: Date | null; peakSeats: number }[];
}
