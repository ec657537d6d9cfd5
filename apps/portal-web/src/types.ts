// The shapes the portal API answers (see docs/openapi/portal.json). Dates arrive as ISO strings.
export type Role = 'ADMIN' | 'MEMBER';

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  groupId: string | null;
  role: Role | null;
}

export interface SessionTokens {
  tokenType: 'Bearer';
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
  refreshExpiresAt: string;
  user: SessionUser;
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export interface User {
  id: string;
  email: string;
  name: string;
  status: 'INVITED' | 'ACTIVE' | 'DISABLED';
  groupId: string | null;
  role: Role | null;
  externalId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Group {
  id: string;
  name: string;
}

export interface License {
  id: string;
  product: { id: string; code: string; name: string };
  features: string[];
  quantity: number;
  validFrom: string;
  expiresAt: string | null;
  status: 'ACTIVE' | 'SUSPENDED' | 'REVOKED';
  revision: number;
  borrowAllowed: boolean;
  maxBorrowDays: number;
}

export interface Container {
  id: string;
  kind: 'PERSONAL' | 'ENTERPRISE';
  name: string;
  userId: string | null;
  groupId: string | null;
  deviceLimit: number;
  credentialPrefix: string;
  credentialVersion: number;
  accessRevokedAt: string | null;
  createdAt: string;
  licenses: License[];
}

export interface Device {
  id: string;
  containerId: string;
  fingerprint: string;
  name: string;
  platform: string | null;
  method: 'ONLINE' | 'OFFLINE';
  active: boolean;
  activatedAt: string;
  lastSeenAt: string | null;
  deactivatedAt: string | null;
}

export interface SeatSession {
  id: string;
  licenseId: string;
  containerId: string;
  userId: string | null;
  clientName: string | null;
  deviceId: string | null;
  deviceName: string | null;
  fingerprint: string;
  startedAt: string;
  lastHeartbeatAt: string;
  expiresAt: string;
  borrowed: boolean;
  borrowUntil: string | null;
}

export interface AuditEntry {
  id: string;
  actorType: string;
  actorId: string | null;
  action: string;
  entityType: string;
  entityId: string | null;
  before: unknown;
  after: unknown;
  createdAt: string;
}

export interface UsagePoint {
  start: string;
  peakSeats: number;
  seatHours: number;
  sessionsStarted: number;
  distinctUsers: number;
  distinctDevices: number;
  denials: number;
}

export interface UsageHistory {
  licenseId: string;
  quantity: number;
  granularity: 'hour' | 'day';
  from: string;
  to: string;
  series: UsagePoint[];
  /** Whole buckets before this come from the worker's aggregates (docs/usage.md). */
  aggregatedUntil: string | null;
  totals: { peakSeats: number; seatHours: number; sessionsStarted: number; denials: number };
}

export interface OfflineResult {
  kind: 'activate' | 'deactivate' | 'borrow';
  requestCode: string;
  responseCode: string | null;
  licenseId: string | null;
  validUntil: string | null;
  device: { id: string; name: string } | null;
  leaseId: string | null;
  returnedLeases: { leaseId: string }[];
}

/** A live or ended seat lease of a license (GET /v1/group/licenses/:id/leases). */
export interface LeaseHistoryEntry {
  id: string;
  licenseId: string;
  productCode: string;
  containerId: string;
  userId: string | null;
  userName: string | null;
  userEmail: string | null;
  deviceId: string | null;
  deviceName: string | null;
  fingerprint: string;
  clientName: string | null;
  startedAt: string;
  endedAt: string | null;
  endReason: string | null;
  live: boolean;
  borrowed: boolean;
  /** Null while live. */
  durationSeconds: number | null;
}
