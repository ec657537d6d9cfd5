import type { VendorStatus } from '@leasehold/db';

export interface VendorView {
  id: string;
  slug: string;
  name: string;
  status: VendorStatus;
  createdAt: Date;
  /** The vendor's plan: rate limits replacing the installation's defaults; null = the default. */
  limits: VendorLimits;
}

/** A vendor's rate-limit plan. Each null field means "the installation's default" (RATE_LIMIT_*). */
export interface VendorLimits {
  /** Requests per minute per API key (vendor API). */
  apiRequestsPerMinute: number | null;
  /** Requests per minute per container credential (device API). */
  deviceRequestsPerMinute: number | null;
  /** Concurrent update streams (SSE and long-poll) per container. */
  updateStreamsPerContainer: number | null;
}

export interface CreateVendorCommand {
  slug: string;
  name: string;
  /** Name of the first API key, created with the vendor. */
  firstApiKeyName?: string;
}
