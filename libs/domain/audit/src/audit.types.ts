import type { ActorKind } from '@leasehold/db';

export interface AuditRecordInput {
  /** Verb in past tense, dotted by entity: 'product.created', 'user.removed', … */
  action: string;
  entityType: string;
  entityId: string | null;
  /** The group the change concerns, so its admins see it in their trail. */
  groupId?: string | null;
  before?: unknown;
  after?: unknown;
}

export interface AuditEntryView {
  id: string;
  actorType: ActorKind;
  actorId: string | null;
  action: string;
  entityType: string;
  entityId: string | null;
  groupId: string | null;
  before: unknown;
  after: unknown;
  createdAt: Date;
}

export interface AuditFilter {
  actorType?: ActorKind;
  actorId?: string;
  entityType?: string;
  entityId?: string;
  groupId?: string;
  from?: Date;
  to?: Date;
  take: number;
  cursor?: string;
}
