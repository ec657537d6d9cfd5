import { Injectable } from '@nestjs/common';
import { advisoryLockKey, PgPool, Prisma, SqlExecutor, TenantPrisma } from '@leasehold/db';
import { poolWithinCapacity } from './seat-capacity';
import { QUEUE_CLAIM_WINDOW_SECONDS, QUEUE_TICKET_TTL_SECONDS, SLOT_NOT_HELD } from './seat-queue.predicates';
import { QueueTicketStatus } from './seat-queue.types';
import { licenseKey, licenseUsable } from './seat-rules.sql';

// The wait queue's SQL. Raw on purpose, like the seat claim: a grant locks free slots FOR UPDATE
// SKIP LOCKED and pairs them with the oldest waiting tickets, under a per-license advisory lock so
// two grant passes of one license never hand the same ticket two seats or skip one. Lock order is
// the claim's: seat slot first, then lease, then ticket. Each statement names the vendor.

export interface TicketRow {
  id: string;
  vendorId: string;
  licenseId: string;
  containerId: string;
  fingerprint: string;
  clientName: string | null;
  userId: string | null;
  /** The status as of now: a WAITING or HELD ticket past expiresAt reads LAPSED before the worker records it. */
  status: QueueTicketStatus;
  /** WAITING: 1 for the next ticket to be served; null otherwise. */
  position: number | null;
  createdAt: Date;
  expiresAt: Date;
  grantedAt: Date | null;
  heldSlot: number | null;
  leaseId: string | null;
  endedAt: Date | null;
}

/** A ticket whose state changed in a grant, lapse or cancel (what its event needs). */
export interface ChangedTicket {
  id: string;
  vendorId: string;
  licenseId: string;
  containerId: string;
  fingerprint: string;
  heldSlot: number | null;
  expiresAt: Date;
}

const TICKET_COLUMNS = Prisma.sql`t.id, t."vendorId", t."licenseId", t."containerId", t.fingerprint, t."clientName", t."userId",
  CASE WHEN t.status IN ('WAITING', 'HELD') AND t."expiresAt" <= now() THEN 'LAPSED' ELSE t.status::text END AS status,
  CASE WHEN t.status = 'WAITING' AND t."expiresAt" > now() THEN
    (1 + (SELECT count(*) FROM seat_queue_tickets w
           WHERE w."vendorId" = t."vendorId" AND w."licenseId" = t."licenseId" AND w.status = 'WAITING' AND w."expiresAt" > now() AND w.seq < t.seq))::int END AS position,
  t."createdAt", t."expiresAt", t."grantedAt", t."heldSlot", t."leaseId", t."endedAt"`;

const CHANGED_COLUMNS = Prisma.sql`t.id, t."vendorId", t."licenseId", t."containerId", t.fingerprint, t."heldSlot", t."expiresAt"`;

export interface TicketScope {
  containerId?: string;
  licenseId?: string;
  groupId?: string;
}

function scopeSql(scope: TicketScope): Prisma.Sql {
  const parts: Prisma.Sql[] = [];
  if (scope.containerId) parts.push(Prisma.sql`AND t."containerId" = ${scope.containerId}::uuid`);
  if (scope.licenseId) parts.push(Prisma.sql`AND t."licenseId" = ${scope.licenseId}::uuid`);
  if (scope.groupId)
    parts.push(
      Prisma.sql`AND t."containerId" IN (SELECT c.id FROM containers c WHERE c."vendorId" = t."vendorId" AND c."groupId" = ${scope.groupId}::uuid)`,
    );
  return parts.length ? Prisma.join(parts, ' ') : Prisma.empty;
}

@Injectable()
export class SeatQueueRepository {
  constructor(
    private readonly db: TenantPrisma,
    private readonly pg: PgPool,
  ) {}

  /**
   * Serialises the grant passes (and enqueues) of one license until the transaction ends. Taken
   * while holding no slot lock and followed only by SKIP LOCKED slot locks, so it never closes a
   * cycle with a release or checkout that holds a slot.
   */
  async lockLicenseQueue(tx: SqlExecutor, licenseId: string): Promise<void> {
    const key = BigInt.asIntN(64, advisoryLockKey(`seat-queue:${licenseId}`)).toString();
    await tx.$queryRaw`SELECT pg_advisory_xact_lock(${key}::bigint)`;
  }

  /** The device's ticket for the license that still waits or holds a seat, if any. */
  async liveTicketOf(tx: SqlExecutor, licenseId: string, fingerprint: string): Promise<TicketRow | null> {
    const rows = await tx.$queryRaw<TicketRow[]>`
      SELECT ${TICKET_COLUMNS} FROM seat_queue_tickets t
       WHERE t."vendorId" = ${this.db.vendorId}::uuid AND t."licenseId" = ${licenseId}::uuid AND t.fingerprint = ${fingerprint}
         AND t.status IN ('WAITING', 'HELD') AND t."expiresAt" > now()
       ORDER BY t.seq LIMIT 1`;
    return rows[0] ?? null;
  }

  async insert(
    tx: SqlExecutor,
    ticket: {
      id: string;
      licenseId: string;
      containerId: string;
      fingerprint: string;
      clientName: string | null;
      userId: string | null;
    },
  ): Promise<void> {
    await tx.$executeRaw`
      INSERT INTO seat_queue_tickets (id, "vendorId", "licenseId", "containerId", fingerprint, "clientName", "userId", "expiresAt")
      VALUES (${ticket.id}::uuid, ${this.db.vendorId}::uuid, ${ticket.licenseId}::uuid, ${ticket.containerId}::uuid, ${ticket.fingerprint},
              ${ticket.clientName}, ${ticket.userId}::uuid, now() + make_interval(secs => ${QUEUE_TICKET_TTL_SECONDS}::int))`;
  }

  /** A ticket of the current vendor, narrowed by scope (a container, a license, a group). */
  async find(tx: SqlExecutor | undefined, ticketId: string, scope: TicketScope): Promise<TicketRow | null> {
    const db = tx ?? this.pg.sql;
    const rows = await db.$queryRaw<TicketRow[]>`
      SELECT ${TICKET_COLUMNS} FROM seat_queue_tickets t
       WHERE t.id = ${ticketId}::uuid AND t."vendorId" = ${this.db.vendorId}::uuid ${scopeSql(scope)}`;
    return rows[0] ?? null;
  }

  /** Keeps a waiting ticket of the container in the queue for another TTL (a held one keeps its claim window). */
  async renew(ticketId: string, containerId: string): Promise<void> {
    await this.pg.sql.$executeRaw`
      UPDATE seat_queue_tickets SET "expiresAt" = now() + make_interval(secs => ${QUEUE_TICKET_TTL_SECONDS}::int)
       WHERE id = ${ticketId}::uuid AND "vendorId" = ${this.db.vendorId}::uuid AND "containerId" = ${containerId}::uuid
         AND status = 'WAITING' AND "expiresAt" > now()`;
  }

  /**
   * The free slots a grant pass may hold (run it under `lockLicenseQueue`): not in use, not held,
   * and only while the pool has no more slots than the capacity (`poolWithinCapacity`) and the
   * license is usable; locked in slot order. Free slots a concurrent transaction holds locked are
   * skipped (that transaction's own commit triggers the next pass).
   */
  async freeSlots(tx: SqlExecutor, licenseId: string): Promise<number[]> {
    const rows = await tx.$queryRaw<{ slot: number }[]>`
      SELECT s.slot FROM seat_slots s
       WHERE s."licenseId" = ${licenseId}::uuid AND s."vendorId" = ${this.db.vendorId}::uuid AND s."leaseId" IS NULL AND ${SLOT_NOT_HELD}
         AND ${poolWithinCapacity(licenseKey(this.db.vendorId, licenseId))}
         AND EXISTS (SELECT 1 FROM licenses q WHERE q."vendorId" = ${this.db.vendorId}::uuid AND q.id = ${licenseId}::uuid AND ${licenseUsable('q')})
       ORDER BY s.slot
         FOR UPDATE SKIP LOCKED`;
    return rows.map((r) => r.slot);
  }

  /** The first `limit` waiting tickets of the license, in queue order, locked. */
  async waiting(tx: SqlExecutor, licenseId: string, limit: number): Promise<{ id: string; userId: string | null }[]> {
    return tx.$queryRaw<{ id: string; userId: string | null }[]>`
      SELECT t.id, t."userId" FROM seat_queue_tickets t
       WHERE t."licenseId" = ${licenseId}::uuid AND t."vendorId" = ${this.db.vendorId}::uuid AND t.status = 'WAITING' AND t."expiresAt" > now()
       ORDER BY t.seq
       LIMIT ${limit}::int
         FOR UPDATE`;
  }

  /**
   * Holds slot `slots[i]` for ticket `ticketIds[i]` for the claim window (slots from `freeSlots`,
   * tickets from `waiting`, in this transaction). `grantedAt` is the clock when the pass ran
   * (clock_timestamp(), after the queue lock), not the transaction's start: a pass that waited
   * for the lock grants later than the one it waited for.
   */
  async hold(tx: SqlExecutor, licenseId: string, slots: number[], ticketIds: string[]): Promise<ChangedTicket[]> {
    if (!slots.length) return [];
    return tx.$queryRaw<ChangedTicket[]>`
      WITH pairs AS (SELECT * FROM unnest(${slots}::int[], ${ticketIds}::uuid[]) AS p(slot, "ticketId")),
      held AS (
        UPDATE seat_slots s SET "heldTicketId" = pairs."ticketId", "heldUntil" = now() + make_interval(secs => ${QUEUE_CLAIM_WINDOW_SECONDS}::int)
          FROM pairs
         WHERE s."vendorId" = ${this.db.vendorId}::uuid AND s."licenseId" = ${licenseId}::uuid AND s.slot = pairs.slot
        RETURNING s.slot, s."heldTicketId", s."heldUntil")
      UPDATE seat_queue_tickets t SET status = 'HELD', "heldSlot" = held.slot, "grantedAt" = clock_timestamp(), "expiresAt" = held."heldUntil"
        FROM held
       WHERE t."vendorId" = ${this.db.vendorId}::uuid AND t.id = held."heldTicketId"
      RETURNING ${CHANGED_COLUMNS}`;
  }

  /** The held ticket was used: its seat is now the lease's (same transaction as the claim). */
  async markClaimed(tx: SqlExecutor, ticketId: string, leaseId: string): Promise<void> {
    await tx.$executeRaw`
      UPDATE seat_queue_tickets SET status = 'CLAIMED', "leaseId" = ${leaseId}::uuid, "endedAt" = now()
       WHERE id = ${ticketId}::uuid AND "vendorId" = ${this.db.vendorId}::uuid AND status = 'HELD'`;
  }

  /**
   * The program leaves the queue: a held seat is released from its hold (slot first, then the
   * ticket), the ticket ends CANCELLED. Null when the container has no such ticket still in the queue.
   */
  async cancel(tx: SqlExecutor, ticketId: string, containerId: string): Promise<ChangedTicket | null> {
    const vendorId = this.db.vendorId;
    await tx.$executeRaw`
      UPDATE seat_slots s SET "heldTicketId" = NULL, "heldUntil" = NULL
        FROM seat_queue_tickets t
       WHERE t.id = ${ticketId}::uuid AND t."vendorId" = ${vendorId}::uuid AND t."containerId" = ${containerId}::uuid AND t.status = 'HELD'
         AND s."vendorId" = t."vendorId" AND s."licenseId" = t."licenseId" AND s.slot = t."heldSlot" AND s."heldTicketId" = t.id`;
    const rows = await tx.$queryRaw<ChangedTicket[]>`
      UPDATE seat_queue_tickets t SET status = 'CANCELLED', "endedAt" = now()
       WHERE t.id = ${ticketId}::uuid AND t."vendorId" = ${vendorId}::uuid AND t."containerId" = ${containerId}::uuid
         AND t.status IN ('WAITING', 'HELD') AND t."expiresAt" > now()
      RETURNING ${CHANGED_COLUMNS}`;
    return rows[0] ?? null;
  }

  /**
   * Across all vendors (the worker): records up to `limit` tickets that lapsed (not renewed, or
   * a held seat not claimed in its window) as LAPSED at their expiry, releasing their holds.
   */
  async lapseDue(tx: SqlExecutor, limit: number): Promise<ChangedTicket[]> {
    // As the lease sweep: found across vendors, then lapsed vendor by vendor (each statement on one vendor's rows).
    const due = await tx.$queryRaw<{ vendorId: string; id: string }[]>`
      SELECT "vendorId", id FROM seat_queue_tickets WHERE status IN ('WAITING', 'HELD') AND "expiresAt" <= now() ORDER BY "expiresAt" LIMIT ${limit}::int`;
    if (!due.length) return [];
    const lapsed: ChangedTicket[] = [];
    for (const vendorId of new Set(due.map((d) => d.vendorId))) {
      const ids = due.filter((d) => d.vendorId === vendorId).map((d) => d.id);
      lapsed.push(...(await this.lapseOfVendor(tx, vendorId, ids)));
    }
    return lapsed;
  }

  /** Records due tickets of one vendor as lapsed, their holds released (statements on that vendor's rows alone). */
  private async lapseOfVendor(tx: SqlExecutor, vendorId: string, ids: string[]): Promise<ChangedTicket[]> {
    await tx.$executeRaw`
      WITH held AS (
        SELECT s."vendorId", s."licenseId", s.slot FROM seat_slots s
          JOIN seat_queue_tickets t ON t."vendorId" = s."vendorId" AND t."licenseId" = s."licenseId" AND t."heldSlot" = s.slot AND s."heldTicketId" = t.id
         WHERE t."vendorId" = ${vendorId}::uuid AND t.id = ANY(${ids}::uuid[]) AND t.status = 'HELD' AND s."heldUntil" <= now()
         ORDER BY s."licenseId", s.slot
           FOR UPDATE OF s SKIP LOCKED)
      UPDATE seat_slots s SET "heldTicketId" = NULL, "heldUntil" = NULL
        FROM held WHERE s."vendorId" = ${vendorId}::uuid AND s."vendorId" = held."vendorId" AND s."licenseId" = held."licenseId" AND s.slot = held.slot AND s."heldUntil" <= now()`;
    return tx.$queryRaw<ChangedTicket[]>`
      UPDATE seat_queue_tickets t SET status = 'LAPSED', "endedAt" = t."expiresAt"
       WHERE t."vendorId" = ${vendorId}::uuid AND t.id = ANY(${ids}::uuid[]) AND t.status IN ('WAITING', 'HELD') AND t."expiresAt" <= now()
      RETURNING ${CHANGED_COLUMNS}`;
  }

  /**
   * Across all vendors (the worker's safety net): licenses where a ticket waits while a slot is
   * free and not held, e.g. after the quantity grew or a grant pass skipped a locked slot.
   */
  async licensesToServe(limit: number): Promise<{ vendorId: string; licenseId: string }[]> {
    return this.pg.sql.$queryRaw<{ vendorId: string; licenseId: string }[]>`
      SELECT DISTINCT t."vendorId", t."licenseId" FROM seat_queue_tickets t
       WHERE t.status = 'WAITING' AND t."expiresAt" > now()
         AND EXISTS (SELECT 1 FROM seat_slots s WHERE s."vendorId" = t."vendorId" AND s."licenseId" = t."licenseId" AND s."leaseId" IS NULL AND ${SLOT_NOT_HELD})
       LIMIT ${limit}::int`;
  }

  /** Tickets still in the queue (waiting or holding a seat), in queue order, for admins. */
  async listLive(filter: TicketScope & { take: number; cursor?: string }): Promise<TicketRow[]> {
    const cursor = filter.cursor
      ? Prisma.sql`AND t.seq > (SELECT c.seq FROM seat_queue_tickets c WHERE c.id = ${filter.cursor}::uuid AND c."vendorId" = ${this.db.vendorId}::uuid)`
      : Prisma.empty;
    return this.db.client.$queryRaw<TicketRow[]>`
      SELECT ${TICKET_COLUMNS} FROM seat_queue_tickets t
       WHERE t."vendorId" = ${this.db.vendorId}::uuid AND t.status IN ('WAITING', 'HELD') AND t."expiresAt" > now() ${scopeSql(filter)} ${cursor}
       ORDER BY t.seq
       LIMIT ${filter.take}::int`;
  }
}
