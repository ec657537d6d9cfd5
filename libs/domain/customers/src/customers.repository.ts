import { Injectable } from '@nestjs/common';
import {
  afterTenantCursor,
  Group,
  isUniqueViolation,
  Prisma,
  TenantPrisma,
  TenantTransaction,
  User,
} from '@leasehold/db';
import { DomainError } from '@leasehold/errors';
import { GroupFilter, GroupRole, GroupView, UserFilter, UserStatus, UserView } from './customers.types';

export const toGroupView = (g: Group): GroupView => ({
  id: g.id,
  name: g.name,
  externalId: g.externalId,
  createdAt: g.createdAt,
  updatedAt: g.updatedAt,
});

export const toUserView = (u: User): UserView => ({
  id: u.id,
  email: u.email,
  name: u.name,
  status: u.status,
  groupId: u.groupId,
  role: u.role,
  externalId: u.externalId,
  createdAt: u.createdAt,
  updatedAt: u.updatedAt,
});

const contains = (value: string) => ({ contains: value, mode: 'insensitive' as const });

/** Translates unique violations of users/groups into the domain's conflict codes. */
function conflict(error: unknown, email?: string): never {
  if (isUniqueViolation(error, 'email'))
    throw new DomainError('USER_EMAIL_TAKEN', `A user with email "${email}" already exists`, { email });
  if (isUniqueViolation(error, 'externalId'))
    throw new DomainError('EXTERNAL_ID_TAKEN', 'Another record already has this externalId');
  throw error;
}

function isForeignKeyViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2003';
}

/** Groups and users of the current vendor (tenant-scoped). */
@Injectable()
export class CustomersRepository {
  constructor(private readonly db: TenantPrisma) {}

  transaction<T>(fn: (tx: TenantTransaction) => Promise<T>): Promise<T> {
    return this.db.client.$transaction(fn);
  }

  // groups ------------------------------------------------------------------------------------

  async listGroups(filter: GroupFilter): Promise<GroupView[]> {
    const rows = await this.db.client.group.findMany({
      where: filter.search ? { OR: [{ name: contains(filter.search) }, { externalId: contains(filter.search) }] } : {},
      take: filter.take,
      ...afterTenantCursor(this.db.vendorId, filter.cursor),
    });
    return rows.map(toGroupView);
  }

  async findGroup(id: string, tx: TenantTransaction = this.db.client): Promise<GroupView | null> {
    const row = await tx.group.findUnique({ where: this.db.key(id) });
    return row ? toGroupView(row) : null;
  }

  /** The vendor's group with this externalId (an ERP customer id). */
  async findGroupByExternalId(externalId: string, tx: TenantTransaction = this.db.client): Promise<GroupView | null> {
    const row = await tx.group.findFirst({ where: { externalId } });
    return row ? toGroupView(row) : null;
  }

  async createGroup(tx: TenantTransaction, data: { name: string; externalId?: string | null }): Promise<GroupView> {
    try {
      return toGroupView(await tx.group.create({ data: { ...data, vendorId: this.db.vendorId } }));
    } catch (error) {
      conflict(error);
    }
  }

  async updateGroup(
    tx: TenantTransaction,
    id: string,
    data: { name?: string; externalId?: string | null },
  ): Promise<GroupView> {
    try {
      return toGroupView(await tx.group.update({ where: this.db.key(id), data }));
    } catch (error) {
      conflict(error);
    }
  }

  /** Deletes the group; false when containers still point at it (the foreign key refuses). */
  async deleteGroup(tx: TenantTransaction, id: string): Promise<boolean> {
    try {
      await tx.group.delete({ where: this.db.key(id) });
      return true;
    } catch (error) {
      if (isForeignKeyViolation(error)) return false;
      throw error;
    }
  }

  /**
   * Locks the group's row until the transaction ends. Every change to a group's membership takes
   * this lock first, so membership changes of one group run one after another and the admin count
   * read after it cannot be stale (two admins demoting each other cannot both succeed).
   */
  async lockGroup(tx: TenantTransaction, groupId: string): Promise<boolean> {
    // Raw SQL: Prisma has no SELECT … FOR UPDATE. Scoped by vendorId explicitly (raw SQL bypasses the extension).
    const rows = await tx.$queryRaw<{ id: string }[]>`
      SELECT id FROM groups WHERE id = ${groupId}::uuid AND "vendorId" = ${this.db.vendorId}::uuid FOR UPDATE`;
    return rows.length === 1;
  }

  /** Within the locked group: how many members and active admins remain when `exceptUserId` leaves or loses admin. */
  async countOthers(
    tx: TenantTransaction,
    groupId: string,
    exceptUserId: string,
  ): Promise<{ members: number; admins: number }> {
    const [members, admins] = await Promise.all([
      tx.user.count({ where: { groupId, id: { not: exceptUserId } } }),
      tx.user.count({ where: { groupId, id: { not: exceptUserId }, role: 'ADMIN', status: { not: 'DISABLED' } } }),
    ]);
    return { members, admins };
  }

  async countMembers(tx: TenantTransaction, groupId: string): Promise<number> {
    return tx.user.count({ where: { groupId } });
  }

  // users -------------------------------------------------------------------------------------

  async listUsers(filter: UserFilter): Promise<UserView[]> {
    const rows = await this.db.client.user.findMany({
      where: {
        ...(filter.search ? { OR: [{ email: contains(filter.search) }, { name: contains(filter.search) }] } : {}),
        ...(filter.groupId ? { groupId: filter.groupId } : {}),
        ...(filter.status ? { status: filter.status } : {}),
        ...(filter.role ? { role: filter.role } : {}),
      },
      take: filter.take,
      ...afterTenantCursor(this.db.vendorId, filter.cursor),
    });
    return rows.map(toUserView);
  }

  async findUser(id: string, tx: TenantTransaction = this.db.client): Promise<UserView | null> {
    const row = await tx.user.findUnique({ where: this.db.key(id) });
    return row ? toUserView(row) : null;
  }

  /** The vendor's user with this (normalised) email. */
  async findUserByEmail(email: string, tx: TenantTransaction = this.db.client): Promise<UserView | null> {
    const row = await tx.user.findFirst({ where: { email } });
    return row ? toUserView(row) : null;
  }

  /** The vendor's user with this externalId (an ERP contact id). */
  async findUserByExternalId(externalId: string, tx: TenantTransaction = this.db.client): Promise<UserView | null> {
    const row = await tx.user.findFirst({ where: { externalId } });
    return row ? toUserView(row) : null;
  }

  async createUser(
    tx: TenantTransaction,
    data: {
      email: string;
      name: string;
      groupId: string | null;
      role: GroupRole | null;
      externalId?: string | null;
      status: UserStatus;
    },
  ): Promise<UserView> {
    try {
      return toUserView(await tx.user.create({ data: { ...data, vendorId: this.db.vendorId } }));
    } catch (error) {
      conflict(error, data.email);
    }
  }

  async updateUser(
    tx: TenantTransaction,
    id: string,
    data: {
      email?: string;
      name?: string;
      externalId?: string | null;
      status?: UserStatus;
      groupId?: string | null;
      role?: GroupRole | null;
    },
  ): Promise<UserView> {
    try {
      return toUserView(await tx.user.update({ where: this.db.key(id), data }));
    } catch (error) {
      conflict(error, data.email);
    }
  }

  async hasPassword(tx: TenantTransaction, id: string): Promise<boolean> {
    const row = await tx.user.findUnique({ where: this.db.key(id), select: { passwordHash: true } });
    return Boolean(row?.passwordHash);
  }

  /** Deletes the user; false when containers still point at them. */
  async deleteUser(tx: TenantTransaction, id: string): Promise<boolean> {
    try {
      await tx.user.delete({ where: this.db.key(id) });
      return true;
    } catch (error) {
      if (isForeignKeyViolation(error)) return false;
      throw error;
    }
  }
}
