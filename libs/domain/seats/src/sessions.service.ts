import { Injectable } from '@nestjs/common';
import { PgPool, TenantPrisma } from '@leasehold/db';
import { AuditService } from '@leasehold/domain-audit';
import { OutboxRepository } from '@leasehold/domain-events';
import { DomainError } from '@leasehold/errors';
import { OverageService } from './overage.service';
import { SeatLeaseRepository } from './seat-lease.repository';
import { seatEvent } from './seat-events';
import { SeatQueueRepository } from './seat-queue.repository';
import { toQueueEntryView } from './seat-queue.rules';
import { QueueEntryView, QueueFilter } from './seat-queue.types';
import { EndedLeaseView, SessionFilter, SessionScope, SessionView } from './seats.types';
import { SessionsRepository } from './sessions.repository';

// Running sessions as admins see them, and the admin's ways to end them. The same methods serve
// vendors (scope: a license or container of theirs) and group admins in the portal (scope also
// names their group, so another group's session is "not found"). A borrowed seat is not an
// admin's to stop: it ends when returned or at borrowUntil. Its seat transactions run on PgPool, as
// every seat transaction (SeatCheckoutService, SeatsService, SeatQueueService, the sweeper): one
// engine, READ COMMITTED, a deadlock or serialization failure retried, unnamed statements behind a
// transaction pooler.

@Injectable()
export class SessionsService {
  constructor(
    private readonly db: TenantPrisma,
    private readonly pg: PgPool,
    private readonly leases: SeatLeaseRepository,
    private readonly sessions: SessionsRepository,
    private readonly outbox: OutboxRepository,
    private readonly audit: AuditService,
    private readonly tickets: SeatQueueRepository,
    private readonly overage: OverageService,
  ) {}

  /** Live sessions of a license or container (404 when it is not the caller's). */
  async list(filter: SessionFilter): Promise<SessionView[]> {
    await this.assertScopeExists(filter);
    return this.sessions.listSessions(filter);
  }

  /** Tickets of the wait queue in the scope (404 when it is not the caller's), in the order they are served. */
  async queue(filter: QueueFilter): Promise<QueueEntryView[]> {
    await this.assertScopeExists(filter);
    return (await this.tickets.listLive(filter)).map(toQueueEntryView);
  }

  /** Ends a live, online session now; the program's next heartbeat answers SESSION_STOPPED. */
  async stop(leaseId: string, scope: SessionScope = {}): Promise<EndedLeaseView> {
    return this.pg.transaction(async (tx) => {
      const state = await this.leases.leaseState(tx, leaseId, scope);
      if (!state) throw DomainError.notFound('Session', leaseId);
      const freed = await this.leases.freeSlot(tx, leaseId, scope, { onlineOnly: true });
      if (!freed) {
        const now = (await this.leases.leaseState(tx, leaseId, scope)) ?? state;
        if (now.live && now.borrowUntil) {
          throw new DomainError(
            'SESSION_BORROWED',
            'A borrowed seat cannot be stopped; it ends when returned or at borrowUntil',
            {
              borrowUntil: now.borrowUntil.toISOString(),
            },
          );
        }
        throw new DomainError('SESSION_NOT_ACTIVE', 'The session has already ended', {
          endReason: now.endReason ?? 'EXPIRED',
        });
      }
      const ended = await this.leases.endLease(tx, leaseId, 'STOPPED', 'now');
      if (!ended) throw new Error(`lease ${leaseId} held its seat but had already ended`);
      await this.outbox.append(tx, seatEvent('seat.stopped', ended));
      await this.overage.settleIfTracked(tx, ended.licenseId);
      await this.audit.record(tx, {
        action: 'session.stopped',
        entityType: 'seat_lease',
        entityId: leaseId,
        groupId: scope.groupId ?? null,
        before: { fingerprint: state.fingerprint, startedAt: state.startedAt },
      });
      return {
        leaseId: ended.id,
        licenseId: ended.licenseId,
        endedAt: ended.endedAt ?? ended.expiresAt,
        endReason: 'STOPPED',
      };
    });
  }

  /**
   * A user removed from their group or disabled (EndLeasesOfRemovedUser): every lease of the user
   * (and every lease on the user's PERSONAL containers) of the current vendor ends now with reason
   * USER_REMOVED, borrowed ones included, and the seats are free at once. Idempotent: a second
   * call finds nothing left to end.
   */
  async endLeasesOfUser(userId: string): Promise<{ ended: number }> {
    return this.pg.transaction(async (tx) => {
      const freed = new Set(await this.sessions.freeSlotsOfUser(tx, userId));
      let ended = 0;
      const licenses = new Set<string>();
      for (const leaseId of await this.sessions.unendedLeaseIdsOfUser(tx, userId)) {
        const live = freed.has(leaseId);
        const row = await this.leases.endLease(tx, leaseId, live ? 'USER_REMOVED' : 'EXPIRED', live ? 'now' : 'expiry');
        if (!row) continue;
        ended += live ? 1 : 0;
        licenses.add(row.licenseId);
        await this.outbox.append(tx, seatEvent(live ? 'seat.stopped' : 'seat.expired', row));
      }
      for (const licenseId of [...licenses].sort()) await this.overage.settleIfTracked(tx, licenseId);
      return { ended };
    });
  }

  private async assertScopeExists(scope: SessionScope): Promise<void> {
    if (scope.licenseId) {
      const license = await this.db.client.license.findFirst({
        where: { id: scope.licenseId, ...(scope.groupId ? { container: { groupId: scope.groupId } } : {}) },
        select: { id: true },
      });
      if (!license) throw DomainError.notFound('License', scope.licenseId);
    }
    if (scope.containerId) {
      const container = await this.db.client.container.findFirst({
        where: { id: scope.containerId, ...(scope.groupId ? { groupId: scope.groupId } : {}) },
        select: { id: true },
      });
      if (!container) throw DomainError.notFound('Container', scope.containerId);
    }
  }
}
