import { Injectable } from '@nestjs/common';
import { AuditService } from '@leasehold/domain-audit';
import { DomainError } from '@leasehold/errors';
import { CreatedApiKey, ApiKeyView, VendorPrincipal } from './api-key.types';
import { generateApiKeySecret, hashApiKey, isWellFormedApiKey } from './api-key-secret';
import { ApiKeysRepository } from './api-keys.repository';

// Owns the rules of vendor API keys: the secret is shown once and stored only as a hash; a revoked
// or expired key, or a key of a suspended vendor, never authenticates.

/** How long a revoked or expired key stays listable before the worker purges it. */
export const API_KEY_RETENTION_DAYS = 30;
const TOUCH_INTERVAL_MS = 60_000;

@Injectable()
export class ApiKeysService {
  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly audit: AuditService,
  ) {}

  async create(input: { name: string; expiresAt?: Date | null }, now = new Date()): Promise<CreatedApiKey> {
    if (input.expiresAt && input.expiresAt.getTime() <= now.getTime()) {
      throw new DomainError('VALIDATION_FAILED', 'expiresAt must be in the future', {
        fields: [{ field: 'expiresAt', messages: ['expiresAt must be in the future'] }],
      });
    }
    const { token, prefix, hash } = generateApiKeySecret();
    const key = await this.keys.transaction(async (tx) => {
      const created = await this.keys.create(
        { name: input.name, prefix, secretHash: hash, expiresAt: input.expiresAt ?? null },
        tx,
      );
      await this.audit.record(tx, {
        action: 'api_key.created',
        entityType: 'api_key',
        entityId: created.id,
        after: created,
      });
      return created;
    });
    return { ...key, secret: token };
  }

  list(args: { take: number; cursor?: string; includeRevoked: boolean }): Promise<ApiKeyView[]> {
    return this.keys.list(args);
  }

  async get(id: string): Promise<ApiKeyView> {
    const key = await this.keys.findById(id);
    if (!key) throw DomainError.notFound('API key', id);
    return key;
  }

  async revoke(id: string, now = new Date()): Promise<ApiKeyView> {
    const revoked = await this.keys.transaction(async (tx) => {
      const done = await this.keys.revoke(id, now, tx);
      if (done)
        await this.audit.record(tx, {
          action: 'api_key.revoked',
          entityType: 'api_key',
          entityId: id,
          after: { revokedAt: now },
        });
      return done;
    });
    const key = await this.get(id);
    if (!revoked) throw new DomainError('API_KEY_ALREADY_REVOKED', `API key ${id} was already revoked`, { id });
    return key;
  }

  /** Resolves a presented bearer token to its vendor, or throws the reason it cannot. */
  async authenticate(token: string, now = new Date()): Promise<VendorPrincipal> {
    if (!isWellFormedApiKey(token)) throw new DomainError('API_KEY_INVALID', 'The API key is malformed');
    const record = await this.keys.findByHash(hashApiKey(token));
    if (!record) throw new DomainError('API_KEY_INVALID', 'The API key is not known');
    if (record.revokedAt) throw new DomainError('API_KEY_REVOKED', 'The API key was revoked');
    if (record.expiresAt && record.expiresAt.getTime() <= now.getTime()) {
      throw new DomainError('API_KEY_EXPIRED', 'The API key has expired');
    }
    if (record.vendorStatus !== 'ACTIVE') throw new DomainError('VENDOR_SUSPENDED', 'The vendor account is suspended');
    if (!record.lastUsedAt || now.getTime() - record.lastUsedAt.getTime() > TOUCH_INTERVAL_MS) {
      await this.keys.touch(record.id, now, new Date(now.getTime() - TOUCH_INTERVAL_MS));
    }
    return { kind: 'vendor', vendorId: record.vendorId, apiKeyId: record.id };
  }

  /** Deletes keys that were revoked or expired more than the retention period ago. */
  purgeEnded(now = new Date()): Promise<number> {
    return this.keys.purgeEndedBefore(new Date(now.getTime() - API_KEY_RETENTION_DAYS * 86_400_000));
  }
}
