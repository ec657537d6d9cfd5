import { Injectable } from '@nestjs/common';
import { afterTenantCursor, Container, isUniqueViolation, TenantPrisma, TenantTransaction } from '@leasehold/db';
import { DomainError } from '@leasehold/errors';
import { AccessRevokedReason, ContainerKind, ContainerView } from '../licensing.types';

export const toContainerView = (c: Container): ContainerView => ({
  id: c.id,
  kind: c.kind,
  name: c.name,
  userId: c.userId,
  groupId: c.groupId,
  deviceLimit: c.deviceLimit,
  credentialPrefix: c.credentialPrefix,
  credentialVersion: c.credentialVersion,
  accessRevokedAt: c.accessRevokedAt,
  accessRevokedReason: c.accessRevokedReason as AccessRevokedReason | null,
  revision: c.revision,
  externalId: c.externalId,
  createdAt: c.createdAt,
  updatedAt: c.updatedAt,
});

export interface LockedContainer {
  id: string;
  kind: ContainerKind;
  deviceLimit: number | null;
  groupId: string | null;
  userId: string | null;
  accessRevokedAt: Date | null;
  accessRevokedReason: string | null;
}

function externalIdTaken(error: unknown, externalId: string | null | undefined): never {
  if (isUniqueViolation(error, 'externalId')) {
    throw new DomainError('CONFLICT', `A container with externalId "${externalId}" already exists`, { externalId });
  }
  throw error;
}

/** Containers of the current vendor (tenant-scoped), plus the users and groups they are assigned to. */
@Injectable()
export class ContainersRepository {
  constructor(private readonly db: TenantPrisma) {}

  transaction<T>(fn: (tx: TenantTransaction) => Promise<T>): Promise<T> {
    return this.db.client.$transaction(fn);
  }

  async create(
    tx: TenantTransaction,
    data: {
      kind: ContainerKind;
      name: string;
      userId: string | null;
      groupId: string | null;
      deviceLimit: number | null;
      externalId: string | null;
      credentialHash: string;
      credentialPrefix: string;
    },
  ): Promise<ContainerView> {
    try {
      const container = await tx.container.create({ data: { ...data, vendorId: this.db.vendorId } });
      // The secret's route to its vendor, in the same transaction (docs/scaling.md, "Citus").
      await tx.credentialRoute.create({
        data: { credentialHash: data.credentialHash, vendorId: this.db.vendorId, containerId: container.id },
      });
      return toContainerView(container);
    } catch (error) {
      externalIdTaken(error, data.externalId);
    }
  }

  async findById(id: string): Promise<ContainerView | null> {
    const row = await this.db.client.container.findUnique({ where: this.db.key(id) });
    return row ? toContainerView(row) : null;
  }

  /** The vendor's container with this externalId (the ERP order it was created for). */
  async findByExternalId(tx: TenantTransaction, externalId: string): Promise<ContainerView | null> {
    const row = await tx.container.findFirst({ where: { externalId } });
    return row ? toContainerView(row) : null;
  }

  async list(filter: {
    kind?: ContainerKind;
    userId?: string;
    groupId?: string;
    take: number;
    cursor?: string;
  }): Promise<ContainerView[]> {
    const rows = await this.db.client.container.findMany({
      where: {
        ...(filter.kind ? { kind: filter.kind } : {}),
        ...(filter.userId ? { userId: filter.userId } : {}),
        ...(filter.groupId ? { groupId: filter.groupId } : {}),
      },
      take: filter.take,
      ...afterTenantCursor(this.db.vendorId, filter.cursor),
    });
    return rows.map(toContainerView);
  }

  /**
   * Locks the container row for the rest of the transaction: activations, deactivations, resets
   * and changes of one container run one after another, so "count active devices, then insert"
   * cannot be raced past the limit. Raw SQL because Prisma has no SELECT … FOR UPDATE.
   */
  async lock(tx: TenantTransaction, id: string): Promise<LockedContainer | null> {
    const rows = await tx.$queryRaw<LockedContainer[]>`
      SELECT id, kind::text AS kind, "deviceLimit", "groupId", "userId", "accessRevokedAt", "accessRevokedReason"
        FROM containers
       WHERE id = ${id}::uuid AND "vendorId" = ${this.db.vendorId}::uuid
         FOR UPDATE`;
    return rows[0] ?? null;
  }

  /**
   * Every change raises the container's own revision: what its devices may do may have changed
   * (assignment, device limit, access), so validate, heartbeat and the update channels say so.
   */
  async update(
    tx: TenantTransaction,
    id: string,
    data: {
      name?: string;
      userId?: string;
      groupId?: string | null;
      deviceLimit?: number | null;
      externalId?: string | null;
      accessRevokedAt?: Date | null;
      accessRevokedReason?: AccessRevokedReason | null;
    },
  ): Promise<ContainerView> {
    try {
      return toContainerView(
        await tx.container.update({ where: this.db.key(id), data: { ...data, revision: { increment: 1 } } }),
      );
    } catch (error) {
      externalIdTaken(error, data.externalId);
    }
  }

  /** Replaces the secret and files the old hash as retired, in the caller's transaction. */
  async replaceCredential(
    tx: TenantTransaction,
    id: string,
    next: { hash: string; prefix: string },
  ): Promise<ContainerView> {
    const current = await tx.container.findUniqueOrThrow({
      where: this.db.key(id),
      select: { credentialHash: true, credentialVersion: true },
    });
    await tx.retiredCredential.create({
      data: {
        vendorId: this.db.vendorId,
        containerId: id,
        credentialHash: current.credentialHash,
        credentialVersion: current.credentialVersion,
      },
    });
    // The old hash keeps its route (to answer CREDENTIALS_REVOKED); the new one gets its own.
    await tx.credentialRoute.create({
      data: { credentialHash: next.hash, vendorId: this.db.vendorId, containerId: id },
    });
    return toContainerView(
      await tx.container.update({
        where: this.db.key(id),
        // The revision too: devices learn of the reset on every channel (docs/auto-update.md).
        data: {
          credentialHash: next.hash,
          credentialPrefix: next.prefix,
          credentialVersion: { increment: 1 },
          revision: { increment: 1 },
        },
      }),
    );
  }

  async findUser(tx: TenantTransaction, id: string): Promise<{ id: string; groupId: string | null } | null> {
    return tx.user.findUnique({ where: this.db.key(id), select: { id: true, groupId: true } });
  }

  async groupExists(tx: TenantTransaction, id: string): Promise<boolean> {
    return (await tx.group.count({ where: { id } })) === 1;
  }

  /** The personal containers of a user, locked (in id order), with their access state. */
  async lockPersonalOfUser(
    tx: TenantTransaction,
    userId: string,
  ): Promise<
    {
      id: string;
      groupId: string | null;
      accessRevokedAt: Date | null;
      accessRevokedReason: AccessRevokedReason | null;
    }[]
  > {
    return tx.$queryRaw`
      SELECT id, "groupId", "accessRevokedAt", "accessRevokedReason" FROM containers
       WHERE "vendorId" = ${this.db.vendorId}::uuid AND "userId" = ${userId}::uuid AND kind = 'PERSONAL'
       ORDER BY id
         FOR UPDATE`;
  }

  /** Raises the container's own revision (a change its devices must learn of), in the caller's transaction. */
  async raiseRevision(tx: TenantTransaction, id: string): Promise<void> {
    await tx.container.update({ where: this.db.key(id), data: { revision: { increment: 1 } } });
  }

  /** The user's current status (null when deleted), read in the caller's transaction. */
  async userStatus(tx: TenantTransaction, userId: string): Promise<string | null> {
    return (await tx.user.findUnique({ where: this.db.key(userId), select: { status: true } }))?.status ?? null;
  }
}
