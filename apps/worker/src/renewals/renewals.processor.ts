import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { TenantContext } from '@leasehold/db';
import { RenewalCheckResult, RenewalScheduler, RenewalsService } from '@leasehold/domain-renewals';
import { QUEUES, RENEWAL_JOBS, RenewalCheckJobData, RenewalJobName } from '@leasehold/queues';

/**
 * Renewal checks and the sweep. A check runs the renewal use case (exactly once per term, enforced
 * in Postgres) and then schedules the next look; a crash between the two is harmless: the retried
 * job finds the term done and only schedules.
 */
@Processor(QUEUES.renewals)
export class RenewalsProcessor extends WorkerHost {
  private readonly logger = new Logger(RenewalsProcessor.name);

  constructor(
    private readonly renewals: RenewalsService,
    private readonly scheduler: RenewalScheduler,
    private readonly tenant: TenantContext,
  ) {
    super();
  }

  async process(
    job: Job<RenewalCheckJobData, unknown, RenewalJobName>,
  ): Promise<RenewalCheckResult | { scheduled: number }> {
    switch (job.name) {
      case RENEWAL_JOBS.check: {
        const { vendorId, licenseId, termEnd } = job.data;
        const result = await this.tenant.run(vendorId, () => this.renewals.check(licenseId, new Date(termEnd)));
        if (result.nextCheckAt && result.expiresAt)
          await this.scheduler.schedule(vendorId, licenseId, result.expiresAt, result.nextCheckAt);
        this.logger.log({ job: job.name, licenseId, outcome: result.outcome }, 'renewal check done');
        return result;
      }
      case RENEWAL_JOBS.sweep:
        return { scheduled: await this.scheduler.sweep() };
      default:
        throw new Error(`Unknown renewal job ${String(job.name)}`);
    }
  }
}
