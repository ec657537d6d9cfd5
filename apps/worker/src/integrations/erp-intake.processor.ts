import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { TenantContext } from '@leasehold/db';
import { InboundEventsService, ProcessInboundEventUseCase, ProcessOutcome } from '@leasehold/domain-integrations';
import { ERP_INTAKE_JOBS, ErpIntakeJobName, InboundEventJobData, QUEUES } from '@leasehold/queues';

/**
 * Processes stored ERP/CRM events, one job per event (job id from the event id), and the sweep
 * that re-queues events left RECEIVED. Idempotent: the use case locks the event row and does
 * nothing for an event that is no longer RECEIVED. Business failures complete the job (the event
 * is FAILED); infrastructure failures fail it, so BullMQ retries with the default job options.
 */
@Processor(QUEUES.erpIntake)
export class ErpIntakeProcessor extends WorkerHost {
  private readonly logger = new Logger(ErpIntakeProcessor.name);

  constructor(
    private readonly processInboundEvent: ProcessInboundEventUseCase,
    private readonly inboundEvents: InboundEventsService,
    private readonly tenant: TenantContext,
  ) {
    super();
  }

  async process(
    job: Job<InboundEventJobData, unknown, ErpIntakeJobName>,
  ): Promise<ProcessOutcome | { enqueued: number }> {
    switch (job.name) {
      case ERP_INTAKE_JOBS.process: {
        const { vendorId, inboundEventId } = job.data;
        const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        const outcome = await this.tenant.run(
          vendorId,
          () => this.processInboundEvent.execute({ inboundEventId, finalAttempt }),
          { type: 'SYSTEM', id: null },
        );
        this.logger.log({ inboundEventId, outcome: outcome.outcome }, 'inbound event done');
        return outcome;
      }
      case ERP_INTAKE_JOBS.dispatchReceived:
        return { enqueued: await this.inboundEvents.enqueueStale() };
      default:
        throw new Error(`Unknown erp-intake job ${String(job.name)}`);
    }
  }
}
