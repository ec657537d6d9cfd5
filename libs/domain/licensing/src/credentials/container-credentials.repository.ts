import { Injectable } from '@nestjs/common';
import { PrismaService } from '@leasehold/db';

export interface CredentialRecord {
  vendorId: string;
  containerId: string;
  credentialVersion: number;
  vendorStatus: 'ACTIVE' | 'SUSPENDED';
}

/**
 * Resolves a container secret to its container. Unscoped on purpose: the tenant is not known until
 * the secret says which container (and so which vendor) it belongs to.
 */
@Injectable()
export class ContainerCredentialsRepository {
  constructor(private readonly prisma: PrismaService) {}

  async findByHash(credentialHash: string): Promise<CredentialRecord | null> {
    const row = await this.prisma.container.findUnique({
      where: { credentialHash },
      select: { id: true, vendorId: true, credentialVersion: true, vendor: { select: { status: true } } },
    });
    return row ? { vendorId: row.vendorId, containerId: row.id, credentialVersion: row.credentialVersion, vendorStatus: row.vendor.status } : null;
  }

  /** Only asked when `findByHash` missed, so the hot path never pays for it. */
  async isRetired(credentialHash: string): Promise<boolean> {
    const row = await this.prisma.retiredCredential.findUnique({ where: { credentialHash }, select: { credentialHash: true } });
    return row !== null;
  }
}
