import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { QUEUES, RENEWAL_JOBS, renewalCheckJobId, RenewalCheckJobData } from '@leasehold/queues';
import { RenewalsRepository } from './renewals.repository';
import { renewalDueAt } from './renewals.service';

/**
 * Delayed renewal checks in BullMQ. The job id is derived from the license, its expiresAt and the
 * moment, so scheduling twice queues once; when the expiry changes, the new expiry gets a new job
 * and the old one finds the license changed and does nothing. Postgres decides what happens (see
 * RenewalsService); the queue only decides when to look.
 */
@Injectable()
export class RenewalScheduler {
  constructor(
    @InjectQueue(QUEUES.renewals) private readonly queue: Queue<RenewalCheckJobData>,
    private readonly renewals: RenewalsRepository,
  ) {}

  /** A check at `at` (default: when the term's renewal is due) for the license's current term. */
  async schedule(
    vendorId: string,
    licenseId: string,
    termEnd: Date,
    at = renewalDueAt(termEnd),
    now = new Date(),
  ): Promise<void> {
    const moment = at.getTime() === renewalDueAt(termEnd).getTime() ? 'due' : String(at.getTime());
    await this.queue.add(
      RENEWAL_JOBS.check,
      { vendorId, licenseId, termEnd: termEnd.toISOString() },
      { jobId: renewalCheckJobId(licenseId, termEnd, moment), delay: Math.max(0, at.getTime() - now.getTime()) },
    );
  }

  /**
   * Schedules the current vendor's license at its current expiry (after a change); nothing if it
   * has none. With `recheckKey` (license.resumed: the event id) a renewal already due is checked
   * now under a job id of its own, because the term's "due" job may have run while the license was
   * suspended and a second one with that id would be dropped as a duplicate.
   */
  async scheduleCurrentTerm(licenseId: string, recheckKey?: string, now = new Date()): Promise<boolean> {
    const license = await this.renewals.currentExpiry(licenseId);
    if (!license?.expiresAt || license.status === 'REVOKED') return false;
    const vendorId = this.renewals.vendorId;
    if (recheckKey && renewalDueAt(license.expiresAt) <= now) {
      await this.queue.add(
        RENEWAL_JOBS.check,
        { vendorId, licenseId, termEnd: license.expiresAt.toISOString() },
        { jobId: renewalCheckJobId(licenseId, license.expiresAt, recheckKey) },
      );
      return true;
    }
    await this.schedule(vendorId, licenseId, license.expiresAt);
    return true;
  }

  /**
   * The safety net (periodic): schedules a check for every license whose renewal falls before the
   * next sweep, whose expiry passed unannounced, or whose ERP renewal is open; overdue ones at once.
   */
  async sweep(now = new Date(), horizonMs = 25 * 3_600_000): Promise<number> {
    const candidates = await this.renewals.sweepCandidates(now, new Date(now.getTime() + horizonMs), 1_000);
    const slot = `sweep${Math.floor(now.getTime() / 3_600_000)}`;
    // The same jobs `schedule` would add one by one, in one round trip to Redis (addBulk): a batch
    // of 1,000 took about a second one by one (docs/benchmarks.md). A job id already queued is
    // still added once only.
    await this.queue.addBulk(
      candidates.map((c) => {
        const data = { vendorId: c.vendorId, licenseId: c.licenseId, termEnd: c.termEnd.toISOString() };
        const due = renewalDueAt(c.termEnd);
        return due > now
          ? {
              name: RENEWAL_JOBS.check,
              data,
              opts: { jobId: renewalCheckJobId(c.licenseId, c.termEnd, 'due'), delay: due.getTime() - now.getTime() },
            }
          : { name: RENEWAL_JOBS.check, data, opts: { jobId: renewalCheckJobId(c.licenseId, c.termEnd, slot) } };
      }),
    );
    return candidates.length;
  }
}
