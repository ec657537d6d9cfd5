import { TenantContext } from '@leasehold/db';
import { DomainEventView, OutboxHandler, OutboxSubscriber } from '@leasehold/domain-events';
import { RenewalScheduler } from './renewal-scheduler';

/**
 * Schedules (or reschedules) a license's renewal check whenever the license changed: the job id
 * carries the expiry, so an unchanged expiry is not queued twice and a new one gets its own job.
 * A resumed license whose renewal fell due while it was suspended is checked at once (job id of
 * the event), so it is renewed then. Runs from the outbox relay, so a change that committed is
 * never left unscheduled.
 */
@OutboxSubscriber('license.created', 'license.changed', 'license.renewed', 'license.resumed')
export class RescheduleRenewalOnLicenseChange implements OutboxHandler {
  constructor(
    private readonly scheduler: RenewalScheduler,
    private readonly tenant: TenantContext,
  ) {}

  async handle(event: DomainEventView): Promise<void> {
    const recheckKey = event.type === 'license.resumed' ? `resumed-${event.id}` : undefined;
    await this.tenant.run(event.vendorId, () => this.scheduler.scheduleCurrentTerm(event.aggregateId, recheckKey));
  }
}
