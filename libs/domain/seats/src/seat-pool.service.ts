import { Injectable } from '@nestjs/common';
import { SqlExecutor } from '@leasehold/db';
import { DomainError } from '@leasehold/errors';
import { seatCapacity } from './seat-capacity';
import { LockedPool, SeatPoolRepository } from './seat-pool.repository';

// A license's seats are rows of seat_slots, as many as its quantity. This service keeps that count
// in step with the quantity. Shrinking below the seats in use never ends a running session: the
// slots still held stay as "excess" slots and are deleted as soon as they are free (checkout trims
// them before it claims, and refuses to claim while excess slots exist), so no new seat is handed
// out until the number in use is below the new quantity. With an overage allowance
// the pool holds quantity + allowance slots (its capacity), and the quantity never goes below the
// seats reserved (RESERVATIONS_EXCEED_QUANTITY).

export interface PoolSize {
  /** Slot rows after the change. */
  slots: number;
  /** Slots above the quantity still held by live leases; removed when they are freed. */
  excess: number;
}

@Injectable()
export class SeatPoolService {
  constructor(private readonly pool: SeatPoolRepository) {}

  /**
   * Makes the license's seat pool `quantity` seats. Call it in the transaction that creates the
   * license or changes its quantity (that transaction should already have written the new
   * quantity; the license row is locked here either way).
   */
  async resize(tx: SqlExecutor, licenseId: string, quantity: number): Promise<PoolSize> {
    if (!Number.isInteger(quantity) || quantity < 0) {
      throw new DomainError('VALIDATION_FAILED', 'quantity must be a non-negative integer', {
        fields: [{ field: 'quantity', messages: ['quantity must be a non-negative integer'] }],
      });
    }
    const license = await this.pool.lockLicense(tx, licenseId);
    if (!license) throw DomainError.notFound('License', licenseId);
    if (license.reservedSeats > quantity) {
      throw new DomainError(
        'RESERVATIONS_EXCEED_QUANTITY',
        `${license.reservedSeats} seats of the license are reserved; remove reservations before lowering the quantity below that`,
        {
          quantity,
          reserved: license.reservedSeats,
        },
      );
    }
    return this.fit(tx, licenseId, seatCapacity(quantity, license), license.slots, license.maxSlot);
  }

  /** Deletes free slots above the license's current quantity (after a shrink). */
  async trim(tx: SqlExecutor, licenseId: string): Promise<PoolSize> {
    const license = await this.pool.lockLicense(tx, licenseId);
    if (!license) throw DomainError.notFound('License', licenseId);
    return this.fit(tx, licenseId, seatCapacity(license.quantity, license), license.slots, license.maxSlot);
  }

  /**
   * Sets (or with null removes) the license's overage allowance and fits the pool to the new
   * capacity, under the same license lock as resize. Lowering it never ends a running session.
   */
  async setOverage(
    tx: SqlExecutor,
    licenseId: string,
    columns: { overagePercent: number | null; overageExtraSeats: number | null },
  ): Promise<LockedPool & PoolSize> {
    const license = await this.pool.lockLicense(tx, licenseId);
    if (!license) throw DomainError.notFound('License', licenseId);
    await this.pool.setOverageColumns(tx, licenseId, columns);
    const size = await this.fit(tx, licenseId, seatCapacity(license.quantity, columns), license.slots, license.maxSlot);
    return { ...license, ...columns, ...size };
  }

  /** Makes the pool `quantity` slots (the license's capacity: quantity + overage allowance). */
  private async fit(
    tx: SqlExecutor,
    licenseId: string,
    quantity: number,
    slots: number,
    maxSlot: number,
  ): Promise<PoolSize> {
    if (slots < quantity) {
      await this.pool.addSlots(tx, licenseId, maxSlot + 1, quantity - slots);
      return { slots: quantity, excess: 0 };
    }
    if (slots > quantity) {
      const { deleted, expiredLeaseIds } = await this.pool.deleteFreeSlots(tx, licenseId, slots - quantity);
      await this.pool.endExpiredLeases(tx, expiredLeaseIds);
      return { slots: slots - deleted, excess: slots - deleted - quantity };
    }
    return { slots, excess: 0 };
  }
}
