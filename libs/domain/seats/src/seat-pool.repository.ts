import { Injectable } from '@nestjs/common';
import { SqlExecutor, TenantPrisma } from '@leasehold/db';
import { SLOT_NOT_HELD } from './seat-queue.predicates';
import { OverageColumns } from './seat-capacity';
import { seatClaimable } from './seat-rules.sql';

export interface LockedPool extends OverageColumns {
  quantity: number;
  slots: number;
  maxSlot: number;
  /** Seats held by the license's reservations (their sum never exceeds the quantity). */
  reservedSeats: number;
}

/**
 * The seat slots of a license: one row per seat. Raw SQL throughout, because the statements lock
 * rows (FOR NO KEY UPDATE / SKIP LOCKED) and the tenant extension does not cover raw SQL, so the
 * vendor id is passed explicitly in every statement.
 */
@Injectable()
export class SeatPoolRepository {
  constructor(private readonly db: TenantPrisma) {}

  /**
   * Locks the license row (serialising every resize and trim of one license) and reads its
   * quantity and slot count. NO KEY UPDATE does not block checkouts, whose lease inserts only
   * take KEY SHARE on the license through the foreign key.
   */
  async lockLicense(tx: SqlExecutor, licenseId: string): Promise<LockedPool | null> {
    const rows = await tx.$queryRaw<LockedPool[]>`
      SELECT l.quantity, l."overagePercent", l."overageExtraSeats",
             (SELECT COALESCE(sum(r.seats), 0)::int FROM seat_reservations r WHERE r."vendorId" = l."vendorId" AND r."licenseId" = l.id) AS "reservedSeats",
             (SELECT count(*)::int FROM seat_slots s WHERE s."vendorId" = l."vendorId" AND s."licenseId" = l.id) AS slots,
             (SELECT COALESCE(max(s.slot), -1)::int FROM seat_slots s WHERE s."vendorId" = l."vendorId" AND s."licenseId" = l.id) AS "maxSlot"
        FROM licenses l
       WHERE l.id = ${licenseId}::uuid AND l."vendorId" = ${this.db.vendorId}::uuid
         FOR NO KEY UPDATE OF l`;
    return rows[0] ?? null;
  }

  async setOverageColumns(tx: SqlExecutor, licenseId: string, columns: OverageColumns): Promise<void> {
    await tx.$executeRaw`
      UPDATE licenses SET "overagePercent" = ${columns.overagePercent}::int, "overageExtraSeats" = ${columns.overageExtraSeats}::int, "updatedAt" = now()
       WHERE id = ${licenseId}::uuid AND "vendorId" = ${this.db.vendorId}::uuid`;
  }

  async addSlots(tx: SqlExecutor, licenseId: string, from: number, count: number): Promise<void> {
    await tx.$executeRaw`
      INSERT INTO seat_slots ("licenseId", slot, "vendorId")
      SELECT ${licenseId}::uuid, g, ${this.db.vendorId}::uuid FROM generate_series(${from}::int, ${from + count - 1}::int) AS g`;
  }

  /**
   * Deletes up to `count` slots that hold no live lease (free, or holding an expired one), highest
   * slot first. SKIP LOCKED: a slot another transaction is claiming or releasing right now is left
   * alone (it stays as an excess slot and is trimmed when next seen free). Returns the expired
   * leases the deleted slots still pointed at, so the caller can end them.
   */
  async deleteFreeSlots(
    tx: SqlExecutor,
    licenseId: string,
    count: number,
  ): Promise<{ deleted: number; expiredLeaseIds: string[] }> {
    const rows = await tx.$queryRaw<{ leaseId: string | null }[]>`
      WITH doomed AS (
        SELECT s.slot, s."leaseId" FROM seat_slots s
         WHERE s."licenseId" = ${licenseId}::uuid AND s."vendorId" = ${this.db.vendorId}::uuid
           AND ${seatClaimable('s')} AND ${SLOT_NOT_HELD}
         ORDER BY s.slot DESC
         LIMIT ${count}::int
           FOR UPDATE SKIP LOCKED)
      DELETE FROM seat_slots s USING doomed
       WHERE s."licenseId" = ${licenseId}::uuid AND s.slot = doomed.slot
      RETURNING doomed."leaseId"`;
    return { deleted: rows.length, expiredLeaseIds: rows.flatMap((r) => (r.leaseId ? [r.leaseId] : [])) };
  }

  /** Ends leases whose seat passed its expiry (reason EXPIRED, at their expiry time). */
  async endExpiredLeases(tx: SqlExecutor, leaseIds: string[]): Promise<number> {
    if (!leaseIds.length) return 0;
    return tx.$executeRaw`
      UPDATE seat_leases SET "endedAt" = LEAST("expiresAt", now()), "endReason" = 'EXPIRED'
       WHERE id = ANY(${leaseIds}::uuid[]) AND "vendorId" = ${this.db.vendorId}::uuid AND "endedAt" IS NULL`;
  }
}
