import { Injectable } from '@nestjs/common';
import {
  afterCursor,
  afterTenantCursor,
  InboundEvent,
  Integration,
  Prisma,
  PrismaService,
  TenantPrisma,
  TenantTransaction,
  VendorStatus,
} from '@leasehold/db';
import {
  InboundEventStatus,
  InboundEventView,
  IntegrationKind,
  IntegrationStatus,
  IntegrationView,
} from './integrations.types';

export const toIntegrationView = (i: Integration): IntegrationView => ({
  id: i.id,
  name: i.name,
  kind: i.kind,
  status: i.status,
  secretVersion: i.secretVersion,
  webhookPath: `/webhooks/erp/${i.id}`,
  createdAt: i.createdAt,
  updatedAt: i.updatedAt,
});

export const toInboundEventView = (e: InboundEvent): InboundEventView => ({
  id: e.id,
  integrationId: e.integrationId,
  externalEventId: e.externalEventId,
  dedupKey: e.dedupKey,
  type: e.type,
  status: e.status,
  payload: e.payload,
  errors: e.errors,
  result: e.result,
  attempts: e.attempts,
  receivedAt: e.receivedAt,
  processedAt: e.processedAt,
});

/** What verifying an inbound event needs, looked up before any tenant is known. */
export interface IntegrationSecretRow {
  id: string;
  vendorId: string;
  status: IntegrationStatus;
  vendorStatus: VendorStatus;
  encryptedSecret: string;
  secretVersion: number;
}

/** Integrations and their inbound events (tenant-scoped, except the two lookups that find the tenant). */
@Injectable()
export class IntegrationsRepository {
  constructor(
    private readonly db: TenantPrisma,
    private readonly prisma: PrismaService,
  ) {}

  transaction<T>(fn: (tx: TenantTransaction) => Promise<T>): Promise<T> {
    return this.db.client.$transaction(fn);
  }

  /** Created with an empty secret first: the secret's encryption is bound to the row's id. */
  async create(tx: TenantTransaction, data: { name: string; kind: IntegrationKind }): Promise<IntegrationView> {
    return toIntegrationView(
      await tx.integration.create({ data: { ...data, encryptedSecret: '', vendorId: this.db.vendorId } }),
    );
  }

  async setSecret(
    tx: TenantTransaction,
    id: string,
    encryptedSecret: string,
    secretVersion: number,
  ): Promise<IntegrationView> {
    return toIntegrationView(await tx.integration.update({ where: { id }, data: { encryptedSecret, secretVersion } }));
  }

  /** Locks the integration row so two rotations run one after another. */
  async lock(tx: TenantTransaction, id: string): Promise<IntegrationView | null> {
    const rows = await tx.$queryRaw<{ id: string }[]>`
      SELECT id FROM integrations WHERE id = ${id}::uuid AND "vendorId" = ${this.db.vendorId}::uuid FOR UPDATE`;
    if (!rows.length) return null;
    return toIntegrationView(await tx.integration.findUniqueOrThrow({ where: { id } }));
  }

  async update(
    tx: TenantTransaction,
    id: string,
    data: { name?: string; status?: IntegrationStatus },
  ): Promise<IntegrationView> {
    return toIntegrationView(await tx.integration.update({ where: { id }, data }));
  }

  async find(id: string): Promise<IntegrationView | null> {
    const row = await this.db.client.integration.findUnique({ where: { id } });
    return row ? toIntegrationView(row) : null;
  }

  async list(filter: { take: number; cursor?: string }): Promise<IntegrationView[]> {
    return (await this.db.client.integration.findMany({ take: filter.take, ...afterCursor(filter.cursor) })).map(
      toIntegrationView,
    );
  }

  /**
   * Unscoped on purpose: the inbound route is public, and the integration (a UUID in the URL) is
   * what names the tenant. Nothing is returned to the caller before its signature is verified.
   */
  async findForIntake(id: string): Promise<IntegrationSecretRow | null> {
    const row = await this.prisma.integration.findUnique({
      where: { id },
      select: {
        id: true,
        vendorId: true,
        status: true,
        encryptedSecret: true,
        secretVersion: true,
        vendor: { select: { status: true } },
      },
    });
    if (!row) return null;
    const { vendor, ...integration } = row;
    return { ...integration, vendorStatus: vendor.status };
  }

  /**
   * Stores an accepted event once per (integration, dedupKey = the signed event id); a second copy
   * returns the first, with `sameBody` telling whether its payload equals the stored one (as JSON
   * values: key order and whitespace do not matter).
   */
  async insertAccepted(data: {
    integrationId: string;
    externalEventId: string;
    dedupKey: string;
    type: string;
    payload: unknown;
  }): Promise<{ event: InboundEventView; duplicate: boolean; sameBody: boolean }> {
    // ON CONFLICT DO NOTHING: racing copies of one event never raise, exactly one row is inserted.
    const inserted = await this.db.client.inboundEvent.createManyAndReturn({
      data: [
        { ...data, payload: data.payload as Prisma.InputJsonValue, status: 'RECEIVED', vendorId: this.db.vendorId },
      ],
      skipDuplicates: true,
    });
    if (inserted[0]) return { event: toInboundEventView(inserted[0]), duplicate: false, sameBody: true };
    const existing = await this.db.client.inboundEvent.findFirstOrThrow({
      where: { integrationId: data.integrationId, dedupKey: data.dedupKey },
    });
    const [{ same }] = await this.db.client.$queryRaw<{ same: boolean }[]>`
      SELECT (payload = ${JSON.stringify(data.payload)}::jsonb) AS same FROM inbound_events
       WHERE id = ${existing.id}::uuid AND "vendorId" = ${this.db.vendorId}::uuid`;
    return { event: toInboundEventView(existing), duplicate: true, sameBody: same };
  }

  async insertRejected(data: {
    integrationId: string;
    externalEventId: string | null;
    type: string | null;
    payload: unknown;
    errors: unknown;
  }): Promise<InboundEventView> {
    const row = await this.db.client.inboundEvent.create({
      data: {
        ...data,
        payload: (data.payload ?? null) as Prisma.InputJsonValue,
        errors: data.errors as Prisma.InputJsonValue,
        status: 'REJECTED',
        dedupKey: null,
        vendorId: this.db.vendorId,
      },
    });
    return toInboundEventView(row);
  }

  async listEvents(
    integrationId: string,
    filter: { status?: InboundEventStatus; take: number; cursor?: string },
  ): Promise<InboundEventView[]> {
    const rows = await this.db.client.inboundEvent.findMany({
      where: { integrationId, ...(filter.status ? { status: filter.status } : {}) },
      take: filter.take,
      ...afterTenantCursor(this.db.vendorId, filter.cursor),
    });
    return rows.map(toInboundEventView);
  }

  async findEvent(integrationId: string, id: string): Promise<InboundEventView | null> {
    const row = await this.db.client.inboundEvent.findFirst({ where: { id, integrationId } });
    return row ? toInboundEventView(row) : null;
  }

  /**
   * Locks the event for processing, so two jobs of one event run one after another and the second
   * sees PROCESSED. Raw SQL because Prisma has no SELECT … FOR UPDATE.
   */
  async lockEvent(tx: TenantTransaction, id: string): Promise<InboundEventView | null> {
    const rows = await tx.$queryRaw<{ id: string }[]>`
      SELECT id FROM inbound_events WHERE id = ${id}::uuid AND "vendorId" = ${this.db.vendorId}::uuid FOR UPDATE`;
    if (!rows.length) return null;
    return toInboundEventView(await tx.inboundEvent.findUniqueOrThrow({ where: this.db.key(id) }));
  }

  /** The current vendor's status, read in the processing transaction (a suspended vendor's events wait). */
  async vendorStatus(tx: TenantTransaction): Promise<VendorStatus> {
    const rows = await tx.$queryRaw<
      { status: VendorStatus }[]
    >`SELECT status::text AS status FROM vendors WHERE id = ${this.db.vendorId}::uuid`;
    return rows[0]?.status ?? 'SUSPENDED';
  }

  /** Processing of one event is one transaction of this length at most (an order has up to 100 lines). */
  processingTransaction<T>(fn: (tx: TenantTransaction) => Promise<T>): Promise<T> {
    return this.db.client.$transaction(fn, { maxWait: 10_000, timeout: 60_000 });
  }

  async markProcessed(tx: TenantTransaction, id: string, at: Date, result: unknown): Promise<void> {
    await tx.inboundEvent.update({
      where: this.db.key(id),
      data: {
        status: 'PROCESSED',
        processedAt: at,
        attempts: { increment: 1 },
        errors: Prisma.DbNull,
        result: result as Prisma.InputJsonValue,
      },
    });
  }

  /** A failed attempt: counted, its error kept; FAILED when no retry follows. Only for unprocessed events. */
  async recordFailure(
    id: string,
    error: { code: string; message: string; details?: unknown },
    final: boolean,
  ): Promise<void> {
    await this.db.client.inboundEvent.updateMany({
      where: { id, status: { in: ['RECEIVED', 'FAILED'] } },
      data: {
        attempts: { increment: 1 },
        errors: error as Prisma.InputJsonValue,
        ...(final ? { status: 'FAILED' } : {}),
      },
    });
  }

  /**
   * Serialises, until the transaction ends, the events that find-or-create the same customer record
   * (two orders of one new customer at once create its group once). A transaction-level advisory
   * lock on the vendor and key, because there is no row to lock before it exists.
   */
  async lockKey(tx: TenantTransaction, key: string): Promise<void> {
    await tx.$queryRaw`SELECT true AS locked FROM pg_advisory_xact_lock(hashtextextended(${`${this.db.vendorId}:${key}`}, 0))`;
  }

  /** RECEIVED events older than `before`, across tenants (the sweep re-enqueues them). */
  async receivedBefore(before: Date, limit: number): Promise<{ id: string; vendorId: string }[]> {
    return this.prisma.inboundEvent.findMany({
      // A suspended vendor's events wait (RECEIVED) until the vendor is active again.
      where: { status: 'RECEIVED', receivedAt: { lt: before }, integration: { vendor: { status: 'ACTIVE' } } },
      select: { id: true, vendorId: true },
      orderBy: { receivedAt: 'asc' },
      take: limit,
    });
  }
}
