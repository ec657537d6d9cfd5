import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@leasehold/config';
import { TenantContext, TenantTransaction } from '@leasehold/db';
import { OutboxRepository, sealEventSecrets } from '@leasehold/domain-events';
import { IdentityRepository } from './identity.repository';
import { AccountRef } from './identity.types';
import { generateSecretToken } from './secret-token';

export const INVITATION_TTL_MS = 7 * 86_400_000;
export const PASSWORD_RESET_TTL_MS = 60 * 60_000;

/**
 * Issues invitation and password-reset tokens, and ends a user's sessions. Called inside the
 * transaction that makes the change, so a token exists (and its outbox event is written) if and
 * only if the change committed. Leasehold sends no mail: the token reaches the vendor in the
 * `user.invited` / `user.password_reset_requested` event, and is logged outside production. In the
 * stored event the token and its link are sealed with the platform key (`sealEventSecrets`); the
 * webhook delivery opens the seal, so the vendor's webhook receives them in plain. The links name
 * the vendor by its slug (`&vendor=`), so the portal's pages need not ask for it.
 */
@Injectable()
export class AccountTokensService {
  private readonly logger = new Logger('AccountTokens');

  constructor(
    private readonly repository: IdentityRepository,
    private readonly outbox: OutboxRepository,
    private readonly config: ConfigService,
    private readonly tenant: TenantContext,
  ) {
    this.platformKey = Buffer.from(config.get('PLATFORM_KEY'), 'base64');
  }

  private readonly platformKey: Buffer;

  async issueInvitation(
    tx: TenantTransaction,
    user: AccountRef,
    invitedByUserId: string | null,
    now = new Date(),
  ): Promise<{ expiresAt: Date }> {
    const { token, hash } = generateSecretToken('invitation');
    const expiresAt = new Date(now.getTime() + INVITATION_TTL_MS);
    await this.repository.replaceOneTimeToken(
      tx,
      { userId: user.id, purpose: 'INVITATION', tokenHash: hash, expiresAt, createdByUserId: invitedByUserId },
      now,
    );
    const acceptUrl = `${this.config.get('PORTAL_PUBLIC_URL')}/invitations/accept?token=${token}&vendor=${encodeURIComponent(await this.repository.vendorSlug(this.tenant.vendorId))}`;
    await this.outbox.append(tx, {
      type: 'user.invited',
      aggregateType: 'user',
      aggregateId: user.id,
      payload: {
        userId: user.id,
        email: user.email,
        name: user.name,
        groupId: user.groupId,
        invitedByUserId,
        expiresAt,
        sealed: sealEventSecrets(this.platformKey, this.tenant.vendorId, { token, acceptUrl }),
      },
    });
    this.reveal(`Invitation for ${user.email}: token ${token}`);
    return { expiresAt };
  }

  async issuePasswordReset(tx: TenantTransaction, user: AccountRef, now = new Date()): Promise<void> {
    const { token, hash } = generateSecretToken('reset');
    const expiresAt = new Date(now.getTime() + PASSWORD_RESET_TTL_MS);
    await this.repository.replaceOneTimeToken(
      tx,
      { userId: user.id, purpose: 'PASSWORD_RESET', tokenHash: hash, expiresAt, createdByUserId: null },
      now,
    );
    const resetUrl = `${this.config.get('PORTAL_PUBLIC_URL')}/password-reset?token=${token}&vendor=${encodeURIComponent(await this.repository.vendorSlug(this.tenant.vendorId))}`;
    await this.outbox.append(tx, {
      type: 'user.password_reset_requested',
      aggregateType: 'user',
      aggregateId: user.id,
      payload: {
        userId: user.id,
        email: user.email,
        groupId: user.groupId,
        expiresAt,
        sealed: sealEventSecrets(this.platformKey, this.tenant.vendorId, { token, resetUrl }),
      },
    });
    this.reveal(`Password reset for ${user.email}: token ${token}`);
  }

  /** Ends every session of the user at once: access tokens (tokenVersion) and refresh tokens. */
  async endSessions(tx: TenantTransaction, userId: string, now = new Date()): Promise<void> {
    await this.repository.bumpTokenVersion(tx, userId);
    await this.repository.revokeUserRefreshTokens(tx, userId, now);
  }

  private reveal(message: string): void {
    // Development only: with no mail server, the log is how a developer gets the token.
    if (!this.config.isProduction) this.logger.log(message);
  }
}
