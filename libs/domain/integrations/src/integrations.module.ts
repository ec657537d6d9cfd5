import { Module } from '@nestjs/common';
import { AuditModule } from '@leasehold/domain-audit';
import { QUEUES, registerQueues } from '@leasehold/queues';
import { InboundEventsService } from './inbound-events.service';
import { IntegrationsRepository } from './integrations.repository';
import { IntegrationsService } from './integrations.service';

/**
 * ERP/CRM integrations: their secrets, the verified intake of signed events (stored before they are
 * processed, rejected ones too) and the processing of each event in one transaction.
 * The app provides BullMQ's root connection (QueuesModule.register).
 */
@Module({
  imports: [AuditModule, registerQueues(QUEUES.erpIntake)],
  providers: [IntegrationsRepository, IntegrationsService, InboundEventsService],
  exports: [IntegrationsService, InboundEventsService],
})
export class IntegrationsModule {}
