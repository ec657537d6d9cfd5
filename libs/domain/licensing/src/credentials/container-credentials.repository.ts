import { Injectable } from '@nestjs/common';
import DataLoader from 'dataloader';
import { LRUCache } from 'lru-cache';
import { ONE_TURN_BATCH, PgPool, PrismaService, VendorStatus } from '@leasehold/db';

export interface CredentialRecord {
  vendorId: string;
  containerId: string;
  credentialVersion: number;
  vendorStatus: VendorStatus;
}

/**
 * Which vendor a secret was issued by (the vendor's shard holds the container, docs/scaling.md,
 * "Citus"), and for which container: the checkout takes its lock on that container before the
 * statement that authenticates.
 */
export interface CredentialRoute {
  vendorId: string;
  containerId: string;
}

/** How many secrets' routes one process remembers (about 215 bytes of heap each). */
const ROUTE_CACHE_SIZE = 200_000;

/**
 * Resolves a container secret to its container. Unscoped on purpose: the tenant is not known until
 * the secret says which container (and so which vendor) it belongs to. The vendor comes from
 * credential_routes (a global table, one indexed read); every later read names that vendor, and
 * the container's own current hash (or retired_credentials) decides, not the route.
 *
 * A route never changes (a hash is issued once, by one vendor), so each process remembers the
 * routes it found: after a device's first request the hot routes run their one statement alone.
 * A remembered route authenticates nothing (a reset secret no longer matches its container); an
 * unknown hash is never remembered, so hashes an attacker makes up cost a read each, not memory.
 *
 * The routes not yet remembered that are asked for in one turn of the event loop are read by one
 * statement (`= ANY`, on the primary key): a burst of devices new to the process (a replica that
 * just started, a fleet that validates now and then) pays one round trip per turn, not one each.
 */
@Injectable()
export class ContainerCredentialsRepository {
  private readonly routes = new LRUCache<string, CredentialRoute>({ max: ROUTE_CACHE_SIZE });
  /** Each vendor's id as one string that all its remembered routes share (a vendor's id never changes). */
  private readonly vendorIds = new Map<string, string>();

  constructor(
    private readonly prisma: PrismaService,
    private readonly pg: PgPool,
  ) {}

  /** The vendor and container this secret's hash was issued for (current or reset); null: never issued. */
  async routeOf(credentialHash: string): Promise<CredentialRoute | null> {
    return this.routes.get(credentialHash) ?? this.unknownRoutes.load(credentialHash);
  }

  /** The routes of the hashes asked for in one turn that the process did not remember (one statement). */
  private readonly unknownRoutes = new DataLoader<string, CredentialRoute | null>(async (hashes) => {
    const rows = await this.pg.sql.$queryRaw<(CredentialRoute & { credentialHash: string })[]>`
        SELECT r."credentialHash", r."vendorId", r."containerId" FROM credential_routes r
         WHERE r."credentialHash" = ANY(${hashes}::text[])`;
    const found = new Map<string, CredentialRoute>();
    for (const row of rows) {
      const route = { vendorId: this.sharedVendorId(row.vendorId), containerId: row.containerId };
      this.routes.set(row.credentialHash, route);
      found.set(row.credentialHash, route);
    }
    return hashes.map((hash) => found.get(hash) ?? null);
  }, ONE_TURN_BATCH);

  private sharedVendorId(vendorId: string): string {
    const known = this.vendorIds.get(vendorId);
    if (known) return known;
    this.vendorIds.set(vendorId, vendorId);
    return vendorId;
  }

  /**
   * The container whose current secret has this hash, within the route's vendor: one indexed read
   * on the plain pg pool, after the route (`routeOf`), for every device request but validate,
   * heartbeat, release and the common checkout. Null: no current secret has it (reset, or never issued).
   */
  async findOnRoute(route: CredentialRoute, credentialHash: string): Promise<CredentialRecord | null> {
    const rows = await this.pg.sql.$queryRaw<CredentialRecord[]>`
      SELECT c."vendorId", c.id AS "containerId", c."credentialVersion", v.status::text AS "vendorStatus"
        FROM containers c JOIN vendors v ON v.id = c."vendorId"
       WHERE c."vendorId" = ${route.vendorId}::uuid AND c."credentialHash" = ${credentialHash}`;
    return rows[0] ?? null;
  }

  /** Only asked when no current secret matched, so the hot path never pays for it. */
  async isRetired(route: CredentialRoute, credentialHash: string): Promise<boolean> {
    const row = await this.prisma.retiredCredential.findUnique({
      where: { vendorId_credentialHash: { vendorId: route.vendorId, credentialHash } },
      select: { credentialHash: true },
    });
    return row !== null;
  }
}
