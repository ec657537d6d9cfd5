import { Injectable } from '@nestjs/common';
import { SqlExecutor } from '@leasehold/db';
import { LeaseRow } from './lease-row';

/** A lease the sweep ended (as EXPIRED, at its expiry), with its vendor: the sweep runs across vendors. */
export interface SweptLease extends Omit<LeaseRow, 'returnKeyHash' | 'endedAt' | 'endReason' | 'overage'> {
  vendorId: string;
  endedAt: Date;
}

/**
 * The expiry sweep, across all vendors (the worker's job): raw SQL only, so the tenant scope does
 * not apply and no vendor needs to be in context. It only
 * records what is already true: an expired lease stopped counting when its slot's expiresAt
 * passed, whether or not this ever runs.
 */
@Injectable()
export class LeaseSweepRepository {
  /**
   * Ends up to `limit` expired leases (reason EXPIRED, endedAt = their expiry) and empties the
   * slots they still hold. Slots are locked first (SKIP LOCKED: a slot a checkout is taking over
   * right now is that checkout's to finish), then the leases, matching the checkout's lock order.
   */
  async sweep(tx: SqlExecutor, limit: number): Promise<SweptLease[]> {
    // The candidates across vendors (on Citus: a read of every shard), then each vendor's in two
    // statements that name it (on Citus: that vendor's shard only; a multi-shard statement may not
    // lock rows).
    const candidates = await tx.$queryRaw<{ vendorId: string; id: string }[]>`
      SELECT "vendorId", id FROM seat_leases WHERE "endedAt" IS NULL AND "expiresAt" <= now() ORDER BY "expiresAt" LIMIT ${limit}::int`;
    const byVendor = new Map<string, string[]>();
    for (const { vendorId, id } of candidates) byVendor.set(vendorId, [...(byVendor.get(vendorId) ?? []), id]);
    const swept: SweptLease[] = [];
    for (const [vendorId, ids] of byVendor) swept.push(...(await this.sweepOf(tx, vendorId, ids)));
    return swept;
  }

  private async sweepOf(tx: SqlExecutor, vendorId: string, ids: string[]): Promise<SweptLease[]> {
    await tx.$executeRaw`
      WITH held AS (
        SELECT s."licenseId", s.slot FROM seat_slots s
          JOIN seat_leases l ON l."vendorId" = s."vendorId" AND l.id = s."leaseId" AND l."licenseId" = s."licenseId"
         WHERE s."vendorId" = ${vendorId}::uuid AND l.id = ANY(${ids}::uuid[]) AND s."expiresAt" <= now()
         ORDER BY s."licenseId", s.slot
           FOR UPDATE OF s SKIP LOCKED)
      UPDATE seat_slots s SET "leaseId" = NULL, "expiresAt" = NULL
        FROM held WHERE s."vendorId" = ${vendorId}::uuid AND s."licenseId" = held."licenseId" AND s.slot = held.slot AND s."expiresAt" <= now()`;
    return tx.$queryRaw<SweptLease[]>`
      UPDATE seat_leases l SET "endedAt" = l."expiresAt", "endReason" = 'EXPIRED'
       WHERE l."vendorId" = ${vendorId}::uuid AND l.id = ANY(${ids}::uuid[]) AND l."endedAt" IS NULL AND l."expiresAt" <= now()
      RETURNING l.id, l."vendorId", l."licenseId", l."containerId", l.slot, l."deviceId", l.fingerprint, l."startedAt",
                l."expiresAt", l."borrowUntil", l."endedAt"`;
  }
}
