import { KeyObject } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@leasehold/config';
import { TenantPrisma } from '@leasehold/db';
import { AuditService } from '@leasehold/domain-audit';
import { DomainError } from '@leasehold/errors';
import { generateSigningKeyPair, signEnvelope, SignedEnvelope, toPrivateKey } from '@leasehold/license-file';
import { decryptPrivateKey, encryptPrivateKey } from './private-key-cipher';
import { EncryptedSigningKey, PublicSigningKeyView } from './signing-key.types';
import { SigningKeysRepository, SigningKeyWriter } from './signing-keys.repository';

// Each vendor signs with its own Ed25519 key. The key pair is made in the transaction that creates
// the vendor; a vendor that has none (created before keys existed) gets one on first use, under a
// lock on its vendor row. Rotation retires the current key (kept, for verifying old answers and
// files) and makes a new one. Private keys are stored only encrypted with the platform key.

/** Decrypted keys kept in memory, by vendor and key id. A key id never changes its key, so no staleness. */
const MAX_CACHED_KEYS = 10_000;

@Injectable()
export class SigningKeysService {
  private readonly platformKey: Buffer;
  private readonly decrypted = new Map<string, KeyObject>();

  constructor(
    private readonly keys: SigningKeysRepository,
    private readonly db: TenantPrisma,
    private readonly audit: AuditService,
    config: ConfigService,
  ) {
    this.platformKey = Buffer.from(config.get('PLATFORM_KEY'), 'base64');
  }

  /** Called by vendor creation inside its transaction: the vendor is born with a key. */
  async createForNewVendor(tx: SigningKeyWriter, vendorId: string): Promise<void> {
    const pair = generateSigningKeyPair();
    await this.keys.insertForNewVendor(tx, vendorId, {
      keyId: pair.keyId,
      publicKeyPem: pair.publicKeyPem,
      encryptedPrivateKey: encryptPrivateKey(this.platformKey, pair.privateKeyPem, vendorId, pair.keyId),
    });
  }

  listOwn(): Promise<PublicSigningKeyView[]> {
    return this.keys.listOwn();
  }

  /** Public keys of a vendor for the unauthenticated download; 404 for an unknown vendor. */
  async listPublic(vendorId: string): Promise<PublicSigningKeyView[]> {
    const keys = await this.keys.listPublic(vendorId);
    if (!keys.length && !(await this.keys.vendorExists(vendorId))) throw DomainError.notFound('Vendor', vendorId);
    return keys;
  }

  async rotate(now = new Date()): Promise<PublicSigningKeyView> {
    return this.db.client.$transaction(async (tx) => {
      await this.keys.lockVendor(tx);
      const retired = await this.keys.retireActive(tx, now);
      const created = await this.keys.insert(tx, this.newKey());
      await this.audit.record(tx, {
        action: 'signing_key.rotated',
        entityType: 'signing_key',
        entityId: created.keyId,
        after: { keyId: created.keyId, retiredKeys: retired },
      });
      return created;
    });
  }

  /** The current vendor's active key (made now if the vendor has none yet). */
  async activeKey(): Promise<EncryptedSigningKey> {
    const active = await this.keys.findActive();
    if (active) return active;
    return this.db.client.$transaction(async (tx) => {
      await this.keys.lockVendor(tx);
      const existing = await this.keys.activeInTransaction(tx);
      if (existing) return existing;
      const key = this.newKey();
      await this.keys.insert(tx, key);
      return { vendorId: this.db.vendorId, ...key };
    });
  }

  /** Signs `payload` with the given encrypted key (as the caller's query returned it). */
  signWith(key: EncryptedSigningKey, kind: string, payload: unknown): SignedEnvelope {
    return signEnvelope(kind, payload, this.privateKey(key), key.keyId);
  }

  /**
   * Runs `sign` with the decrypted private half of `key` (for formats the license-file library
   * builds itself: license files, offline response codes). The key object stays in this process.
   */
  signUsing<T>(key: EncryptedSigningKey, sign: (privateKey: KeyObject, keyId: string) => T): T {
    return sign(this.privateKey(key), key.keyId);
  }

  /** Signs `payload` with the current vendor's active key. */
  async sign(kind: string, payload: unknown): Promise<SignedEnvelope> {
    return this.signWith(await this.activeKey(), kind, payload);
  }

  private newKey() {
    const pair = generateSigningKeyPair();
    return {
      keyId: pair.keyId,
      publicKeyPem: pair.publicKeyPem,
      encryptedPrivateKey: encryptPrivateKey(this.platformKey, pair.privateKeyPem, this.db.vendorId, pair.keyId),
    };
  }

  private privateKey(key: EncryptedSigningKey): KeyObject {
    const cacheKey = `${key.vendorId}:${key.keyId}`;
    let privateKey = this.decrypted.get(cacheKey);
    if (!privateKey) {
      privateKey = toPrivateKey(decryptPrivateKey(this.platformKey, key.encryptedPrivateKey, key.vendorId, key.keyId));
      if (this.decrypted.size >= MAX_CACHED_KEYS) this.decrypted.clear();
      this.decrypted.set(cacheKey, privateKey);
    }
    return privateKey;
  }
}
