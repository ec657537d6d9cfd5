import { Injectable } from '@nestjs/common';
import { PrismaService, SigningKey, TenantPrisma, TenantTransaction } from '@leasehold/db';
import { EncryptedSigningKey, PublicSigningKeyView } from './signing-key.types';

export const toPublicKeyView = (
  k: Pick<SigningKey, 'keyId' | 'publicKeyPem' | 'createdAt' | 'retiredAt'>,
): PublicSigningKeyView => ({
  keyId: k.keyId,
  algorithm: 'Ed25519',
  publicKeyPem: k.publicKeyPem,
  createdAt: k.createdAt,
  retiredAt: k.retiredAt,
});

export interface NewSigningKey {
  keyId: string;
  publicKeyPem: string;
  encryptedPrivateKey: string;
}

/** Any Prisma transaction that can write signing keys (the vendor-creation transaction is unscoped). */
export type SigningKeyWriter = { signingKey: PrismaService['signingKey'] };

@Injectable()
export class SigningKeysRepository {
  constructor(
    private readonly db: TenantPrisma,
    private readonly prisma: PrismaService,
  ) {}

  /** Inside the transaction that creates the vendor. */
  async insertForNewVendor(tx: SigningKeyWriter, vendorId: string, key: NewSigningKey): Promise<void> {
    await tx.signingKey.create({ data: { vendorId, ...key } });
  }

  /** The current vendor's keys, newest first (retired ones too: they verify older answers). */
  async listOwn(): Promise<PublicSigningKeyView[]> {
    const rows = await this.db.client.signingKey.findMany({ orderBy: { createdAt: 'desc' } });
    return rows.map(toPublicKeyView);
  }

  /** Public keys of any vendor, for the unauthenticated download route (public keys are not secret). */
  async listPublic(vendorId: string): Promise<PublicSigningKeyView[]> {
    const rows = await this.prisma.signingKey.findMany({ where: { vendorId }, orderBy: { createdAt: 'desc' } });
    return rows.map(toPublicKeyView);
  }

  async vendorExists(vendorId: string): Promise<boolean> {
    return (await this.prisma.vendor.count({ where: { id: vendorId } })) === 1;
  }

  async findActive(): Promise<EncryptedSigningKey | null> {
    const row = await this.db.client.signingKey.findFirst({
      where: { retiredAt: null },
      orderBy: { createdAt: 'desc' },
    });
    return row ? { vendorId: row.vendorId, keyId: row.keyId, encryptedPrivateKey: row.encryptedPrivateKey } : null;
  }

  /**
   * Serialises key changes of one vendor: rotation and the lazy first key both take this lock
   * first, so two of them never both see "no active key" or both retire the same one. Raw SQL
   * because Prisma has no SELECT … FOR UPDATE; the vendor id is passed explicitly.
   */
  async lockVendor(tx: TenantTransaction): Promise<void> {
    await tx.$queryRaw`SELECT id FROM vendors WHERE id = ${this.db.vendorId}::uuid FOR UPDATE`;
  }

  async activeInTransaction(tx: TenantTransaction): Promise<EncryptedSigningKey | null> {
    const row = await tx.signingKey.findFirst({ where: { retiredAt: null }, orderBy: { createdAt: 'desc' } });
    return row ? { vendorId: row.vendorId, keyId: row.keyId, encryptedPrivateKey: row.encryptedPrivateKey } : null;
  }

  async retireActive(tx: TenantTransaction, at: Date): Promise<number> {
    const { count } = await tx.signingKey.updateMany({ where: { retiredAt: null }, data: { retiredAt: at } });
    return count;
  }

  async insert(tx: TenantTransaction, key: NewSigningKey): Promise<PublicSigningKeyView> {
    return toPublicKeyView(await tx.signingKey.create({ data: { vendorId: this.db.vendorId, ...key } }));
  }
}
