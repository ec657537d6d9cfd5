import type { RenewalPolicy, RenewalStatus } from '@leasehold/db';

// The schema's enums (prisma/schema.prisma) are the one definition of these words.
export type { RenewalPolicy, RenewalStatus };

/** Renewals start this long before a license expires. */
export const RENEWAL_LEAD_DAYS = 14;
/** An unanswered ERP renewal emits renewal.due again this often, until the license expires. */
export const ERP_REMINDER_HOURS = 24;

export interface RenewalView {
  id: string;
  licenseId: string;
  /** The expiresAt this renewal extends. */
  termEnd: Date;
  policy: RenewalPolicy;
  status: RenewalStatus;
  newExpiresAt: Date | null;
  attempts: number;
  lastRequestedAt: Date | null;
  completedAt: Date | null;
  failureReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What one check of a license did; `nextCheckAt` is when the next one is due (null: none). */
export interface RenewalCheckResult {
  outcome:
    | 'renewed'
    | 'requested'
    | 'reminded'
    | 'failed'
    | 'expired'
    | 'waiting'
    | 'not-due'
    | 'already-done'
    | 'stale'
    | 'not-renewable'
    | 'suspended';
  licenseId: string;
  /** The license's expiresAt after the check (the next term's key when renewed). */
  expiresAt: Date | null;
  nextCheckAt: Date | null;
}
