import { Injectable } from '@nestjs/common';
import { AuditService } from '@leasehold/domain-audit';
import { SigningKeysService } from '@leasehold/domain-signing';
import { DomainError } from '@leasehold/errors';
import { generateApiKeySecret } from '../api-keys/api-key-secret';
import { toApiKeyView } from '../api-keys/api-keys.repository';
import { CreatedApiKey } from '../api-keys/api-key.types';
import { CreateVendorCommand, VendorLimits, VendorView } from './vendor.types';
import { VendorsRepository } from './vendors.repository';

// Vendors are the tenants. Only the platform operator creates them; a vendor is created together
// with its first API key so that it can act at once, and with its Ed25519 signing key so that every
// answer it ever gives can be signed.

@Injectable()
export class VendorsService {
  constructor(
    private readonly vendors: VendorsRepository,
    private readonly signingKeys: SigningKeysService,
    private readonly audit: AuditService,
  ) {}

  async create(command: CreateVendorCommand): Promise<{ vendor: VendorView; apiKey: CreatedApiKey }> {
    const { token, prefix, hash } = generateApiKeySecret();
    const { vendor, extra } = await this.vendors.create(
      { slug: command.slug, name: command.name },
      async (created, tx) => {
        await this.signingKeys.createForNewVendor(tx, created.id);
        await this.audit.recordForVendor(tx, created.id, {
          action: 'vendor.created',
          entityType: 'vendor',
          entityId: created.id,
          after: created,
        });
        return tx.apiKey.create({
          data: { vendorId: created.id, name: command.firstApiKeyName ?? 'default', prefix, secretHash: hash },
        });
      },
    );
    return { vendor, apiKey: { ...toApiKeyView(extra), secret: token } };
  }

  list(args: { take: number; cursor?: string }): Promise<VendorView[]> {
    return this.vendors.list(args);
  }

  async get(id: string): Promise<VendorView> {
    const vendor = await this.vendors.findById(id);
    if (!vendor) throw DomainError.notFound('Vendor', id);
    return vendor;
  }

  /** Replaces the given fields of the vendor's rate-limit plan (null: back to the default). */
  async setLimits(id: string, limits: Partial<VendorLimits>): Promise<VendorView> {
    const vendor = await this.vendors.setLimits(id, limits, (before, after, tx) =>
      this.audit.recordForVendor(tx, id, {
        action: 'vendor.limits_changed',
        entityType: 'vendor',
        entityId: id,
        before: before.limits,
        after: after.limits,
      }),
    );
    if (!vendor) throw DomainError.notFound('Vendor', id);
    return vendor;
  }

  /** The vendor an API key (by SHA-256) was issued by; null if unknown. */
  vendorOfApiKey(hash: string): Promise<string | null> {
    return this.vendors.findVendorOfApiKeyHash(hash);
  }

  /** The vendor's plan; null if the vendor does not exist. */
  limitsOf(vendorId: string): Promise<VendorLimits | null> {
    return this.vendors.findLimits(vendorId);
  }

  async setStatus(id: string, status: VendorView['status']): Promise<VendorView> {
    const vendor = await this.vendors.setStatus(id, status, (before, after, tx) =>
      this.audit.recordForVendor(tx, id, {
        action: 'vendor.status_changed',
        entityType: 'vendor',
        entityId: id,
        before,
        after,
      }),
    );
    if (!vendor) throw DomainError.notFound('Vendor', id);
    return vendor;
  }
}
