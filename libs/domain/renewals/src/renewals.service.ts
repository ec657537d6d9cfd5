import { Injectable } from '@nestjs/common';
import { TenantTransaction } from '@leasehold/db';
import { AuditService } from '@leasehold/domain-audit';
import { DomainEventInput, OutboxRepository } from '@leasehold/domain-events';
import { DomainError } from '@leasehold/errors';
import { LockedLicense, RenewalsRepository } from './renewals.repository';
import { ERP_REMINDER_HOURS, RENEWAL_LEAD_DAYS, RenewalCheckResult, RenewalView } from './renewals.types';

// Scheduled renewal, exactly once per term. A term is keyed by the expiresAt it extends; the row
// (licenseId, termEnd) is unique and is inserted in the same transaction as the renewal's effect,
// under a lock on the license row. So two workers, a retried job or a job re-run after a crash all
// find the row and do nothing more. RENEWAL_LEAD_DAYS before expiry the policy acts:
//   AUTO → extend by renewalTermDays (revision +1, license.renewed, renewal.succeeded); never
//          while the license is SUSPENDED: then on resume, if the renewal fell due meanwhile;
//   ERP  → renewal.due, again every ERP_REMINDER_HOURS until subscription.renewed answers,
//          FAILED (renewal.failed) when the license expires unanswered;
//   NONE → nothing.
// A license that really expires announces license.expired once (table license_expiries).

const DAY = 86_400_000;
const HOUR = 3_600_000;

export const renewalDueAt = (termEnd: Date) => new Date(termEnd.getTime() - RENEWAL_LEAD_DAYS * DAY);
const earliest = (...dates: Date[]) => new Date(Math.min(...dates.map((d) => d.getTime())));

@Injectable()
export class RenewalsService {
  constructor(
    private readonly renewals: RenewalsRepository,
    private readonly audit: AuditService,
    private readonly outbox: OutboxRepository,
  ) {}

  /** Does what is due now for the license's term ending at `termEnd`. Idempotent. */
  async check(licenseId: string, termEnd: Date, now = new Date()): Promise<RenewalCheckResult> {
    return this.renewals.transaction(async (tx) => {
      const license = await this.renewals.lockLicense(tx, licenseId);
      const result = (
        outcome: RenewalCheckResult['outcome'],
        nextCheckAt: Date | null,
        expiresAt = license?.expiresAt ?? null,
      ): RenewalCheckResult => ({
        outcome,
        licenseId,
        expiresAt,
        nextCheckAt,
      });
      // A job for an expiry that has since changed (renewed, edited) is stale: the new expiry has its own job.
      if (!license || !license.expiresAt || license.expiresAt.getTime() !== termEnd.getTime()) {
        // This term was renewed already (a retried or duplicate job): report it, and let the caller
        // make sure the new term is scheduled (the crash may have come before that).
        const done = license?.expiresAt ? await this.renewals.findRenewal(tx, licenseId, termEnd) : null;
        if (license?.expiresAt && done?.status === 'SUCCEEDED')
          return result('already-done', renewalDueAt(license.expiresAt));
        return result('stale', null);
      }
      if (license.status === 'REVOKED') return result('not-renewable', null);
      const dueAt = renewalDueAt(termEnd);
      if (now < dueAt) return result('not-due', dueAt);
      const expired = now >= termEnd;
      // A suspended license (unpaid, disputed) is not renewed. Its expiry is still announced; when
      // it is resumed, license.resumed schedules a check of the current term, which renews it then
      // if its renewal fell due meanwhile (once: the term's renewal row is unique).
      if (license.status === 'SUSPENDED' && license.renewalPolicy === 'AUTO') {
        if (expired && (await this.announceExpiry(tx, license, termEnd, now))) return result('expired', null);
        return result('suspended', expired ? null : termEnd);
      }

      switch (license.renewalPolicy) {
        case 'AUTO': {
          const renewed = await this.autoRenew(tx, license, termEnd, now);
          if (renewed)
            return result(
              renewed.created ? 'renewed' : 'already-done',
              renewalDueAt(renewed.expiresAt),
              renewed.expiresAt,
            );
          return (await this.announceExpiry(tx, license, termEnd, now))
            ? result('expired', null)
            : result('failed', expired ? null : termEnd);
        }
        case 'ERP': {
          const step = await this.requestFromErp(tx, license, termEnd, now);
          if (step.outcome === 'already-done') return result('already-done', null);
          if (!expired) return result(step.outcome, earliest(step.remindAt, termEnd));
          await this.announceExpiry(tx, license, termEnd, now);
          return result(step.outcome === 'failed' ? 'failed' : 'expired', null);
        }
        default:
          if (!expired) return result('waiting', termEnd);
          return result((await this.announceExpiry(tx, license, termEnd, now)) ? 'expired' : 'already-done', null);
      }
    });
  }

  /**
   * subscription.renewed from the vendor's ERP, inside the caller's transaction: moves the expiry
   * to `newExpiresAt` and completes the term's renewal (creating it when the ERP answered before it
   * was due). Returns false when the license already runs to `newExpiresAt` or later (a resend).
   */
  async renewFromErp(tx: TenantTransaction, licenseId: string, newExpiresAt: Date, now = new Date()): Promise<boolean> {
    const license = await this.renewals.lockLicense(tx, licenseId);
    if (!license) throw DomainError.notFound('License', licenseId);
    if (license.status === 'REVOKED')
      throw new DomainError('LICENSE_REVOKED', `License ${licenseId} was revoked`, { id: licenseId });
    if (license.expiresAt && license.expiresAt >= newExpiresAt) return false;
    const termEnd = license.expiresAt;
    const { revision } = await this.renewals.extendLicense(tx, licenseId, newExpiresAt);
    const events: DomainEventInput[] = [
      this.licenseEvent('license.renewed', license, {
        previousExpiresAt: termEnd?.toISOString() ?? null,
        expiresAt: newExpiresAt.toISOString(),
        revision,
      }),
    ];
    if (termEnd) {
      const { renewal, created } = await this.renewals.insertRenewal(tx, {
        licenseId,
        termEnd,
        policy: license.renewalPolicy,
        status: 'SUCCEEDED',
        newExpiresAt,
        completedAt: now,
      });
      if (!created && renewal.status !== 'SUCCEEDED') {
        await this.renewals.updateRenewal(tx, renewal.id, {
          status: 'SUCCEEDED',
          newExpiresAt,
          completedAt: now,
          failureReason: null,
        });
      }
      events.push(
        this.renewalEvent('renewal.succeeded', license, termEnd, {
          renewalId: renewal.id,
          newExpiresAt: newExpiresAt.toISOString(),
          source: 'ERP',
        }),
      );
    }
    await this.audit.record(tx, {
      action: 'license.renewed',
      entityType: 'license',
      entityId: licenseId,
      before: { expiresAt: termEnd },
      after: { expiresAt: newExpiresAt, revision },
    });
    await this.outbox.append(tx, ...events);
    return true;
  }

  /** renewFromErp in a transaction of its own (tests, tools); the ERP intake passes its event's transaction. */
  renewFromErpInOwnTransaction(licenseId: string, newExpiresAt: Date): Promise<boolean> {
    return this.renewals.transaction((tx) => this.renewFromErp(tx, licenseId, newExpiresAt));
  }

  async list(licenseId: string, filter: { take: number; cursor?: string }): Promise<RenewalView[]> {
    if (!(await this.renewals.licenseExists(licenseId))) throw DomainError.notFound('License', licenseId);
    return this.renewals.list(licenseId, filter);
  }

  /** The extension itself: only the caller that inserts the term's row extends. Null when it cannot. */
  private async autoRenew(
    tx: TenantTransaction,
    license: LockedLicense,
    termEnd: Date,
    now: Date,
  ): Promise<{ created: boolean; expiresAt: Date } | null> {
    if (!license.renewalTermDays) {
      const { created, renewal } = await this.renewals.insertRenewal(tx, {
        licenseId: license.id,
        termEnd,
        policy: 'AUTO',
        status: 'FAILED',
        completedAt: now,
        failureReason: 'renewalTermDays is not set',
      });
      if (created)
        await this.outbox.append(
          tx,
          this.renewalEvent('renewal.failed', license, termEnd, {
            renewalId: renewal.id,
            reason: renewal.failureReason,
          }),
        );
      return null;
    }
    const newExpiresAt = new Date(termEnd.getTime() + license.renewalTermDays * DAY);
    const { created, renewal } = await this.renewals.insertRenewal(tx, {
      licenseId: license.id,
      termEnd,
      policy: 'AUTO',
      status: 'SUCCEEDED',
      newExpiresAt,
      completedAt: now,
      attempts: 1,
    });
    if (!created)
      return renewal.status === 'SUCCEEDED' && renewal.newExpiresAt
        ? { created: false, expiresAt: renewal.newExpiresAt }
        : null;
    const { revision } = await this.renewals.extendLicense(tx, license.id, newExpiresAt);
    await this.audit.record(tx, {
      action: 'license.renewed',
      entityType: 'license',
      entityId: license.id,
      before: { expiresAt: termEnd },
      after: { expiresAt: newExpiresAt, revision },
    });
    await this.outbox.append(
      tx,
      this.licenseEvent('license.renewed', license, {
        previousExpiresAt: termEnd.toISOString(),
        expiresAt: newExpiresAt.toISOString(),
        revision,
      }),
      this.renewalEvent('renewal.succeeded', license, termEnd, {
        renewalId: renewal.id,
        newExpiresAt: newExpiresAt.toISOString(),
        source: 'AUTO',
      }),
    );
    return { created: true, expiresAt: newExpiresAt };
  }

  /** renewal.due once when due, again every ERP_REMINDER_HOURS; FAILED once the term ended unanswered. */
  private async requestFromErp(
    tx: TenantTransaction,
    license: LockedLicense,
    termEnd: Date,
    now: Date,
  ): Promise<{ outcome: 'requested' | 'reminded' | 'waiting' | 'failed' | 'already-done'; remindAt: Date }> {
    const remindAt = new Date(now.getTime() + ERP_REMINDER_HOURS * HOUR);
    const { renewal, created } = await this.renewals.insertRenewal(tx, {
      licenseId: license.id,
      termEnd,
      policy: 'ERP',
      status: 'REQUESTED',
      attempts: 1,
      lastRequestedAt: now,
    });
    const due = (attempt: number) =>
      this.renewalEvent('renewal.due', license, termEnd, {
        renewalId: renewal.id,
        attempt,
        dueBy: termEnd.toISOString(),
      });
    if (renewal.status === 'SUCCEEDED') return { outcome: 'already-done', remindAt };
    if (renewal.status === 'FAILED') return { outcome: 'failed', remindAt };
    if (now >= termEnd) {
      await this.renewals.updateRenewal(tx, renewal.id, {
        status: 'FAILED',
        completedAt: now,
        failureReason: 'The ERP did not confirm the renewal before the license expired',
      });
      await this.outbox.append(
        tx,
        this.renewalEvent('renewal.failed', license, termEnd, {
          renewalId: renewal.id,
          reason: 'unanswered',
          attempts: renewal.attempts,
        }),
      );
      return { outcome: 'failed', remindAt };
    }
    if (created) {
      await this.outbox.append(tx, due(1));
      return { outcome: 'requested', remindAt };
    }
    const next = new Date((renewal.lastRequestedAt ?? now).getTime() + ERP_REMINDER_HOURS * HOUR);
    if (now < next) return { outcome: 'waiting', remindAt: next };
    const updated = await this.renewals.updateRenewal(tx, renewal.id, {
      lastRequestedAt: now,
      attemptsIncrement: true,
    });
    await this.outbox.append(tx, due(updated.attempts));
    return { outcome: 'reminded', remindAt };
  }

  /** license.expired, once per (license, expiresAt). False when not expired yet or already announced. */
  private async announceExpiry(
    tx: TenantTransaction,
    license: LockedLicense,
    termEnd: Date,
    now: Date,
  ): Promise<boolean> {
    if (now < termEnd) return false;
    if (!(await this.renewals.insertExpiry(tx, license.id, termEnd))) return false;
    await this.outbox.append(tx, this.licenseEvent('license.expired', license, { expiresAt: termEnd.toISOString() }));
    return true;
  }

  private licenseEvent(
    type: 'license.renewed' | 'license.expired',
    license: LockedLicense,
    facts: Record<string, unknown>,
  ): DomainEventInput {
    return {
      type,
      aggregateType: 'license',
      aggregateId: license.id,
      payload: { licenseId: license.id, containerId: license.containerId, productId: license.productId, ...facts },
    };
  }

  private renewalEvent(
    type: 'renewal.due' | 'renewal.succeeded' | 'renewal.failed',
    license: LockedLicense,
    termEnd: Date,
    facts: Record<string, unknown>,
  ): DomainEventInput {
    return {
      type,
      aggregateType: 'license',
      aggregateId: license.id,
      payload: {
        licenseId: license.id,
        containerId: license.containerId,
        productId: license.productId,
        policy: license.renewalPolicy,
        termEnd: termEnd.toISOString(),
        ...facts,
      },
    };
  }
}
