import { Injectable } from '@nestjs/common';
import { TenantTransaction } from '@leasehold/db';
import { AuditService } from '@leasehold/domain-audit';
import { OutboxRepository } from '@leasehold/domain-events';
import { DomainError } from '@leasehold/errors';
import { generateContainerSecret } from '../credentials/container-secret';
import {
  ContainerKind,
  ContainerScope,
  ContainerView,
  ContainerWithSecret,
  CreateContainerCommand,
  isInContainerScope,
  PERSONAL_DEVICE_LIMIT,
  UpdateContainerCommand,
} from '../licensing.types';
import { ContainersRepository } from './containers.repository';

// Containers hold licenses. A PERSONAL one belongs to a user (and may name the user's group) and
// is active on at most 3 devices; an ENTERPRISE one belongs to a group and hands out seats. Each
// has one access secret for the licensed program, shown once; a reset replaces it at once.

const invalid = (field: string, message: string) =>
  new DomainError('VALIDATION_FAILED', message, { fields: [{ field, messages: [message] }] });

@Injectable()
export class ContainersService {
  constructor(
    private readonly containers: ContainersRepository,
    private readonly audit: AuditService,
    private readonly outbox: OutboxRepository,
  ) {}

  async create(command: CreateContainerCommand): Promise<ContainerWithSecret> {
    return this.containers.transaction((tx) => this.createIn(tx, command));
  }

  /** create in the caller's transaction (the ERP intake applies a whole event in one). */
  async createIn(tx: TenantTransaction, command: CreateContainerCommand): Promise<ContainerWithSecret> {
    const secret = generateContainerSecret();
    const assignment = await this.assignment(tx, command.kind, command.userId ?? null, command.groupId ?? null);
    const deviceLimit = this.deviceLimit(command.kind, command.deviceLimit);
    const container = await this.containers.create(tx, {
      kind: command.kind,
      name: command.name,
      ...assignment,
      deviceLimit,
      externalId: command.externalId ?? null,
      credentialHash: secret.hash,
      credentialPrefix: secret.prefix,
    });
    await this.record(tx, 'container.created', container, { after: container });
    return { ...container, secret: secret.token };
  }

  /** The container with this externalId, read in the caller's transaction. */
  findByExternalIdIn(tx: TenantTransaction, externalId: string): Promise<ContainerView | null> {
    return this.containers.findByExternalId(tx, externalId);
  }

  list(filter: {
    kind?: ContainerKind;
    userId?: string;
    groupId?: string;
    take: number;
    cursor?: string;
  }): Promise<ContainerView[]> {
    return this.containers.list(filter);
  }

  /** A container outside `scope` (another group's, another user's) is not found. */
  async get(id: string, scope: ContainerScope = {}): Promise<ContainerView> {
    const container = await this.containers.findById(id);
    if (!container || !isInContainerScope(container, scope)) throw DomainError.notFound('Container', id);
    return container;
  }

  /**
   * Renames, reassigns or changes the device limit. Lowering the limit below the active devices
   * deactivates none: new activations are refused until enough are deactivated. Assigning a
   * personal container to a user again lifts a revocation that followed the user's removal.
   */
  async update(id: string, command: UpdateContainerCommand): Promise<ContainerView> {
    return this.containers.transaction(async (tx) => {
      const locked = await this.containers.lock(tx, id);
      if (!locked) throw DomainError.notFound('Container', id);
      const before = await this.get(id);
      const data: Parameters<ContainersRepository['update']>[2] = {
        name: command.name,
        externalId: command.externalId,
        deviceLimit: command.deviceLimit === undefined ? undefined : this.deviceLimit(locked.kind, command.deviceLimit),
      };
      if (command.userId !== undefined || command.groupId !== undefined) {
        const assignment = await this.assignment(
          tx,
          locked.kind,
          command.userId ?? before.userId,
          command.groupId !== undefined ? command.groupId : command.userId !== undefined ? null : before.groupId,
        );
        Object.assign(data, assignment);
        if (command.userId !== undefined) Object.assign(data, { accessRevokedAt: null, accessRevokedReason: null });
      }
      const after = await this.containers.update(tx, id, data);
      await this.record(tx, 'container.updated', after, { before, after });
      return after;
    });
  }

  /**
   * A new access secret (in this answer only). The old one stops working when this commits; the
   * container's devices keep their activation and re-link by presenting the new secret. Resets of
   * one container run one after another (row lock): each answers a secret, and only the last works.
   * The scope (a group admin's group) is checked under the lock.
   */
  async resetCredentials(id: string, scope: ContainerScope = {}): Promise<ContainerWithSecret> {
    const secret = generateContainerSecret();
    return this.containers.transaction(async (tx) => {
      const locked = await this.containers.lock(tx, id);
      if (!locked || !isInContainerScope(locked, scope)) throw DomainError.notFound('Container', id);
      const container = await this.containers.replaceCredential(tx, id, secret);
      await this.record(tx, 'container.credentials_reset', container, {
        after: { credentialVersion: container.credentialVersion },
      });
      return { ...container, secret: secret.token };
    });
  }

  /**
   * The customers domain's "a user lost (or regained) access", for the user's PERSONAL containers
   * (RevokeAccessOfRemovedUser, from the outbox). Removal from the group revokes access
   * (USER_REMOVED) and takes the container away from the old group, so its admins lose every right
   * over it; only the vendor assigning it to a user again lifts that. Disabling revokes access
   * (USER_DISABLED) and enabling the user again lifts it. Devices stay activated, so a
   * reassignment needs no new activation; each change raises the container revision. Reads the
   * user's current status, so a late or repeated event changes nothing wrongly. Returns the
   * containers it changed now (none when run again).
   */
  async reconcileAccessOfUser(
    userId: string,
    change: 'USER_REMOVED' | 'USER_UPDATED',
    now = new Date(),
  ): Promise<string[]> {
    return this.containers.transaction(async (tx) => {
      const owned = await this.containers.lockPersonalOfUser(tx, userId);
      if (!owned.length) return [];
      const disabled = (await this.containers.userStatus(tx, userId)) === 'DISABLED';
      const changed: string[] = [];
      for (const c of owned) {
        let data: Parameters<ContainersRepository['update']>[2] | null = null;
        if (change === 'USER_REMOVED' && (c.accessRevokedReason !== 'USER_REMOVED' || c.groupId !== null)) {
          data = { accessRevokedAt: c.accessRevokedAt ?? now, accessRevokedReason: 'USER_REMOVED', groupId: null };
        } else if (disabled && !c.accessRevokedAt) {
          data = { accessRevokedAt: now, accessRevokedReason: 'USER_DISABLED' };
        } else if (!disabled && c.accessRevokedReason === 'USER_DISABLED') {
          data = { accessRevokedAt: null, accessRevokedReason: null };
        }
        if (!data) continue;
        const container = await this.containers.update(tx, c.id, data);
        await this.record(tx, 'container.updated', container, {
          before: {
            groupId: c.groupId,
            accessRevokedAt: c.accessRevokedAt,
            accessRevokedReason: c.accessRevokedReason,
          },
          after: {
            groupId: container.groupId,
            accessRevokedAt: container.accessRevokedAt,
            accessRevokedReason: container.accessRevokedReason,
          },
        });
        changed.push(c.id);
      }
      return changed;
    });
  }

  /** PERSONAL: 1 to PERSONAL_DEVICE_LIMIT (that by default); ENTERPRISE: none, and none may be set. */
  private deviceLimit(kind: ContainerKind, requested: number | undefined): number | null {
    if (kind === 'ENTERPRISE') {
      if (requested !== undefined)
        throw invalid(
          'deviceLimit',
          'An ENTERPRISE container has no device limit: it hands out seats (the license quantity)',
        );
      return null;
    }
    const limit = requested ?? PERSONAL_DEVICE_LIMIT;
    if (limit < 1 || limit > PERSONAL_DEVICE_LIMIT) {
      throw invalid(
        'deviceLimit',
        `deviceLimit of a PERSONAL container must be between 1 and ${PERSONAL_DEVICE_LIMIT}`,
      );
    }
    return limit;
  }

  /** Checks who the container is assigned to; a user or group of another vendor is "not found". */
  private async assignment(tx: TenantTransaction, kind: ContainerKind, userId: string | null, groupId: string | null) {
    if (kind === 'PERSONAL') {
      if (!userId) throw invalid('userId', 'A PERSONAL container must be assigned to a user (userId)');
      const user = await this.containers.findUser(tx, userId);
      if (!user) throw DomainError.notFound('User', userId);
      if (groupId && groupId !== user.groupId) {
        throw new DomainError('CONTAINER_KIND_MISMATCH', "A PERSONAL container may only name its user's own group", {
          userId,
          groupId,
        });
      }
      return { userId, groupId: user.groupId };
    }
    if (userId) throw invalid('userId', 'An ENTERPRISE container is assigned to a group, not to a user');
    if (!groupId) throw invalid('groupId', 'An ENTERPRISE container must be assigned to a group (groupId)');
    if (!(await this.containers.groupExists(tx, groupId))) throw DomainError.notFound('Group', groupId);
    return { userId: null, groupId };
  }

  private async record(
    tx: TenantTransaction,
    type: 'container.created' | 'container.updated' | 'container.credentials_reset',
    container: ContainerView,
    change: { before?: unknown; after?: unknown },
  ): Promise<void> {
    await this.audit.record(tx, {
      action: type,
      entityType: 'container',
      entityId: container.id,
      groupId: container.groupId,
      ...change,
    });
    await this.outbox.append(tx, {
      type,
      aggregateType: 'container',
      aggregateId: container.id,
      payload: {
        containerId: container.id,
        kind: container.kind,
        userId: container.userId,
        groupId: container.groupId,
        credentialVersion: container.credentialVersion,
        revision: container.revision,
        accessRevokedReason: container.accessRevokedReason,
      },
    });
  }
}
