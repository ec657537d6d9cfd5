import { Injectable } from '@nestjs/common';
import { PgPool, PrismaService, VendorStatus } from '@leasehold/db';

export interface CredentialRecord {
  vendorId: string;
  containerId: string;
  credentialVersion: number;
  vendorStatus: VendorStatus;
}

/**
 * Resolves a container secret to its container. Unscoped on purpose: the tenant is not known until
 * the secret says which container (and so which vendor) it belongs to.
 */
@Injectable()
export class ContainerCredentialsRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly pg: PgPool,
  ) {}

  /** Every device request asks this first: one indexed read on the plain pg pool. */
  async findByHash(credentialHash: string): Promise<CredentialRecord | null> {
    const rows = await this.pg.sql.$queryRaw<CredentialRecord[]>`
      SELECT c."vendorId", c.id AS "containerId", c."credentialVersion", v.status::text AS "vendorStatus"
        FROM containers c JOIN vendors v ON v.id = c."vendorId"
       WHERE c."credentialHash" = ${credentialHash}`;
    return rows[0] ?? null;
  }

  /** Only asked when `findByHash` missed, so the hot path never pays for it. */
  async isRetired(credentialHash: string): Promise<boolean> {
    const row = await this.prisma.retiredCredential.findUnique({
      where: { credentialHash },
      select: { credentialHash: true },
    });
    return row !== null;
  }
}
