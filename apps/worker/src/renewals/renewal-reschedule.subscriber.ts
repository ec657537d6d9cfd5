import { Injectable } from '@nestjs/common';
import { TenantContext } from '@leasehold/db';
import { DomainEventView, OutboxSubscriber, OutboxSubscription } from '@leasehold/domain-events';
import { RenewalScheduler } from '@leasehold/domain-renewals';

const CHANGES = new Set(['license.created', 'license.changed', 'license.renewed', 'license.resumed']);

/**
 * Schedules (or reschedules) a license's renewal check whenever the license changed: the job id
 * carries the expiry, so an unchanged expiry is not queued twice and a new one gets its own job.
 * Runs from the outbox relay, so a change that committed is never left unscheduled.
 */
@OutboxSubscription()
@Injectable()
export class RenewalRescheduleSubscriber implements OutboxSubscriber {
  constructor(
    private readonly scheduler: RenewalScheduler,
    private readonly tenant: TenantContext,
  ) {}

  handles(type: string): boolean {
    return CHANGES.has(type);
  }

  async handle(event: DomainEventView): Promise<void> {
    await this.tenant.run(event.vendorId, () => this.scheduler.scheduleCurrentTerm(event.aggregateId));
  }
}
