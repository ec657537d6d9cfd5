import { Injectable } from '@nestjs/common';
import { PgPool, TenantContext } from '@leasehold/db';
import { OutboxRepository } from '@leasehold/domain-events';
import { LeaseSweepRepository, SweptLease } from './lease-sweep.repository';
import { OverageService } from './overage.service';
import { seatEvent } from './seat-events';

/**
 * Records the end of expired leases (reason EXPIRED) and empties their slots, a batch at a time,
 * with one seat.expired event each in the same transaction. Idempotent: a lease already ended is
 * not touched again, so overlapping or repeated runs end each lease once. A PgPool transaction, as
 * every seat transaction.
 */
@Injectable()
export class LeaseSweeperService {
  constructor(
    private readonly pg: PgPool,
    private readonly tenant: TenantContext,
    private readonly sweeps: LeaseSweepRepository,
    private readonly outbox: OutboxRepository,
    private readonly overage: OverageService,
  ) {}

  /** Sweeps until nothing expired is left or `maxBatches` batches ran; returns how many ended. */
  async sweepExpired(batchSize = 500, maxBatches = 20): Promise<number> {
    let total = 0;
    for (let i = 0; i < maxBatches; i++) {
      const ended = await this.pg.transaction(async (tx) => {
        const rows = await this.sweeps.sweep(tx, batchSize);
        const byVendor = new Map<string, SweptLease[]>();
        for (const row of rows) byVendor.set(row.vendorId, [...(byVendor.get(row.vendorId) ?? []), row]);
        for (const [vendorId, leases] of byVendor) {
          await this.tenant.run(vendorId, async () => {
            await this.outbox.append(
              tx,
              ...leases.map((l) => seatEvent('seat.expired', { ...l, endReason: 'EXPIRED', overage: false })),
            );
            // An overage episode ends when expiries bring the seats in use back to the quantity.
            for (const licenseId of [...new Set(leases.map((l) => l.licenseId))].sort())
              await this.overage.settleIfTracked(tx, licenseId);
          });
        }
        return rows.length;
      });
      total += ended;
      if (ended < batchSize) break;
    }
    return total;
  }
}
