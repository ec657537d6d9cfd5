import { LicenseStatus, Prisma } from '@leasehold/db';
import { LEASE_COLUMNS, LeaseRow } from './lease-row';
import { capacitySql, overageTrackedSql, slotsWithinCapacity } from './seat-capacity';
import { queueAdmitsCheckoutWithoutReservations } from './seat-availability.sql';
import { seatEventPayloadSql } from './seat-events';
import {
  deviceOfFingerprint,
  LicenseKey,
  licenseUsable,
  liveLeasesOfDevice,
  onlineSeatUntil,
  seatEmpty,
} from './seat-rules.sql';
import { ContainerKind, LicenseRef } from './seats.types';

// What a checkout reads before it decides (the checkout context: the license, its container, the
// device and its live lease) and the common checkout's claim, as SQL and as rows: `contextSql`,
// read under the checkout's lock (SeatCheckoutRepository.checkoutContext), and `claimsSql`, the one
// statement that reads the contexts of a batch of common checkouts and claims their seats
// (SeatCheckoutRepository.claimCommon). The rendered statements are in sql/seat-checkout.repository.sql.

export interface CheckoutContext {
  licenseId: string;
  containerId: string;
  kind: ContainerKind;
  containerUserId: string | null;
  containerGroupId: string | null;
  /** Set when the container's user was removed or disabled: checkout is refused. */
  accessRevokedAt: Date | null;
  accessRevokedReason: string | null;
  status: LicenseStatus;
  quantity: number;
  /** quantity + the overage allowance: the seats the pool may hand out (see seat-capacity.ts). */
  capacity: number;
  /** The license has seat reservations: checkouts pass `reservationAdmits` under a license lock. */
  hasReservations: boolean;
  /** The license has an overage allowance or an open overage episode: checkouts settle it. */
  overageTracked: boolean;
  validFrom: Date;
  expiresAt: Date | null;
  leaseTtlSeconds: number;
  heartbeatIntervalSeconds: number;
  borrowAllowed: boolean;
  maxBorrowDays: number;
  offlinePeriodDays: number;
  /** The active device of the container with the presented fingerprint, if any. */
  deviceId: string | null;
  /** The license's seat pool has no excess slots (`slotsWithinCapacity`): at most its capacity. */
  withinCapacity: boolean;
  now: Date;
  /** The device's lease on this license that still holds an unexpired seat, if any. */
  liveLease: LeaseRow | null;
}

export interface LiveLeaseColumns {
  liveId: string | null;
  liveSlot: number | null;
  liveDeviceId: string | null;
  liveStartedAt: Date | null;
  liveExpiresAt: Date | null;
  liveBorrowUntil: Date | null;
  liveReturnKeyHash: string | null;
  liveOverage: boolean | null;
}

export type ContextColumns = Omit<CheckoutContext, 'liveLease'> & LiveLeaseColumns;

/** A context row as `CheckoutContext`: the device's live lease columns folded into `liveLease`. */
export function toContext(row: ContextColumns, fingerprint: string): CheckoutContext {
  const {
    liveId,
    liveSlot,
    liveDeviceId,
    liveStartedAt,
    liveExpiresAt,
    liveBorrowUntil,
    liveReturnKeyHash,
    liveOverage,
    ...context
  } = row;
  const liveLease: LeaseRow | null =
    liveId === null
      ? null
      : {
          id: liveId,
          licenseId: context.licenseId,
          containerId: context.containerId,
          slot: liveSlot as number,
          deviceId: liveDeviceId,
          fingerprint,
          startedAt: liveStartedAt as Date,
          expiresAt: liveExpiresAt as Date,
          borrowUntil: liveBorrowUntil,
          returnKeyHash: liveReturnKeyHash,
          endedAt: null,
          endReason: null,
          overage: liveOverage ?? false,
        };
  return { ...context, liveLease };
}

/** The common checkout `claimCommon` may claim: no user token, ticket or borrow. */
export interface CommonClaim {
  containerId: string;
  license: LicenseRef;
  fingerprint: string;
  /** The id of the lease it starts, if it claims. */
  leaseId: string;
  clientName: string | null;
  /** Authenticates too: the container's current secret has this hash, its vendor is active (else no row). */
  credentialHash?: string;
}

/** What a lease's answer tells of its license (`toLease`). */
type ClaimedLicense = Pick<
  CheckoutContext,
  'licenseId' | 'containerId' | 'heartbeatIntervalSeconds' | 'leaseTtlSeconds'
>;

/**
 * What a common claim found: its license (with what a lease's answer tells), and the lease it
 * started (null: nothing claimed; the general path then reads the context anew).
 */
export interface ClaimedContext {
  context: ClaimedLicense;
  lease: LeaseRow | null;
}

/** A claim whose license was found, and the lease it started, if any (a row of `claimsSql` has its `batchKey` too). */
export interface ClaimingColumns extends ClaimedLicense {
  deviceId: string | null;
  startedSlot: number | null;
  startedAt: Date | null;
  startedExpiresAt: Date | null;
}

/** The claiming statement's row as the license found and the lease it started; null without a row. */
export function claimedContext(row: ClaimingColumns | null, input: CommonClaim): ClaimedContext | null {
  if (!row) return null;
  const { startedSlot, startedAt, startedExpiresAt, licenseId, containerId, deviceId } = row;
  const context = {
    licenseId,
    containerId,
    heartbeatIntervalSeconds: row.heartbeatIntervalSeconds,
    leaseTtlSeconds: row.leaseTtlSeconds,
  };
  const lease: LeaseRow | null =
    startedSlot === null
      ? null
      : {
          id: input.leaseId,
          licenseId,
          containerId,
          slot: startedSlot,
          deviceId,
          fingerprint: input.fingerprint,
          startedAt: startedAt as Date,
          expiresAt: startedExpiresAt as Date,
          borrowUntil: null,
          returnKeyHash: null,
          endedAt: null,
          endReason: null,
          overage: false,
        };
  return { context, lease };
}

/** A `claimCommon` call in a batch: the claim, its vendor and the id of the event it appends if it claims. */
export interface BatchedClaim extends CommonClaim {
  vendorId: string;
  eventId: string;
}

/** The values `contextSql` reads a checkout's license by (SQL expressions: literals, or a batch's columns). */
export interface ContextKeys {
  containerId: Prisma.Sql;
  /** The condition on license `l`: by id or by product. */
  license: Prisma.Sql;
  fingerprint: Prisma.Sql;
  /** The condition on container `c` that authenticates the checkout (`true`: authenticated before). */
  authenticated: Prisma.Sql;
}

/**
 * Container `c`'s current secret has the hash `credentialHash` and its vendor is active (as
 * `ContainerCredentialsService.authenticateHash` decides; it explains a refusal).
 */
export function authenticatedBy(credentialHash: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`c."credentialHash" = ${credentialHash}
         AND EXISTS (SELECT 1 FROM vendors v WHERE v.id = c."vendorId" AND v.status = 'ACTIVE')`;
}

/** The select of `checkoutContext`: at most one row, the columns `toContext` reads. */
export function contextSql(vendorId: string, keys: ContextKeys): Prisma.Sql {
  return Prisma.sql`
      SELECT l.id AS "licenseId", l."containerId", c.kind::text AS kind, c."userId" AS "containerUserId", c."groupId" AS "containerGroupId",
             c."accessRevokedAt", c."accessRevokedReason", l.status::text AS status,
             l.quantity, ${capacitySql('l')}::int AS capacity,
             EXISTS (SELECT 1 FROM seat_reservations sr WHERE sr."vendorId" = l."vendorId" AND sr."licenseId" = l.id) AS "hasReservations",
             ${overageTrackedSql('l')} AS "overageTracked",
             l."validFrom", l."expiresAt", l."leaseTtlSeconds", l."heartbeatIntervalSeconds", l."borrowAllowed",
             l."maxBorrowDays", l."offlinePeriodDays",
             (SELECT d.id FROM devices d WHERE ${deviceOfFingerprint('d', 'c', keys.fingerprint)}) AS "deviceId",
             ${slotsWithinCapacity(Prisma.sql`l."vendorId"`, Prisma.sql`l.id`, capacitySql('l'))} AS "withinCapacity",
             now() AS now,
             live.id AS "liveId", live.slot AS "liveSlot", live."deviceId" AS "liveDeviceId", live."startedAt" AS "liveStartedAt",
             live."expiresAt" AS "liveExpiresAt", live."borrowUntil" AS "liveBorrowUntil", live."returnKeyHash" AS "liveReturnKeyHash",
             live.overage AS "liveOverage"
        FROM licenses l
        JOIN containers c ON c.id = l."containerId" AND c."vendorId" = l."vendorId"
        LEFT JOIN LATERAL (
             SELECT x.id, x.slot, x."deviceId", x."startedAt", x."expiresAt", x."borrowUntil", x."returnKeyHash", x.overage
               FROM ${liveLeasesOfDevice('l', keys.fingerprint)}
              LIMIT 1) live ON true
       WHERE l."vendorId" = ${vendorId}::uuid AND l."containerId" = ${keys.containerId} AND ${keys.license} AND ${keys.authenticated}
       ORDER BY ${licenseUsable('l')} DESC,
                l."expiresAt" DESC NULLS FIRST, l.id
       LIMIT 1`;
}

/**
 * The statement of a batch of common claims (`claimCommon`) of one vendor: one row per claim whose
 * license was found (`batchKey` its new lease's id, what the lease's answer tells of the license,
 * and the lease it started, if any). Each claim is a row of an `unnest`, in call order, with its context read by a `LATERAL`
 * of `contextSql`. The claims that may take a seat (the common case, as one claim alone decides
 * it) are ranked within their license in call order, and the license's empty slots, lowest first
 * and locked with SKIP LOCKED, are ranked the same way: the nth claim takes the nth empty slot.
 * The empty slots are read from their partial index (`seatEmpty`), not by walking every slot of
 * the license past the occupied ones, which cost about 0.9 ms per 1,000 seats in use. A claim
 * with no empty slot left (the free seats are slots whose lease expired, or there are none) goes
 * to the general path, which ends an expired lease and takes its slot, or refuses. So no two
 * claims take one slot, and a license never gives more seats than it has free. A device asking
 * twice in the batch (the same license and fingerprint) claims once: only its first claim may;
 * the others find its lease on the general path, run after this commits.
 */
export function claimsSql(vendorId: string, claims: readonly BatchedClaim[]): Prisma.Sql {
  const v = Prisma.sql`${vendorId}::uuid`;
  const license: LicenseKey = { vendorId: v, id: Prisma.sql`w."licenseId"` };
  const byId = (claim: BatchedClaim) => ('licenseId' in claim.license ? claim.license.licenseId : null);
  const byProduct = (claim: BatchedClaim) => ('productCode' in claim.license ? claim.license.productCode : null);
  return Prisma.sql`
      WITH req AS (
        SELECT * FROM unnest(${claims.map((c) => c.containerId)}::uuid[], ${claims.map(byId)}::uuid[], ${claims.map(byProduct)}::text[],
                             ${claims.map((c) => c.fingerprint)}::text[], ${claims.map((c) => c.leaseId)}::uuid[],
                             ${claims.map((c) => c.clientName)}::text[], ${claims.map((c) => c.credentialHash ?? null)}::text[],
                             ${claims.map((c) => c.eventId)}::uuid[])
                 WITH ORDINALITY AS r("containerId", "licenseRef", "productCode", fingerprint, "leaseId", "clientName", "credentialHash", "eventId", ord)),
      ctx AS MATERIALIZED (
        SELECT r."leaseId"::text AS "batchKey", r.ord, r.fingerprint AS "claimFingerprint", r."clientName" AS "claimClientName",
               r."eventId" AS "claimEventId", x.*
          FROM req r
         CROSS JOIN LATERAL (${contextSql(vendorId, {
           containerId: Prisma.sql`r."containerId"`,
           license: Prisma.sql`(l.id = r."licenseRef"
                OR r."licenseRef" IS NULL AND l."productId" = (SELECT p.id FROM products p WHERE p."vendorId" = ${v} AND p.code = r."productCode"))`,
           fingerprint: Prisma.sql`r.fingerprint`,
           authenticated: Prisma.sql`(r."credentialHash" IS NULL OR ${authenticatedBy(Prisma.sql`r."credentialHash"`)})`,
         })}) x),
      eligible AS (
        SELECT ctx.*, row_number() OVER (PARTITION BY ctx."licenseId" ORDER BY ctx.ord) AS rank
          FROM ctx
         WHERE ctx.kind = 'ENTERPRISE' AND ctx."accessRevokedAt" IS NULL AND ${licenseUsable('ctx')}
           AND NOT ctx."hasReservations" AND NOT ctx."overageTracked" AND ctx."liveId" IS NULL AND ctx."withinCapacity"
           -- ctx."withinCapacity" is poolWithinCapacity, read in this statement's snapshot
           AND NOT EXISTS (SELECT 1 FROM ctx first
                            WHERE first."licenseId" = ctx."licenseId" AND first."claimFingerprint" = ctx."claimFingerprint" AND first.ord < ctx.ord)),
      wanted AS (SELECT e."licenseId", count(*) AS n FROM eligible e GROUP BY e."licenseId"),
      free AS (
        SELECT w."licenseId", f.slot, row_number() OVER (PARTITION BY w."licenseId" ORDER BY f.slot) AS rank
          FROM wanted w
         CROSS JOIN LATERAL (
               SELECT s.slot FROM seat_slots s
                WHERE s."vendorId" = ${v} AND s."licenseId" = w."licenseId"
                  AND ${seatEmpty('s')} AND ${queueAdmitsCheckoutWithoutReservations(license)}
                ORDER BY s.slot
                LIMIT w.n
                FOR UPDATE OF s SKIP LOCKED) f),
      pairs AS (
        SELECT e.*, f.slot FROM eligible e JOIN free f ON f."licenseId" = e."licenseId" AND f.rank = e.rank),
      claimed AS (
        UPDATE seat_slots t SET "leaseId" = p."batchKey"::uuid, "heldTicketId" = NULL, "heldUntil" = NULL,
               "expiresAt" = ${onlineSeatUntil(Prisma.sql`p."leaseTtlSeconds"`, Prisma.sql`p."expiresAt"`)}
          FROM pairs p
         WHERE t."vendorId" = ${v} AND t."licenseId" = p."licenseId" AND t.slot = p.slot
        RETURNING t."leaseId", t.slot, t."expiresAt", clock_timestamp() AS "claimedAt"),
      started AS (
        INSERT INTO seat_leases AS l (id, "vendorId", "licenseId", "containerId", slot, "deviceId", fingerprint, "clientName", "userId",
                                      "startedAt", "lastHeartbeatAt", "expiresAt", "borrowUntil", "returnKeyHash")
        SELECT claimed."leaseId", ${v}, p."licenseId", p."containerId", claimed.slot, p."deviceId", p."claimFingerprint",
               p."claimClientName", NULL, claimed."claimedAt", claimed."claimedAt", claimed."expiresAt", NULL, NULL
          FROM claimed JOIN pairs p ON p."batchKey"::uuid = claimed."leaseId"
        RETURNING ${LEASE_COLUMNS}),
      event AS (
        INSERT INTO domain_events (id, "vendorId", type, "aggregateType", "aggregateId", payload)
        SELECT p."claimEventId", ${v}, 'seat.checked_out', 'seat', e.id::text, ${seatEventPayloadSql('e')}
          FROM started e JOIN pairs p ON p."batchKey"::uuid = e.id)
      SELECT ctx."batchKey", ctx."licenseId", ctx."containerId", ctx."heartbeatIntervalSeconds", ctx."leaseTtlSeconds", ctx."deviceId",
             started.slot AS "startedSlot", started."startedAt", started."expiresAt" AS "startedExpiresAt"
        FROM ctx LEFT JOIN started ON started.id = ctx."batchKey"::uuid`;
}
