import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@leasehold/config';
import { TenantContext } from '@leasehold/db';
import { AuditService } from '@leasehold/domain-audit';
import { DomainError } from '@leasehold/errors';
import { AccessTokens } from './access-tokens';
import { AccountTokensService } from './account-tokens.service';
import { CredentialRecord, IdentityRepository, OneTimeTokenRecord } from './identity.repository';
import { LoginThrottle } from './login-throttle';
import { PasswordHasher } from './password-hasher';
import { PortalPrincipal, PortalRole, LoginTokens } from './identity.types';
import { hashSecretToken, generateSecretToken } from './secret-token';

// Portal identity: a user is (vendor, email); login answers a short-lived access token and a
// rotating refresh token. Refresh tokens form a family per login (the session); presenting a used
// token again means it was copied, so the whole family is revoked. Access tokens carry the user's
// tokenVersion and their session's family id and are checked against the database on every
// request, so removal, disabling and password resets (every session) and reuse detection and
// logout (that session) end access at once.

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
        if (record.usedAt) return this.reuseDetected(record.familyId, now);
        if (record.expiresAt.getTime() <= now.getTime()) throw refreshInvalid();
        const user = await this.repository.findCredentials(record.vendorId, record.userId);
        if (!user || user.status !== 'ACTIVE' || !user.vendorActive) throw refreshInvalid();
        const next = generateSecretToken('refresh');
        const refreshExpiresAt = new Date(now.getTime() + this.refreshTtlMs);
        const rotated = await this.repository.transaction(async (tx) => {
          if (!(await this.repository.markRefreshTokenUsed(tx, record.id, now))) return false;
          await this.repository.createRefreshToken(tx, {
            userId: user.id,
            familyId: record.familyId,
            tokenHash: next.hash,
            expiresAt: refreshExpiresAt,
          });
          return true;
        });
        // Lost a race with another use of the same token (or it was revoked meanwhile): reuse.
        if (!rotated) return this.reuseDetected(record.familyId, now);
        return this.tokens(user, record.familyId, next.token, refreshExpiresAt, now);
      },
      { type: 'PORTAL_USER', id: record.userId },
    );
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
const tokenUsed = () => new DomainError('ONE_TIME_TOKEN_USED', 'This token was already used');
