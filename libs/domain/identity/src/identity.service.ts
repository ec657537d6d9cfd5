import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@leasehold/config';
import { TenantContext, uuidV7 } from '@leasehold/db';
import { AuditService } from '@leasehold/domain-audit';
import { DomainError } from '@leasehold/errors';
import { AccessTokens } from './access-tokens';
import { AccountTokensService } from './account-tokens.service';
import { CredentialRecord, IdentityRepository, OneTimeTokenRecord, RefreshTokenRecord } from './identity.repository';
import { LoginThrottle } from './login-throttle';
import { PasswordHasher } from './password-hasher';
import { PortalPrincipal, PortalRole, LoginTokens } from './identity.types';
import { hashSecretToken, generateSecretToken } from './secret-token';

// Portal identity: a user is (vendor, email); login answers a short-lived access token and a
// rotating refresh token. Refresh tokens form a family per login (the session); presenting a used
// token again means it was copied, so the whole family is revoked, unless it comes within the
// reuse grace while the token that replaced it was never used: then it is a retry whose answer was
// lost, and it gets a new pair in place of that one. Access tokens carry the user's tokenVersion
// and their session's family id and are checked against the database on every request, so
// removal, disabling and password resets (every session) and reuse detection and logout (that
// session) end access at once.

const normalise = (email: string) => email.trim().toLowerCase();

interface SessionUser {
  id: string;
  email: string;
  name: string;
  groupId: string | null;
  role: PortalRole | null;
  tokenVersion: number;
}

@Injectable()
export class IdentityService {
  private readonly refreshTtlMs: number;
  private readonly reuseGraceMs: number;

  constructor(
    private readonly repository: IdentityRepository,
    private readonly accessTokens: AccessTokens,
    private readonly accountTokens: AccountTokensService,
    private readonly hasher: PasswordHasher,
    private readonly throttle: LoginThrottle,
    private readonly tenant: TenantContext,
    private readonly audit: AuditService,
    config: ConfigService,
  ) {
    this.refreshTtlMs = config.get('PORTAL_REFRESH_TOKEN_TTL_DAYS') * 86_400_000;
    this.reuseGraceMs = config.get('PORTAL_REFRESH_REUSE_GRACE_SECONDS') * 1000;
  }

  async login(
    input: { vendor: string; email: string; password: string; ip: string },
    now = new Date(),
  ): Promise<LoginTokens> {
    const email = normalise(input.email);
    // Counted before the password is checked (atomically): parallel guesses cannot outrun the limit.
    await this.throttle.consumeLogin(input.vendor, email, input.ip);
    const vendor = await this.repository.findVendorBySlug(input.vendor);
    const user = vendor ? await this.repository.findCredentialsByEmail(vendor.id, email) : null;
    const passwordOk = await this.hasher.verify(user?.passwordHash ?? null, input.password);
    if (!vendor || !user || !passwordOk || !vendor.active) {
      throw new DomainError('INVALID_CREDENTIALS', 'The vendor, email or password is wrong');
    }
    await this.throttle.loginSucceeded(input.vendor, email, input.ip);
    if (user.status === 'DISABLED') throw new DomainError('USER_DISABLED', 'This portal account is disabled');
    return this.tenant.run(vendor.id, () => this.startSession(user, randomUUID(), now), {
      type: 'PORTAL_USER',
      id: user.id,
    });
  }

  async refresh(refreshToken: string, now = new Date()): Promise<LoginTokens> {
    const record = await this.repository.findRefreshToken(hashSecretToken(refreshToken));
    if (!record || record.revokedAt) throw refreshInvalid();
    return this.tenant.run(
      record.vendorId,
      async () => {
        if (record.usedAt) return this.presentedAgain(record, record.usedAt, now);
        if (record.expiresAt.getTime() <= now.getTime()) throw refreshInvalid();
        const user = await this.activeUser(record);
        const next = this.nextToken(now);
        const rotated = await this.repository.transaction(async (tx) => {
          if (!(await this.repository.markRefreshTokenUsed(tx, record.id, now, next.row.id))) return false;
          await this.repository.createRefreshToken(tx, { ...next.row, userId: user.id, familyId: record.familyId });
          return true;
        });
        if (!rotated) return this.changedMeanwhile(record, now);
        return this.tokens(user, record.familyId, next.token, next.row.expiresAt, now);
      },
      { type: 'PORTAL_USER', id: record.userId },
    );
  }

  /**
   * A used refresh token presented again. Within the reuse grace of its use, while the token that
   * replaced it (its successor) was never used, the answer to its refresh was lost on the way (the
   * client never received the successor): a new pair, and the unused successor retired (it expires
   * at once) in the same transaction, so the family never has two live refresh tokens. Of retries
   * at the same moment one gets the pair; the others are refused without ending the login.
   * Anything else is reuse: the whole family is revoked.
   */
  private async presentedAgain(record: RefreshTokenRecord, usedAt: Date, now: Date): Promise<LoginTokens> {
    const withinGrace = now.getTime() - usedAt.getTime() < this.reuseGraceMs;
    // Tokens used before successors were recorded have none: reuse, as they always were.
    const successor =
      withinGrace && record.replacedById ? await this.repository.findRefreshTokenById(record.replacedById) : null;
    if (!successor || successor.usedAt) return this.reuseDetected(record.familyId, now);
    // Another retry of this token retired it a moment ago (or the family was just revoked).
    if (successor.revokedAt || successor.expiresAt.getTime() <= now.getTime()) throw raceLost();
    const user = await this.activeUser(record);
    const next = this.nextToken(now);
    const outcome = await this.repository
      .transaction(async (tx) => {
        const change = { id: record.id, successorId: successor.id, replacedById: next.row.id, at: now };
        const replaced = await this.repository.replaceSuccessor(tx, change);
        if (replaced === 'SUCCESSOR_TAKEN') throw new RollBack(replaced);
        if (replaced === 'REPLACED') {
          await this.repository.createRefreshToken(tx, { ...next.row, userId: user.id, familyId: record.familyId });
        }
        return replaced;
      })
      .catch((error: unknown) => {
        if (error instanceof RollBack) return error.outcome;
        throw error;
      });
    // The successor was used (or the family revoked) while this request ran: reuse after all.
    if (outcome === 'SUCCESSOR_TAKEN') return this.reuseDetected(record.familyId, now);
    // Another retry of this token, at the same moment, replaced the successor first.
    if (outcome === 'SUCCESSOR_CHANGED') throw raceLost();
    return this.tokens(user, record.familyId, next.token, next.row.expiresAt, now);
  }

  /**
   * The token was used or revoked between reading it and using it. Used by a request at the same
   * moment (two refreshes with one token): with the reuse grace on, that one won and the login
   * goes on with its pair; this one is refused without ending it (had it come a moment later, it
   * would have been a grace answer). Revoked meanwhile, or the grace off: reuse.
   */
  private async changedMeanwhile(record: RefreshTokenRecord, now: Date): Promise<never> {
    const current = this.reuseGraceMs > 0 ? await this.repository.findRefreshTokenById(record.id) : null;
    if (current?.usedAt && !current.revokedAt) throw raceLost();
    return this.reuseDetected(record.familyId, now);
  }

  /** The token's user, if they may still refresh: active, of an active vendor. */
  private async activeUser(record: RefreshTokenRecord): Promise<CredentialRecord> {
    const user = await this.repository.findCredentials(record.vendorId, record.userId);
    if (!user || user.status !== 'ACTIVE' || !user.vendorActive) throw refreshInvalid();
    return user;
  }

  /** A new refresh token, its id made here so that the used token can name it before it is inserted. */
  private nextToken(now: Date): { token: string; row: { id: string; tokenHash: string; expiresAt: Date } } {
    const secret = generateSecretToken('refresh');
    const expiresAt = new Date(now.getTime() + this.refreshTtlMs);
    return { token: secret.token, row: { id: uuidV7(), tokenHash: secret.hash, expiresAt } };
  }

  /** Ends the session (refresh-token family) the token belongs to. Unknown tokens are ignored. */
  async logout(refreshToken: string, now = new Date()): Promise<void> {
    const record = await this.repository.findRefreshToken(hashSecretToken(refreshToken));
    if (!record) return;
    await this.tenant.run(record.vendorId, () => this.repository.revokeFamily(record.familyId, now), {
      type: 'PORTAL_USER',
      id: record.userId,
    });
  }

  /**
   * Always succeeds from the caller's view (unless throttled), so it does not reveal which emails
   * have accounts.
   */
  async requestPasswordReset(input: { vendor: string; email: string; ip: string }, now = new Date()): Promise<void> {
    const email = normalise(input.email);
    // Limited per account and per address, whether or not the account exists (reveals nothing).
    await this.throttle.consumeResetRequest(input.vendor, email, input.ip);
    const vendor = await this.repository.findVendorBySlug(input.vendor);
    const user = vendor?.active ? await this.repository.findCredentialsByEmail(vendor.id, email) : null;
    if (!vendor || !user || user.status !== 'ACTIVE') return;
    await this.tenant.run(
      vendor.id,
      () => this.repository.transaction((tx) => this.accountTokens.issuePasswordReset(tx, user, now)),
      { type: 'PORTAL_USER', id: user.id },
    );
  }

  async confirmPasswordReset(
    input: { vendor: string; token: string; password: string },
    now = new Date(),
  ): Promise<void> {
    const token = await this.findOneTimeToken(input.vendor, input.token, 'PASSWORD_RESET', now);
    const passwordHash = await this.hasher.hash(input.password);
    await this.tenant.run(
      token.vendorId,
      async () => {
        const user = await this.repository.findCredentials(token.vendorId, token.userId);
        if (!user || user.status === 'DISABLED')
          throw new DomainError('USER_DISABLED', 'This portal account is disabled');
        await this.repository.transaction(async (tx) => {
          if (!(await this.repository.useOneTimeToken(tx, token.id, now))) throw tokenUsed();
          await this.repository.setPassword(tx, user.id, { passwordHash });
          // Whoever knew the old password loses every session at once.
          await this.accountTokens.endSessions(tx, user.id, now);
          await this.audit.record(tx, {
            action: 'user.password_reset',
            entityType: 'user',
            entityId: user.id,
            groupId: user.groupId,
          });
        });
      },
      { type: 'PORTAL_USER', id: token.userId },
    );
  }

  /** The invitee sets a password (and optionally their name) and is logged in. */
  async acceptInvitation(
    input: { vendor: string; token: string; password: string; name?: string },
    now = new Date(),
  ): Promise<LoginTokens> {
    const token = await this.findOneTimeToken(input.vendor, input.token, 'INVITATION', now);
    const passwordHash = await this.hasher.hash(input.password);
    return this.tenant.run(
      token.vendorId,
      async () => {
        const user = await this.repository.transaction(async (tx) => {
          if (!(await this.repository.useOneTimeToken(tx, token.id, now))) throw tokenUsed();
          const current = await this.repository.findCredentials(token.vendorId, token.userId);
          if (!current || current.status === 'DISABLED')
            throw new DomainError('USER_DISABLED', 'This portal account is disabled');
          if (current.status !== 'INVITED') throw tokenUsed();
          const updated = await this.repository.setPassword(tx, token.userId, {
            passwordHash,
            status: 'ACTIVE',
            ...(input.name ? { name: input.name } : {}),
          });
          await this.audit.record(tx, {
            action: 'user.invitation_accepted',
            entityType: 'user',
            entityId: updated.id,
            groupId: updated.groupId,
            before: { status: current.status },
            after: { status: updated.status },
          });
          return updated;
        });
        return this.startSession(user, randomUUID(), now);
      },
      { type: 'PORTAL_USER', id: token.userId },
    );
  }

  /**
   * Resolves an access token to the current user. Called on every portal request: the user must
   * still exist, be active, belong to an active vendor and have the token's tokenVersion, and the
   * token's session (refresh-token family) must not have been revoked.
   */
  async authenticate(accessToken: string): Promise<PortalPrincipal> {
    const claims = await this.accessTokens.verify(accessToken);
    const user = await this.repository.findSession(claims.vid, claims.sub, claims.sid);
    if (
      !user ||
      user.status !== 'ACTIVE' ||
      !user.vendorActive ||
      user.tokenVersion !== claims.tv ||
      user.sessionRevoked
    ) {
      throw new DomainError('TOKEN_REVOKED', 'This access token no longer applies; log in again');
    }
    return {
      kind: 'portal',
      vendorId: user.vendorId,
      userId: user.id,
      email: user.email,
      name: user.name,
      groupId: user.groupId,
      role: user.role,
    };
  }

  private async startSession(user: SessionUser, familyId: string, now: Date): Promise<LoginTokens> {
    const refresh = generateSecretToken('refresh');
    const refreshExpiresAt = new Date(now.getTime() + this.refreshTtlMs);
    await this.repository.transaction((tx) =>
      this.repository.createRefreshToken(tx, {
        userId: user.id,
        familyId,
        tokenHash: refresh.hash,
        expiresAt: refreshExpiresAt,
      }),
    );
    return this.tokens(user, familyId, refresh.token, refreshExpiresAt, now);
  }

  private async tokens(
    user: SessionUser | CredentialRecord,
    familyId: string,
    refreshToken: string,
    refreshExpiresAt: Date,
    now: Date,
  ): Promise<LoginTokens> {
    const accessToken = await this.accessTokens.sign(
      { sub: user.id, vid: this.tenant.vendorId, tv: user.tokenVersion, sid: familyId },
      now,
    );
    return {
      tokenType: 'Bearer',
      accessToken,
      expiresIn: this.accessTokens.ttlSeconds,
      refreshToken,
      refreshExpiresAt,
      user: { id: user.id, email: user.email, name: user.name, groupId: user.groupId, role: user.role },
    };
  }

  private async reuseDetected(familyId: string, now: Date): Promise<never> {
    await this.repository.revokeFamily(familyId, now);
    throw new DomainError(
      'REFRESH_TOKEN_REUSED',
      'This refresh token was already used; the session has been ended for safety',
    );
  }

  private async findOneTimeToken(
    vendorSlug: string,
    token: string,
    purpose: OneTimeTokenRecord['purpose'],
    now: Date,
  ): Promise<OneTimeTokenRecord> {
    const [vendor, record] = await Promise.all([
      this.repository.findVendorBySlug(vendorSlug),
      this.repository.findOneTimeToken(hashSecretToken(token)),
    ]);
    // A token of another vendor, or of the other purpose, is simply unknown here.
    if (!vendor?.active || !record || record.vendorId !== vendor.id || record.purpose !== purpose) {
      throw new DomainError('ONE_TIME_TOKEN_INVALID', 'This token is not valid');
    }
    if (record.usedAt) throw tokenUsed();
    if (record.expiresAt.getTime() <= now.getTime())
      throw new DomainError('ONE_TIME_TOKEN_EXPIRED', 'This token has expired; ask for a new one');
    return record;
  }
}

const refreshInvalid = () => new DomainError('REFRESH_TOKEN_INVALID', 'The refresh token is not valid; log in again');
/** Two requests with one refresh token at the same moment: the other one's pair carries the login on. */
const raceLost = () =>
  new DomainError(
    'REFRESH_TOKEN_INVALID',
    'Another request with this refresh token was answered at the same moment; this one is refused',
  );
const tokenUsed = () => new DomainError('ONE_TIME_TOKEN_USED', 'This token was already used');

/** Rolls the grace transaction back when its second conditional update finds the successor taken. */
class RollBack extends Error {
  constructor(readonly outcome: 'SUCCESSOR_TAKEN') {
    super(outcome);
  }
}
