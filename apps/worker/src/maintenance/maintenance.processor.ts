import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { ConfigService } from '@leasehold/config';
import { OutboxRepository } from '@leasehold/domain-events';
import { ApiKeysService } from '@leasehold/domain-vendors';
import { MAINTENANCE_JOBS, MaintenanceJobName, QUEUES } from '@leasehold/queues';
import { IdempotencyStore } from '@leasehold/idempotency';

/** Periodic clean-up. Each job is idempotent: it deletes what is past its retention, whenever it runs. */
@Processor(QUEUES.maintenance)
export class MaintenanceProcessor extends WorkerHost {
  private readonly logger = new Logger(MaintenanceProcessor.name);

  constructor(
    private readonly apiKeys: ApiKeysService,
    private readonly idempotency: IdempotencyStore,
    private readonly outbox: OutboxRepository,
    private readonly config: ConfigService,
  ) {
    super();
  }

  async process(job: Job<unknown, { deleted: number }, MaintenanceJobName>): Promise<{ deleted: number }> {
    let deleted: number;
    switch (job.name) {
      case MAINTENANCE_JOBS.purgeEndedApiKeys:
        deleted = await this.apiKeys.purgeEnded();
        break;
      case MAINTENANCE_JOBS.purgeIdempotencyRecords:
        deleted = await this.idempotency.purgeExpired();
        break;
      case MAINTENANCE_JOBS.purgeDeliveredEvents:
        deleted = await this.outbox.purgeDeliveredBefore(
          new Date(Date.now() - this.config.get('DOMAIN_EVENT_RETENTION_DAYS') * 86_400_000),
        );
        break;
      default:
        throw new Error(`Unknown maintenance job ${String(job.name)}`);
    }
    this.logger.log({ job: job.name, deleted }, 'maintenance job done');
    return { deleted };
  }
}
