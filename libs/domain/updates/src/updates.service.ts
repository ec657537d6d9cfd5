import { Injectable } from '@nestjs/common';
import { Observable } from 'rxjs';
import { TenantContext } from '@leasehold/db';
import { DomainError } from '@leasehold/errors';
import { isUpdateAvailable } from './container-revision';
import { UpdateReason, UpdateSignal } from './update-signal.service';
import { UpdatesRepository } from './updates.repository';

// Auto-update triggers (docs/auto-update.md). A container's revision (container-revision.ts) is
// its own revision plus the sum of its licenses' revisions; it rises with every license change and
// every container-level change, "update now" included. A program that knows revision N asks
// whether the current one differs: the answer comes at once when it does (isUpdateAvailable, the
// rule validate and heartbeat use too), else when a change is announced on Redis, else at the
// timeout with updateAvailable false. The wait subscribes before it reads Postgres, so a change
// that commits in between is not missed.

/** The longest a long-poll waits (the program asks again at once). */
export const MAX_WAIT_SECONDS = 25;

export interface UpdateAnswer {
  revision: number;
  updateAvailable: boolean;
  /** Why the answer came: the revision moved, an admin asked for an update now, or the wait ended. */
  reason: UpdateReason | 'TIMEOUT';
}

/**
 * What a stream (GET /client/v1/updates/stream) tells the program: `ready` once it listens (with
 * the revision then), `update` each time the revision moves above the last one told or an admin
 * presses "update now".
 */
export type UpdateStreamEvent =
  | { event: 'ready'; revision: number }
  | { event: 'update'; revision: number; updateAvailable: true; reason: UpdateReason };

@Injectable()
export class UpdatesService {
  constructor(
    private readonly tenant: TenantContext,
    private readonly updates: UpdatesRepository,
    private readonly signal: UpdateSignal,
  ) {}

  async revision(containerId: string): Promise<number> {
    const revision = await this.updates.containerRevision(containerId);
    if (revision === null) throw DomainError.notFound('Container', containerId);
    return revision;
  }

  /**
   * "Update now" (a group admin or the vendor): raises the container's revision (persisted), so
   * every channel says updateAvailable until the program fetched again, whether it was listening
   * or not, and wakes the container's waiting programs at once, on every replica. `groupId`
   * scopes a group admin to their group's containers.
   */
  async requestUpdate(
    containerId: string,
    scope: { groupId?: string } = {},
  ): Promise<{ containerId: string; revision: number }> {
    if (!(await this.updates.raiseRevision(containerId, scope.groupId)))
      throw DomainError.notFound('Container', containerId);
    await this.signal.announce({ vendorId: this.tenant.vendorId, containerId, reason: 'UPDATE_REQUESTED' });
    return { containerId, revision: await this.revision(containerId) };
  }

  /** Answers when the container's revision differs from `knownRevision`, an update is requested, or after `waitSeconds`. */
  async waitForUpdate(
    vendorId: string,
    containerId: string,
    knownRevision: number,
    waitSeconds: number,
    cancelled?: AbortSignal,
  ): Promise<UpdateAnswer> {
    const wakeUps = new WakeUps();
    const stop = await this.signal.listen(vendorId, containerId, (notice) => wakeUps.push(notice.reason));
    const timer = setTimeout(
      () => wakeUps.push('TIMEOUT'),
      Math.max(0, Math.min(waitSeconds, MAX_WAIT_SECONDS)) * 1000,
    );
    const onCancel = () => wakeUps.push('TIMEOUT');
    cancelled?.addEventListener('abort', onCancel);
    try {
      let revision = await this.revision(containerId);
      while (!isUpdateAvailable(knownRevision, revision)) {
        const reason = await wakeUps.next();
        if (reason === 'TIMEOUT') return { revision, updateAvailable: false, reason };
        revision = await this.revision(containerId);
        // "Update now": fetch even if the revision did not move (e.g. the program lost its file).
        if (reason === 'UPDATE_REQUESTED') return { revision, updateAvailable: true, reason };
      }
      return { revision, updateAvailable: true, reason: 'LICENSE_CHANGED' };
    } finally {
      clearTimeout(timer);
      cancelled?.removeEventListener('abort', onCancel);
      stop();
    }
  }

  /**
   * The stream form of `waitForUpdate`: listens (Redis wake-ups) before it reads the revision, then
   * emits `ready`, then an `update` at once if the revision differs from `knownRevision` and after
   * each later change or "update now", until unsubscribed (the client hung up), which drops the
   * listener. Runs as `vendorId` whatever context subscribes. A container that disappears ends
   * the stream with NOT_FOUND.
   */
  watch(vendorId: string, containerId: string, knownRevision: number): Observable<UpdateStreamEvent> {
    return new Observable<UpdateStreamEvent>((subscriber) => {
      const wakeUps = new WakeUps();
      const emit = (event: UpdateStreamEvent) => {
        if (!subscriber.closed) subscriber.next(event);
      };
      this.tenant
        .run(vendorId, async () => {
          const stop = await this.signal.listen(vendorId, containerId, (notice) => wakeUps.push(notice.reason));
          try {
            if (subscriber.closed) return;
            let known = knownRevision;
            let revision = await this.revision(containerId);
            emit({ event: 'ready', revision });
            let reason: WakeReason = 'LICENSE_CHANGED';
            for (;;) {
              if (reason === 'UPDATE_REQUESTED' || isUpdateAvailable(known, revision)) {
                emit({
                  event: 'update',
                  revision,
                  updateAvailable: true,
                  reason: reason === 'UPDATE_REQUESTED' ? reason : 'LICENSE_CHANGED',
                });
                known = revision;
              }
              // 'TIMEOUT' here means the subscriber is gone (pushed by the teardown below).
              reason = await wakeUps.next();
              if (reason === 'TIMEOUT' || subscriber.closed) return;
              revision = await this.revision(containerId);
            }
          } finally {
            stop();
          }
        })
        .catch((error: unknown) => {
          if (!subscriber.closed) subscriber.error(error);
        });
      return () => wakeUps.push('TIMEOUT');
    });
  }
}

type WakeReason = UpdateReason | 'TIMEOUT';
const STRENGTH: Record<WakeReason, number> = { SEAT_QUEUE: 0, LICENSE_CHANGED: 0, UPDATE_REQUESTED: 1, TIMEOUT: 2 };

/** Wake-ups not yet taken, collapsed to the strongest (several notices while reading count once). */
class WakeUps {
  private pending: WakeReason | null = null;
  private resume: (() => void) | null = null;

  push(reason: WakeReason): void {
    if (this.pending === null || STRENGTH[reason] > STRENGTH[this.pending]) this.pending = reason;
    const resume = this.resume;
    this.resume = null;
    resume?.();
  }

  async next(): Promise<WakeReason> {
    while (this.pending === null) await new Promise<void>((resolve) => (this.resume = resolve));
    const reason = this.pending;
    this.pending = null;
    return reason;
  }
}
