import { Injectable } from '@nestjs/common';
import {
  LicenseStatus,
  PgPool,
  Prisma,
  rowByBatchKey,
  SqlExecutor,
  TenantPrisma,
  statementBatch,
  uuidV7,
  withoutBatchKey,
} from '@leasehold/db';
import { containerRevisionSql } from '@leasehold/domain-updates';
import { LEASE_COLUMNS, LeaseRow, leaseScopeSql, ReleasedRow } from './lease-row';
import { overageTrackedSql } from './seat-capacity';
import { seatEventPayloadSql } from './seat-events';
import { leaseHoldsSeat, licenseUsable, onlineSeatUntil } from './seat-rules.sql';
import { LeaseEndReason, SessionScope } from './seats.types';

// The statements on one lease once it exists (SeatsService: heartbeat, release, borrow;
// SeatCheckoutService: the lease a checkout resumes; SessionsService: an admin's stop): extend,
// explain, free, end, borrow.
// Every statement here is raw SQL on purpose: seat claims need FOR UPDATE SKIP LOCKED and
// conditional updates whose WHERE clause is the rule ("the slot is free or its lease expired",
// "the lease is live and not borrowed"). The tenant extension does not scope raw SQL, so each
// statement names the vendor explicitly. Lock order is always seat slot first, then lease, so
// two of these statements never wait on each other in a cycle. The rules themselves are
// fragments of seat-rules.sql.ts; the rendered statements are in sql/ (`npm run sql:snapshot`).

/** A lease with the facts needed to explain why an operation on it did not apply. */
export interface LeaseStateRow extends LeaseRow {
  /** The lease still holds its seat slot and the slot has not expired. */
  live: boolean;
  licenseStatus: LicenseStatus;
  licenseValidFrom: Date;
  licenseExpiresAt: Date | null;
  leaseTtlSeconds: number;
  heartbeatIntervalSeconds: number;
  borrowAllowed: boolean;
  maxBorrowDays: number;
  offlinePeriodDays: number;
  /** The container's revision (`containerRevisionSql`, libs/domain/updates), for the heartbeat answer. */
  containerRevision: number;
  /** The container's access was revoked (its user removed or disabled). */
  accessRevokedAt: Date | null;
  accessRevokedReason: string | null;
  now: Date;
}

/** A lease extended by a heartbeat, with what the answer needs. */
export interface HeartbeatRow extends LeaseRow {
  heartbeatIntervalSeconds: number;
  leaseTtlSeconds: number;
  /** The container's revision (the sum of its licenses' revisions). */
  containerRevision: number;
}

/**
 * Lease `cur` is of the container whose current secret has this hash (SQL), of an active vendor:
 * the hot path's authentication, in the statement that acts.
 */
function ownedByCredential(credentialHash: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`cur."containerId" = (SELECT cc.id FROM containers cc JOIN vendors v ON v.id = cc."vendorId"
                                  WHERE cc."vendorId" = cur."vendorId" AND cc."credentialHash" = ${credentialHash} AND v.status = 'ACTIVE')`;
}

/** A heartbeat or release on the hot path: the lease, and the hash of the secret its container must have now, of that vendor. */
export interface CredentialLeaseRequest {
  vendorId: string;
  credentialHash: string;
  leaseId: string;
}

/** A heartbeat's row in a batch: `batchKey` says whose (`requestKey` of the request). */
export type BatchedHeartbeatRow = HeartbeatRow & { batchKey: string };

function requestKey(beat: CredentialLeaseRequest): string {
  return `${beat.vendorId}/${beat.leaseId}/${beat.credentialHash}`;
}

/**
 * In lease order: a plan that walks a batch's requests in order then locks the rows two batches
 * share in the same order. A deadlock that still happens fails the batch, which then runs
 * request by request (statementBatch).
 */
function inLeaseOrder<T extends { leaseId: string }>(items: readonly T[]): T[] {
  return [...items].sort((x, y) => (x.leaseId < y.leaseId ? -1 : x.leaseId > y.leaseId ? 1 : 0));
}

/**
 * Heartbeats as one statement, on leases of one vendor: for each request of `requests` (a select of
 * "leaseId", "batchKey" and what `owned` reads, as `req`), extends the seat and the lease of its
 * live, online (not borrowed) lease `cur` that `owned` says is the requester's, whose license is
 * still usable. Slot first, then lease, like every seat statement. Two requests for the same lease
 * extend it once, and both find its row by their key. One vendor per statement, so that a
 * sharded database routes it to one shard (docs/scaling.md, "Citus").
 */
function heartbeatSql(vendorId: string, requests: Prisma.Sql, owned: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`
      WITH req AS (${requests}),
      extended AS (
        UPDATE seat_slots s
           SET "expiresAt" = ${onlineSeatUntil(Prisma.sql`lic."leaseTtlSeconds"`, Prisma.sql`lic."expiresAt"`)}
          FROM req, seat_leases cur, licenses lic
         WHERE cur."vendorId" = ${vendorId}::uuid AND cur.id = req."leaseId" AND ${owned}
           AND cur."borrowUntil" IS NULL AND ${leaseHoldsSeat('cur', 's')}
           AND lic."vendorId" = cur."vendorId" AND lic.id = cur."licenseId" AND ${licenseUsable('lic')}
           -- a container whose user was removed or disabled keeps no seat alive (CONTAINER_ACCESS_REVOKED)
           AND NOT EXISTS (SELECT 1 FROM containers rc WHERE rc."vendorId" = cur."vendorId" AND rc.id = cur."containerId" AND rc."accessRevokedAt" IS NOT NULL)
        RETURNING s."vendorId", s."leaseId", s."expiresAt", lic."heartbeatIntervalSeconds", lic."leaseTtlSeconds", req."batchKey")
      UPDATE seat_leases l SET "lastHeartbeatAt" = now(), "expiresAt" = extended."expiresAt"
        FROM extended, containers c
       WHERE l."vendorId" = extended."vendorId" AND l.id = extended."leaseId" AND c."vendorId" = l."vendorId" AND c.id = l."containerId"
      RETURNING ${LEASE_COLUMNS}, extended."heartbeatIntervalSeconds", extended."leaseTtlSeconds", ${containerRevisionSql('c')} AS "containerRevision", extended."batchKey"`;
}

@Injectable()
export class SeatLeaseRepository {
  constructor(
    private readonly db: TenantPrisma,
    private readonly pg: PgPool,
  ) {}

  /**
   * The heartbeat of an authenticated container, in one statement: extends the seat and the lease
   * of a live, online (not borrowed) lease of the container whose license is still usable,
   * answering the container revision too. No row means "did not apply"; `leaseState` then
   * explains why.
   */
  async heartbeat(
    tx: SqlExecutor | undefined,
    leaseId: string,
    owner: { containerId: string },
  ): Promise<HeartbeatRow | null> {
    const rows = await (tx ?? this.pg.sql).$queryRaw<BatchedHeartbeatRow[]>(
      heartbeatSql(
        this.db.vendorId,
        Prisma.sql`SELECT ${leaseId}::uuid AS "leaseId", ''::text AS "batchKey"`,
        Prisma.sql`cur."containerId" = ${owner.containerId}::uuid`,
      ),
    );
    return rows[0] ? withoutBatchKey(rows[0]) : null;
  }

  /**
   * The hot path's heartbeat, for a secret not yet looked up: the same statement, which also
   * authenticates (the lease's container is the one whose current secret has this hash, of an
   * active vendor). Null: it did not apply (or not this secret's lease). Heartbeats of the same
   * turn of the event loop go to Postgres as one statement per vendor (`statementBatch`), each
   * answered with its own row.
   */
  heartbeatByCredential(beat: CredentialLeaseRequest): Promise<HeartbeatRow | null> {
    return this.beats(beat);
  }

  private readonly beats = statementBatch<CredentialLeaseRequest, HeartbeatRow>(
    async (vendorId, beats) =>
      rowByBatchKey(await this.heartbeatsByCredential(undefined, vendorId, inLeaseOrder(beats))),
    requestKey,
  );

  /** The statement of a batch of `heartbeatByCredential` of one vendor: one row per heartbeat that applied, with its `batchKey`. */
  async heartbeatsByCredential(
    tx: SqlExecutor | undefined,
    vendorId: string,
    beats: readonly Omit<CredentialLeaseRequest, 'vendorId'>[],
  ): Promise<BatchedHeartbeatRow[]> {
    return (tx ?? this.pg.sql).$queryRaw<BatchedHeartbeatRow[]>(
      heartbeatSql(
        vendorId,
        Prisma.sql`SELECT * FROM unnest(${beats.map((b) => b.leaseId)}::uuid[], ${beats.map((b) => b.credentialHash)}::text[],
                                        ${beats.map((b) => requestKey({ vendorId, ...b }))}::text[])
                     AS r("leaseId", "credentialHash", "batchKey")`,
        ownedByCredential(Prisma.sql`req."credentialHash"`),
      ),
    );
  }

  /** A lease of the current vendor (narrowed by scope) with its license, to explain outcomes. */
  async leaseState(tx: SqlExecutor | undefined, leaseId: string, scope: SessionScope): Promise<LeaseStateRow | null> {
    const db = tx ?? this.pg.sql;
    const rows = await db.$queryRaw<LeaseStateRow[]>`
      SELECT ${LEASE_COLUMNS},
             EXISTS (SELECT 1 FROM seat_slots s WHERE ${leaseHoldsSeat('l', 's')}) AS live,
             lic.status::text AS "licenseStatus", lic."validFrom" AS "licenseValidFrom", lic."expiresAt" AS "licenseExpiresAt",
             lic."leaseTtlSeconds", lic."heartbeatIntervalSeconds", lic."borrowAllowed", lic."maxBorrowDays", lic."offlinePeriodDays",
             ${containerRevisionSql('c')} AS "containerRevision", c."accessRevokedAt", c."accessRevokedReason", now() AS now
        FROM seat_leases l
        JOIN licenses lic ON lic."vendorId" = l."vendorId" AND lic.id = l."licenseId"
        JOIN containers c ON c."vendorId" = l."vendorId" AND c.id = l."containerId"
       WHERE l.id = ${leaseId}::uuid AND l."vendorId" = ${this.db.vendorId}::uuid ${leaseScopeSql(scope)}`;
    return rows[0] ?? null;
  }

  /**
   * Frees the seat of a live lease (slot back to empty). `onlineOnly` refuses a borrowed lease
   * inside the same statement, so an admin stop can never end a borrow however it races. Otherwise
   * a borrowed lease is freed only when `returnProofHash` (SHA-256 of the return key presented)
   * equals the hash the borrow committed to, also decided in the statement.
   */
  async freeSlot(
    tx: SqlExecutor,
    leaseId: string,
    scope: SessionScope,
    options: { onlineOnly: boolean; returnProofHash?: string | null },
  ): Promise<boolean> {
    const online = options.onlineOnly
      ? Prisma.sql`AND l."borrowUntil" IS NULL`
      : Prisma.sql`AND (l."borrowUntil" IS NULL OR (l."returnKeyHash" IS NOT NULL AND l."returnKeyHash" = ${options.returnProofHash ?? null}))`;
    const count = await tx.$executeRaw`
      UPDATE seat_slots s SET "leaseId" = NULL, "expiresAt" = NULL
        FROM seat_leases l, containers c
       WHERE l.id = ${leaseId}::uuid AND l."vendorId" = ${this.db.vendorId}::uuid ${online}
         AND c."vendorId" = l."vendorId" AND c.id = l."containerId" ${leaseScopeSql(scope)}
         AND ${leaseHoldsSeat('l', 's')}`;
    return count === 1;
  }

  /**
   * Ends a lease that has not ended yet. `at: 'now'` for a release, stop or removal; an expired
   * lease ends at its own expiry. Returns null when it had already ended.
   */
  async endLease(
    tx: SqlExecutor,
    leaseId: string,
    reason: LeaseEndReason,
    at: 'now' | 'expiry',
  ): Promise<LeaseRow | null> {
    const endedAt = at === 'now' ? Prisma.sql`now()` : Prisma.sql`LEAST(l."expiresAt", now())`;
    const rows = await tx.$queryRaw<LeaseRow[]>`
      UPDATE seat_leases l SET "endedAt" = ${endedAt}, "endReason" = ${reason}::"LeaseEndReason"
       WHERE l.id = ${leaseId}::uuid AND l."vendorId" = ${this.db.vendorId}::uuid AND l."endedAt" IS NULL
      RETURNING ${LEASE_COLUMNS}`;
    return rows[0] ?? null;
  }

  /**
   * The hot path of a release, in one autocommitted statement: for the container whose current
   * secret has the hash (of an active vendor), frees the seat of its live online (not borrowed)
   * lease, ends the lease as RELEASED now and appends its `seat.released` event (the payload
   * `seatEvent` builds), all or nothing. Slot first, then lease, as every seat statement. Null
   * when it did not apply (unknown secret, another container's lease, a borrowed, expired or
   * already ended lease, a license with an overage allowance or open overage episode): the
   * caller then authenticates as usual and takes the general path. Releases of the same turn of
   * the event loop go to Postgres as one statement per vendor (`statementBatch`), each answered
   * with its own row.
   */
  releaseByCredential(release: CredentialLeaseRequest): Promise<ReleasedRow | null> {
    return this.releases(release);
  }

  private readonly releases = statementBatch<CredentialLeaseRequest, ReleasedRow>(
    async (vendorId, releases) => rowByBatchKey(await this.releasesByCredential(vendorId, inLeaseOrder(releases))),
    requestKey,
  );

  /** The statement of a batch of `releaseByCredential` of one vendor: one row per release that applied, with its `batchKey`. */
  async releasesByCredential(
    vendorId: string,
    releases: readonly Omit<CredentialLeaseRequest, 'vendorId'>[],
  ): Promise<(ReleasedRow & { batchKey: string })[]> {
    return this.pg.sql.$queryRaw<(ReleasedRow & { batchKey: string })[]>`
      WITH req AS (
        SELECT * FROM unnest(${releases.map((r) => r.leaseId)}::uuid[], ${releases.map((r) => r.credentialHash)}::text[],
                             ${releases.map(() => uuidV7())}::uuid[], ${releases.map((r) => requestKey({ vendorId, ...r }))}::text[])
          AS r("leaseId", "credentialHash", "eventId", "batchKey")),
      freed AS (
        UPDATE seat_slots s SET "leaseId" = NULL, "expiresAt" = NULL
          FROM req, seat_leases cur
         WHERE cur."vendorId" = ${vendorId}::uuid AND cur.id = req."leaseId" AND ${ownedByCredential(Prisma.sql`req."credentialHash"`)}
           AND cur."borrowUntil" IS NULL AND ${leaseHoldsSeat('cur', 's')}
           -- a license whose overage episode must settle takes the general path (OverageService)
           AND NOT EXISTS (SELECT 1 FROM licenses q WHERE q."vendorId" = cur."vendorId" AND q.id = cur."licenseId" AND ${overageTrackedSql('q')})
        RETURNING cur.id, req."eventId", req."batchKey"),
      ended AS (
        UPDATE seat_leases l SET "endedAt" = now(), "endReason" = 'RELEASED'
          FROM freed
         WHERE l."vendorId" = ${vendorId}::uuid AND l.id = freed.id AND l."endedAt" IS NULL
        RETURNING ${LEASE_COLUMNS}, l."vendorId", freed."eventId", freed."batchKey"),
      event AS (
        INSERT INTO domain_events (id, "vendorId", type, "aggregateType", "aggregateId", payload)
        SELECT e."eventId", e."vendorId", 'seat.released', 'seat', e.id::text, ${seatEventPayloadSql('e', { ended: true })}
          FROM ended e)
      SELECT id, "licenseId", "expiresAt", "endedAt", "endReason", "batchKey"
        FROM ended`;
  }

  /**
   * Sets (or moves later) the borrow end of a live lease; the seat then counts until exactly then.
   * The return key hash is taken when the lease becomes borrowed and never changes afterwards; a
   * borrow's end never moves earlier here (that would be an early return without proof): both
   * are conditions of the statement, so no race slips past them.
   */
  async setBorrow(
    tx: SqlExecutor,
    leaseId: string,
    containerId: string,
    until: Date,
    returnKeyHash: string | null = null,
  ): Promise<LeaseRow | null> {
    const vendorId = this.db.vendorId;
    const rows = await tx.$queryRaw<LeaseRow[]>`
      WITH seat AS (
        UPDATE seat_slots s SET "expiresAt" = ${until}::timestamptz
          FROM seat_leases cur
         WHERE cur.id = ${leaseId}::uuid AND cur."vendorId" = ${vendorId}::uuid AND cur."containerId" = ${containerId}::uuid
           AND (cur."borrowUntil" IS NULL OR cur."borrowUntil" <= ${until}::timestamptz)
           AND ${leaseHoldsSeat('cur', 's')}
        RETURNING s."leaseId")
      UPDATE seat_leases l SET "borrowUntil" = ${until}::timestamptz, "expiresAt" = ${until}::timestamptz, "lastHeartbeatAt" = now(),
             "returnKeyHash" = CASE WHEN l."borrowUntil" IS NULL THEN ${returnKeyHash} ELSE l."returnKeyHash" END
        FROM seat
       WHERE l."vendorId" = ${vendorId}::uuid AND l.id = seat."leaseId"
      RETURNING ${LEASE_COLUMNS}`;
    return rows[0] ?? null;
  }

  /**
   * The churn limit of a container, under a lock on its row (device activations and deactivations
   * take the same lock): the strictest `maxDeactivationsPer30Days` of its licenses that are not
   * revoked, and the moments of its customer-side deactivations and early returns of borrowed
   * seats in the last 30 days, oldest first.
   */
  async lockChurn(tx: SqlExecutor, containerId: string): Promise<{ limit: number | null; recent: Date[]; now: Date }> {
    const vendorId = this.db.vendorId;
    await tx.$queryRaw`SELECT id FROM containers WHERE id = ${containerId}::uuid AND "vendorId" = ${vendorId}::uuid FOR UPDATE`;
    const rows = await tx.$queryRaw<{ limit: number | null; recent: Date[] | null; now: Date }[]>`
      SELECT (SELECT min(l."maxDeactivationsPer30Days") FROM licenses l
               WHERE l."vendorId" = ${vendorId}::uuid AND l."containerId" = ${containerId}::uuid AND l.status <> 'REVOKED')::int AS "limit",
             (SELECT array_agg(t ORDER BY t) FROM (
                SELECT d."deactivatedAt" AS t FROM devices d
                 WHERE d."vendorId" = ${vendorId}::uuid AND d."containerId" = ${containerId}::uuid
                   AND d."deactivatedBy" IN ('DEVICE', 'PORTAL_USER') AND d."deactivatedAt" > now() - interval '30 days'
                UNION ALL
                SELECT x."endedAt" FROM seat_leases x
                 WHERE x."vendorId" = ${vendorId}::uuid AND x."containerId" = ${containerId}::uuid
                   AND x."endReason" = 'RETURNED' AND x."endedAt" > now() - interval '30 days') r) AS recent,
             now() AS now`;
    return { limit: rows[0].limit, recent: rows[0].recent ?? [], now: rows[0].now };
  }
}
