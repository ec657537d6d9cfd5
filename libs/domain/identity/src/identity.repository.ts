import { Injectable } from '@nestjs/common';
import { PrismaService, TenantPrisma, TenantTransaction, UserTokenPurpose } from '@leasehold/db';
import { PortalRole, PortalUserStatus } from './identity.types';

export interface CredentialRecord {
  id: string;
  vendorId: string;
  email: string;
  name: string;
  status: PortalUserStatus;
  passwordHash: string | null;
  groupId: string | null;
  role: PortalRole | null;
  tokenVersion: number;
  vendorActive: boolean;
}

export interface RefreshTokenRecord {
  id: string;
  vendorId: string;
  userId: string;
  familyId: string;
  expiresAt: Date;
  usedAt: Date | null;
  revokedAt: Date | null;
  /** The token this one's use issued (a grace answer replaces it); null while unused. */
  replacedById: string | null;
}

export interface OneTimeTokenRecord {
  id: string;
  vendorId: string;
  userId: string;
  purpose: UserTokenPurpose;
  expiresAt: Date;
  usedAt: Date | null;
}

const credentialSelect = {
  id: true,
  vendorId: true,
  email: true,
  name: true,
  status: true,
  passwordHash: true,
  groupId: true,
  role: true,
  tokenVersion: true,
  vendor: { select: { status: true } },
} as const;

type CredentialRow = {
  id: string;
  vendorId: string;
  email: string;
  name: string;
  status: PortalUserStatus;
  passwordHash: string | null;
  groupId: string | null;
  role: PortalRole | null;
  tokenVersion: number;
  vendor: { status: string };
};

const refreshTokenSelect = {
  id: true,
  vendorId: true,
  userId: true,
  familyId: true,
  expiresAt: true,
  usedAt: true,
  revokedAt: true,
  replacedById: true,
} as const;

const toCredential = ({ vendor, ...row }: CredentialRow): CredentialRecord => ({
  ...row,
  vendorActive: vendor.status === 'ACTIVE',
});

/**
 * Credentials, refresh tokens and one-time tokens. Look-ups by secret hash, by vendor slug and the
 * per-request user load are cross-tenant (they find the tenant); every write is tenant-scoped.
 */
@Injectable()
export class IdentityRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly db: TenantPrisma,
  ) {}

  transaction<T>(fn: (tx: TenantTransaction) => Promise<T>): Promise<T> {
    return this.db.client.$transaction(fn);
  }

  async findVendorBySlug(slug: string): Promise<{ id: string; active: boolean } | null> {
    const row = await this.prisma.vendor.findUnique({ where: { slug }, select: { id: true, status: true } });
    return row ? { id: row.id, active: row.status === 'ACTIVE' } : null;
  }

  /** The vendor's slug, for links that name the vendor (the portal's login pages need it). */
  async vendorSlug(vendorId: string): Promise<string> {
    const row = await this.prisma.vendor.findUniqueOrThrow({ where: { id: vendorId }, select: { slug: true } });
    return row.slug;
  }

  async findCredentialsByEmail(vendorId: string, email: string): Promise<CredentialRecord | null> {
    const row = await this.prisma.user.findUnique({
      where: { vendorId_email: { vendorId, email } },
      select: credentialSelect,
    });
    return row ? toCredential(row) : null;
  }

  /**
   * The per-request load of the portal strategy: the user by primary key, and whether the session
   * (refresh-token family) was revoked (index refresh_tokens(vendorId, userId)). A family with a
   * revoked token is over: reuse detection and logout revoke all of its tokens.
   */
  async findSession(
    vendorId: string,
    userId: string,
    familyId: string,
  ): Promise<(CredentialRecord & { sessionRevoked: boolean }) | null> {
    const row = await this.prisma.user.findUnique({
      where: { vendorId_id: { vendorId, id: userId } },
      select: {
        ...credentialSelect,
        refreshTokens: { where: { familyId, revokedAt: { not: null } }, select: { id: true }, take: 1 },
      },
    });
    if (!row) return null;
    const { refreshTokens, ...credentials } = row;
    return { ...toCredential(credentials), sessionRevoked: refreshTokens.length > 0 };
  }

  async findCredentials(vendorId: string, userId: string): Promise<CredentialRecord | null> {
    const row = await this.prisma.user.findUnique({
      where: { vendorId_id: { vendorId, id: userId } },
      select: credentialSelect,
    });
    return row ? toCredential(row) : null;
  }

  async findRefreshToken(tokenHash: string): Promise<RefreshTokenRecord | null> {
    // By the hash alone: the vendor is not known yet (unique per vendor; 256-bit secrets do not collide).
    return this.prisma.refreshToken.findFirst({ where: { tokenHash }, select: refreshTokenSelect });
  }

  /** A refresh token of the current vendor by id (the successor of a used one, or one re-read after a race). */
  async findRefreshTokenById(id: string): Promise<RefreshTokenRecord | null> {
    return this.db.client.refreshToken.findUnique({ where: this.db.key(id), select: refreshTokenSelect });
  }

  /** `id` may be given (made in code): a rotation records the new token on the used one first. */
  async createRefreshToken(
    tx: TenantTransaction,
    data: { id?: string; userId: string; familyId: string; tokenHash: string; expiresAt: Date },
  ): Promise<void> {
    await tx.refreshToken.create({ data: { ...data, vendorId: this.db.vendorId } });
  }

  /**
   * Marks the token used, replaced by `replacedById`, if it is still unused, unrevoked and
   * unexpired (a conditional update, so two concurrent refreshes with one token cannot both
   * succeed, nor a use slip past the retirement of the token by a grace answer). False when it
   * was not.
   */
  async markRefreshTokenUsed(tx: TenantTransaction, id: string, at: Date, replacedById: string): Promise<boolean> {
    const { count } = await tx.refreshToken.updateMany({
      where: { id, usedAt: null, revokedAt: null, expiresAt: { gt: at } },
      data: { usedAt: at, replacedById },
    });
    return count === 1;
  }

  /**
   * The reuse grace's two conditional updates, in one transaction with the new token's insert.
   * First the used token `id` names `replacedById` in place of its successor `successorId`:
   * SUCCESSOR_CHANGED when its successor is no longer that one (another retry replaced it first)
   * or the token was revoked meanwhile. Then that successor is retired if it is still unused,
   * unrevoked and unexpired: SUCCESSOR_TAKEN when it was used or revoked meanwhile (the caller
   * rolls the first update back). Retired means it expires at `at`: it is refused from then on
   * like any expired token, and it is not revoked, because a revoked token ends its family's
   * access tokens (findSession). The used token's row is locked first: it is the one row racing
   * retries of the same token queue on, and revoking a family mostly meets the older token first.
   */
  async replaceSuccessor(
    tx: TenantTransaction,
    change: { id: string; successorId: string; replacedById: string; at: Date },
  ): Promise<'REPLACED' | 'SUCCESSOR_CHANGED' | 'SUCCESSOR_TAKEN'> {
    const moved = await tx.refreshToken.updateMany({
      where: { id: change.id, replacedById: change.successorId, usedAt: { not: null }, revokedAt: null },
      data: { replacedById: change.replacedById },
    });
    if (moved.count !== 1) return 'SUCCESSOR_CHANGED';
    const retired = await tx.refreshToken.updateMany({
      where: { id: change.successorId, usedAt: null, revokedAt: null, expiresAt: { gt: change.at } },
      data: { expiresAt: change.at },
    });
    return retired.count === 1 ? 'REPLACED' : 'SUCCESSOR_TAKEN';
  }

  async revokeFamily(familyId: string, at: Date): Promise<number> {
    const { count } = await this.db.client.refreshToken.updateMany({
      where: { familyId, revokedAt: null },
      data: { revokedAt: at },
    });
    return count;
  }

  /** Revokes every refresh token of the user (removal, disabling, password reset). */
  async revokeUserRefreshTokens(tx: TenantTransaction, userId: string, at: Date): Promise<void> {
    await tx.refreshToken.updateMany({ where: { userId, revokedAt: null }, data: { revokedAt: at } });
  }

  async bumpTokenVersion(tx: TenantTransaction, userId: string): Promise<void> {
    await tx.user.update({ where: this.db.key(userId), data: { tokenVersion: { increment: 1 } } });
  }

  async findOneTimeToken(tokenHash: string): Promise<OneTimeTokenRecord | null> {
    // By the hash alone: the vendor is not known yet (unique per vendor; 256-bit secrets do not collide).
    return this.prisma.userToken.findFirst({
      where: { tokenHash },
      select: { id: true, vendorId: true, userId: true, purpose: true, expiresAt: true, usedAt: true },
    });
  }

  /** Issues a one-time token, retiring the user's earlier unused tokens of the same purpose. */
  async replaceOneTimeToken(
    tx: TenantTransaction,
    data: {
      userId: string;
      purpose: UserTokenPurpose;
      tokenHash: string;
      expiresAt: Date;
      createdByUserId: string | null;
    },
    at: Date,
  ): Promise<void> {
    await tx.userToken.updateMany({
      where: { userId: data.userId, purpose: data.purpose, usedAt: null },
      data: { usedAt: at },
    });
    await tx.userToken.create({ data: { ...data, vendorId: this.db.vendorId } });
  }

  /** Uses the token if it is still unused (conditional update: a token works once however many requests race). */
  async useOneTimeToken(tx: TenantTransaction, id: string, at: Date): Promise<boolean> {
    const { count } = await tx.userToken.updateMany({ where: { id, usedAt: null }, data: { usedAt: at } });
    return count === 1;
  }

  async setPassword(
    tx: TenantTransaction,
    userId: string,
    data: { passwordHash: string; status?: PortalUserStatus; name?: string },
  ): Promise<{
    id: string;
    email: string;
    name: string;
    status: PortalUserStatus;
    groupId: string | null;
    role: PortalRole | null;
    tokenVersion: number;
  }> {
    return tx.user.update({
      where: this.db.key(userId),
      data,
      select: { id: true, email: true, name: true, status: true, groupId: true, role: true, tokenVersion: true },
    });
  }
}
