import { Module } from '@nestjs/common';
import { AuditModule } from '@leasehold/domain-audit';
import { EventsModule } from '@leasehold/domain-events';
import { QUEUES, registerQueues } from '@leasehold/queues';
import { RenewalScheduler } from './renewal-scheduler';
import { RescheduleRenewalOnLicenseChange } from './reschedule-renewal.subscriber';
import { RenewalsRepository } from './renewals.repository';
import { RenewalsService } from './renewals.service';

/**
 * Scheduled renewal of licenses, exactly once per term (unique license_renewals row written in the
 * transaction of the extension). The app provides BullMQ's root connection (QueuesModule.register).
 */
@Module({
  imports: [AuditModule, EventsModule, registerQueues(QUEUES.renewals)],
  providers: [RenewalsRepository, RenewalsService, RenewalScheduler, RescheduleRenewalOnLicenseChange],
  exports: [RenewalsService, RenewalScheduler],
})
export class RenewalsModule {}
