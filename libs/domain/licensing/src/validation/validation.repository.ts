import { Injectable } from '@nestjs/common';
import { ContainerKind, LicenseStatus, PgPool, Prisma, rowsByBatchKey, statementBatch } from '@leasehold/db';
import {
  activeDevicesOf,
  capacitySql,
  liveLeasesOfDevice,
  licenseKeyOf,
  seatsInUseOf,
  seatsOpenToCheckoutSql,
} from '@leasehold/domain-seats';
import { containerRevisionSql } from '@leasehold/domain-updates';
import { CredentialRecord } from '../credentials/container-credentials.repository';
import { CONTAINER_LICENSE_COLUMNS, containerLicensesFrom } from './container-licenses.sql';

export interface ValidationRow extends CredentialRecord {
  kind: ContainerKind;
  /** A PERSONAL container's user (null for ENTERPRISE). */
  containerUserId: string | null;
  accessRevokedAt: Date | null;
  accessRevokedReason: string | null;
  deviceId: string | null;
  licenseId: string | null;
  productId: string | null;
  productCode: string | null;
  features: string[] | null;
  quantity: number | null;
  status: LicenseStatus | null;
  validFrom: Date | null;
  expiresAt: Date | null;
  revision: number | null;
  /** The container's active devices (offline ones only while their grant runs). */
  activeDevices: number;
  keyId: string | null;
  encryptedPrivateKey: string | null;
  /** The container's revision (its own plus all its licenses' revisions, whatever the product filter; container-revision.ts). */
  containerRevision: number;
}

/** A counted license's seats, as a checkout would see them now. */
export interface LicenseSeats {
  licenseId: string;
  /** This fingerprint holds a live lease (an unexpired seat) of the license. */
  leaseHeld: boolean;
  /** Seats of the license held right now. */
  seatsInUse: number;
  /** quantity + the overage allowance. */
  capacity: number;
  /** Seats a plain checkout of the user could take now (the checkout's rule, `seatsOpenToCheckoutSql`). */
  seatsOpen: number;
  /** The license's container's active offline devices: each holds a seat of a PERSONAL license for its grant. */
  offlineDevices: number;
}

/**
 * The hot path: one SQL statement answers most validations, authentication included. Container (by
 * its credential hash, unique index, with its vendor's status), its active
 * device for the fingerprint (unique index devices(containerId, activeFingerprint)), its licenses
 * (index licenses(vendorId, containerId)) with their product codes (products primary key), and
 * the vendor's active signing key (index signing_keys(vendorId, createdAt)), one row per license,
 * and the container revision (a sub-select summing all its licenses' revisions, on the same
 * index; not the joined rows, which the product filter may narrow).
 *
 * Seats are a second statement (`seats`, batched the same way), run only for licenses whose use is counted (an
 * ENTERPRISE license, or a PERSONAL one with more active devices than its quantity): the seat
 * rules read five more tables with a dozen sub-selects, and a statement that merely names them
 * costs Postgres five times the first one (locks and executor set-up per table and index, even
 * where a condition skips them; docs/benchmarks.md, "Validation without the seat tables"). The
 * common PERSONAL validation is one statement. The two statements of a counted validation read
 * two snapshots microseconds apart: the seat figures are those of the second, the license's
 * state that of the first, as if the validation had been answered at the first and the seats
 * then looked at.
 *
 * Under load, the first statement is one for many validations: those of one turn of the event loop
 * and one vendor, each request a row of `unnest` and its rows a LATERAL of the statement above
 * (`loadMany`). A statement per request cost the app a socket write and a result parse, and
 * Postgres an executor set-up (docs/benchmarks.md, tenth session).
 *
 * Raw SQL because it is one round trip, which Prisma's relation queries are not, run on the plain
 * pg pool (no Prisma engine on the hot path); the vendor id is passed explicitly and every join is on it.
 */
/** One validation's question: the secret's hash within its vendor, the device, the product asked for (null: any). */
export interface ValidationRequest {
  vendorId: string;
  credentialHash: string;
  fingerprint: string;
  product: string | null;
}

function requestKey(r: ValidationRequest): string {
  return JSON.stringify([r.vendorId, r.credentialHash, r.fingerprint, r.product]);
}

/** One counted validation's seat question: these licenses of the vendor, for this device and user. */
export interface SeatsRequest {
  vendorId: string;
  licenseIds: readonly string[];
  fingerprint: string;
  userId: string | null;
}

function seatsRequestKey(r: SeatsRequest): string {
  return JSON.stringify([r.vendorId, r.licenseIds, r.fingerprint, r.userId]);
}

@Injectable()
export class ValidationRepository {
  constructor(private readonly pg: PgPool) {}

  /**
   * No rows: no container has this secret now (never issued, or reset). The validations of one
   * turn of the event loop are read by one statement per vendor (`statementBatch`, `loadMany`).
   */
  async load(
    vendorId: string,
    credentialHash: string,
    fingerprint: string,
    product: string | null,
  ): Promise<ValidationRow[]> {
    return (await this.loads({ vendorId, credentialHash, fingerprint, product })) ?? [];
  }

  private readonly loads = statementBatch<ValidationRequest, ValidationRow[]>(
    async (vendorId, requests) =>
      rowsByBatchKey((await this.loadMany(vendorId, requests)).map(({ licenseCreatedAt: _order, ...row }) => row)),
    requestKey,
  );

  /**
   * The statement of `load` for validations of one vendor: each request's rows (`batchKey`), in the
   * requests' order, each request's licenses in CONTAINER_LICENSE_ORDER.
   */
  async loadMany(
    vendorId: string,
    requests: readonly Omit<ValidationRequest, 'vendorId'>[],
  ): Promise<(ValidationRow & { batchKey: string; licenseCreatedAt: Date | null })[]> {
    const keys = requests.map((r) => requestKey({ vendorId, ...r }));
    return this.pg.sql.$queryRaw(Prisma.sql`
      SELECT r."batchKey", q.*
        FROM unnest(${requests.map((r) => r.credentialHash)}::text[], ${requests.map((r) => r.fingerprint)}::text[],
                    ${requests.map((r) => r.product)}::text[], ${keys}::text[])
             WITH ORDINALITY AS r("credentialHash", fingerprint, product, "batchKey", n)
       CROSS JOIN LATERAL (
             SELECT c."vendorId", c.id AS "containerId", c."credentialVersion", v.status::text AS "vendorStatus",
                    ${CONTAINER_LICENSE_COLUMNS}, c."userId" AS "containerUserId", l."productId",
                    k."keyId", k."encryptedPrivateKey",
                    ${containerRevisionSql('c')} AS "containerRevision", l."createdAt" AS "licenseCreatedAt"
               FROM ${containerLicensesFrom(Prisma.sql`r.fingerprint`, Prisma.sql`r.product`)}
               LEFT JOIN LATERAL (
                    SELECT s."keyId", s."encryptedPrivateKey" FROM signing_keys s
                     WHERE s."vendorId" = c."vendorId" AND s."retiredAt" IS NULL
                     ORDER BY s."createdAt" DESC LIMIT 1) k ON true
              WHERE c."vendorId" = ${vendorId}::uuid AND c."credentialHash" = r."credentialHash") q
       ORDER BY r.n, q."licenseCreatedAt" NULLS LAST, q."licenseId"`);
  }

  /**
   * The seats of these licenses of the vendor for a device (`fingerprint`) of `userId` (a PERSONAL
   * container's user, or the program's from its userToken; null: nobody's reservations). The
   * seats of the validations of one turn of the event loop are read by one statement per vendor
   * (`statementBatch`, `seatsMany`), each validation answered about its own licenses, device and
   * user.
   */
  async seats(
    vendorId: string,
    licenseIds: string[],
    fingerprint: string,
    userId: string | null,
  ): Promise<LicenseSeats[]> {
    return (await this.seatReads({ vendorId, licenseIds, fingerprint, userId })) ?? [];
  }

  private readonly seatReads = statementBatch<SeatsRequest, LicenseSeats[]>(
    async (vendorId, requests) => rowsByBatchKey(await this.seatsMany(vendorId, requests)),
    seatsRequestKey,
  );

  /**
   * The statement of `seats` for validations of one vendor: a row per request and license of it
   * (`batchKey`), each read for the request's own device and user.
   */
  async seatsMany(
    vendorId: string,
    requests: readonly Omit<SeatsRequest, 'vendorId'>[],
  ): Promise<(LicenseSeats & { batchKey: string })[]> {
    const pairs = requests.flatMap((r) => {
      const key = seatsRequestKey({ vendorId, ...r });
      return r.licenseIds.map((licenseId) => ({ key, licenseId, fingerprint: r.fingerprint, userId: r.userId }));
    });
    return this.pg.sql.$queryRaw(Prisma.sql`
      SELECT r."batchKey", l.id AS "licenseId",
             EXISTS (SELECT 1 FROM ${liveLeasesOfDevice('l', Prisma.sql`r.fingerprint`)}) AS "leaseHeld",
             ${seatsInUseOf(licenseKeyOf('l'))} AS "seatsInUse",
             ${capacitySql('l')}::int AS capacity,
             ${seatsOpenToCheckoutSql(licenseKeyOf('l'), Prisma.sql`r."userId"`)} AS "seatsOpen",
             ${activeDevicesOf('c', { offlineOnly: true })} AS "offlineDevices"
        FROM unnest(${pairs.map((p) => p.key)}::text[], ${pairs.map((p) => p.licenseId)}::uuid[],
                    ${pairs.map((p) => p.fingerprint)}::text[], ${pairs.map((p) => p.userId)}::uuid[])
             AS r("batchKey", "licenseId", fingerprint, "userId")
        JOIN licenses l ON l."vendorId" = ${vendorId}::uuid AND l.id = r."licenseId"
        JOIN containers c ON c."vendorId" = l."vendorId" AND c.id = l."containerId"`);
  }
}
