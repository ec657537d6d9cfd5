import { Injectable } from '@nestjs/common';
import { TenantPrisma } from '@leasehold/db';
import { DomainError } from '@leasehold/errors';
import { UsageHistoryRepository } from './usage-history.repository';
import { LeaseHistoryFilter, LeaseHistoryView } from './seats.types';

/** Rows per query while exporting the whole history (CSV). */
const EXPORT_BATCH = 500;

// "Which workstation is using which licence, and how long": the lease history, filtered by
// license, user, device or workstation and time, for vendors (their whole tenant) and group
// admins (filter.groupId: only the group's containers). A license, user or device that is not the
// caller's is "not found", never an empty list that would confirm it exists elsewhere.

@Injectable()
export class UsageHistoryService {
  constructor(
    private readonly db: TenantPrisma,
    private readonly history: UsageHistoryRepository,
  ) {}

  /** One page (`take` rows after the cursor). */
  async page(filter: LeaseHistoryFilter): Promise<LeaseHistoryView[]> {
    await this.check(filter);
    return this.history.page(filter, new Date());
  }

  /**
   * Checks the filter (404 / 400 before anything is streamed), then yields every matching lease,
   * oldest first, fetched in batches. Leases starting after the export began are left out.
   */
  async export(filter: Omit<LeaseHistoryFilter, 'take' | 'cursor'>): Promise<AsyncIterable<LeaseHistoryView>> {
    await this.check(filter);
    const startedBefore = new Date();
    const to = filter.to && filter.to < startedBefore ? filter.to : startedBefore;
    const history = this.history;
    return (async function* () {
      let cursor: string | undefined;
      for (;;) {
        const rows = await history.page({ ...filter, to, take: EXPORT_BATCH, cursor }, new Date());
        yield* rows;
        if (rows.length < EXPORT_BATCH) return;
        cursor = rows[rows.length - 1].id;
      }
    })();
  }

  private async check(f: Omit<LeaseHistoryFilter, 'take' | 'cursor'>): Promise<void> {
    if (f.from && f.to && f.to <= f.from) {
      throw new DomainError('VALIDATION_FAILED', 'to must be after from', {
        fields: [{ field: 'to', messages: ['to must be after from'] }],
      });
    }
    const group = f.groupId;
    const [license, user, device] = await Promise.all([
      f.licenseId
        ? this.db.client.license.findFirst({
            where: { id: f.licenseId, ...(group ? { container: { groupId: group } } : {}) },
            select: { id: true },
          })
        : true,
      f.userId
        ? this.db.client.user.findFirst({
            where: { id: f.userId, ...(group ? { groupId: group } : {}) },
            select: { id: true },
          })
        : true,
      f.deviceId
        ? this.db.client.device.findFirst({
            where: { id: f.deviceId, ...(group ? { container: { groupId: group } } : {}) },
            select: { id: true },
          })
        : true,
    ]);
    if (!license) throw DomainError.notFound('License', f.licenseId);
    if (!user) throw DomainError.notFound('User', f.userId);
    if (!device) throw DomainError.notFound('Device', f.deviceId);
  }
}
