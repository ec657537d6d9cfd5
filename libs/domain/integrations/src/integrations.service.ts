import { Injectable } from '@nestjs/common';
import { ConfigService } from '@leasehold/config';
import { TenantPrisma, TenantTransaction } from '@leasehold/db';
import { AuditService } from '@leasehold/domain-audit';
import { DomainError } from '@leasehold/errors';
import { encryptIntegrationSecret, generateIntegrationSecret } from './integration-secret';
import { IntegrationsRepository } from './integrations.repository';
import {
  InboundEventStatus,
  InboundEventView,
  IntegrationKind,
  IntegrationStatus,
  IntegrationView,
  IntegrationWithSecret,
} from './integrations.types';

// A vendor's ERP/CRM integrations. Each has its own HMAC secret, shown once (on create and on
// rotation) and stored encrypted with the platform key; a rotation replaces it at once.

@Injectable()
export class IntegrationsService {
  private readonly platformKey: Buffer;

  constructor(
    private readonly integrations: IntegrationsRepository,
    private readonly db: TenantPrisma,
    private readonly audit: AuditService,
    config: ConfigService,
  ) {
    this.platformKey = Buffer.from(config.get('PLATFORM_KEY'), 'base64');
  }

  async create(input: { name: string; kind: IntegrationKind }): Promise<IntegrationWithSecret> {
    return this.integrations.transaction(async (tx) => {
      const created = await this.integrations.create(tx, input);
      const { view, secret } = await this.newSecret(tx, created.id, 1);
      await this.audit.record(tx, {
        action: 'integration.created',
        entityType: 'integration',
        entityId: view.id,
        after: view,
      });
      return { ...view, secret };
    });
  }

  list(filter: { take: number; cursor?: string }): Promise<IntegrationView[]> {
    return this.integrations.list(filter);
  }

  async get(id: string): Promise<IntegrationView> {
    const integration = await this.integrations.find(id);
    if (!integration) throw DomainError.notFound('Integration', id);
    return integration;
  }

  async update(id: string, input: { name?: string; status?: IntegrationStatus }): Promise<IntegrationView> {
    return this.integrations.transaction(async (tx) => {
      const before = await this.integrations.lock(tx, id);
      if (!before) throw DomainError.notFound('Integration', id);
      const after = await this.integrations.update(tx, id, input);
      await this.audit.record(tx, {
        action: 'integration.updated',
        entityType: 'integration',
        entityId: id,
        before,
        after,
      });
      return after;
    });
  }

  async rotateSecret(id: string): Promise<IntegrationWithSecret> {
    return this.integrations.transaction(async (tx) => {
      const before = await this.integrations.lock(tx, id);
      if (!before) throw DomainError.notFound('Integration', id);
      const { view, secret } = await this.newSecret(tx, id, before.secretVersion + 1);
      await this.audit.record(tx, {
        action: 'integration.secret_rotated',
        entityType: 'integration',
        entityId: id,
        after: { secretVersion: view.secretVersion },
      });
      return { ...view, secret };
    });
  }

  async listEvents(
    integrationId: string,
    filter: { status?: InboundEventStatus; take: number; cursor?: string },
  ): Promise<InboundEventView[]> {
    await this.get(integrationId);
    return this.integrations.listEvents(integrationId, filter);
  }

  async getEvent(integrationId: string, eventId: string): Promise<InboundEventView> {
    const event = await this.integrations.findEvent(integrationId, eventId);
    if (!event) throw DomainError.notFound('InboundEvent', eventId);
    return event;
  }

  private async newSecret(
    tx: TenantTransaction,
    id: string,
    version: number,
  ): Promise<{ view: IntegrationView; secret: string }> {
    const secret = generateIntegrationSecret();
    const encrypted = encryptIntegrationSecret(this.platformKey, secret, this.db.vendorId, id, version);
    return { view: await this.integrations.setSecret(tx, id, encrypted, version), secret };
  }
}
