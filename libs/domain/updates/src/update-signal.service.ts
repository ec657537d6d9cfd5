import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { TenantContext } from '@leasehold/db';
import { RedisClient, RedisService } from '@leasehold/redis';

// Wake-ups for programs waiting on GET /client/v1/updates. One Redis channel carries every
// notice; each API process holds one subscriber connection and hands a notice to the requests of
// that process waiting on the container. A notice carries no license data: a woken request reads
// the revision from Postgres, so a lost, late or repeated notice never gives a wrong answer (a
// lost one only delays it to the waiter's timeout).
// On a Redis Cluster the channel works the same: a PUBLISH on any node reaches the subscribers of
// every node (over the cluster bus); the subscriber connection is to one node of the cluster.

/** SEAT_QUEUE: a wait-queue ticket of the container changed (libs/domain/seats); revision waiters ignore it. */
export type UpdateReason = 'LICENSE_CHANGED' | 'UPDATE_REQUESTED' | 'SEAT_QUEUE';

export interface UpdateNotice {
  vendorId: string;
  containerId: string;
  reason: UpdateReason;
}

type Listener = (notice: UpdateNotice) => void;

@Injectable()
export class UpdateSignal implements OnModuleDestroy {
  private readonly logger = new Logger(UpdateSignal.name);
  private readonly listeners = new Map<string, Set<Listener>>();
  private subscriber: RedisClient | null = null;
  private subscribed: Promise<void> | null = null;

  constructor(
    private readonly redis: RedisService,
    private readonly tenant: TenantContext,
  ) {}

  private get channel(): string {
    return this.redis.key('updates');
  }

  /** Publishes a wake-up for the container's waiting programs (on every replica). */
  async announce(notice: UpdateNotice): Promise<void> {
    await this.redis.client.publish(this.channel, JSON.stringify(notice));
  }

  /**
   * After commit, without making the caller wait or fail: Redis being down loses only the
   * wake-up (waiters answer at their timeout, devices learn the revision on their next validate).
   */
  announceInBackground(notice: UpdateNotice): void {
    this.announce(notice).catch((error: Error) =>
      this.logger.warn({ ...notice, error: error.message }, 'update notice not published'),
    );
  }

  /** A license of the container changed (committed): the current vendor's waiting programs fetch again. */
  announceLicenseChange(containerId: string): void {
    this.announceInBackground({ vendorId: this.tenant.vendorId, containerId, reason: 'LICENSE_CHANGED' });
  }

  /**
   * Calls `listener` for each notice about the container until the returned function is called.
   * Resolves once the subscription is live, so a change committed after this resolves is heard.
   */
  async listen(vendorId: string, containerId: string, listener: Listener): Promise<() => void> {
    const key = `${vendorId}:${containerId}`;
    let set = this.listeners.get(key);
    if (!set) this.listeners.set(key, (set = new Set()));
    set.add(listener);
    const stop = () => {
      set.delete(listener);
      if (!set.size && this.listeners.get(key) === set) this.listeners.delete(key);
    };
    try {
      await this.ensureSubscribed();
    } catch (error) {
      stop();
      throw error;
    }
    return stop;
  }

  /** How many waiters of this process listen for the container (ops and tests: a closed stream leaves none). */
  listenerCount(vendorId: string, containerId: string): number {
    return this.listeners.get(`${vendorId}:${containerId}`)?.size ?? 0;
  }

  private ensureSubscribed(): Promise<void> {
    if (!this.subscribed) {
      const subscriber = this.redis.duplicate();
      this.subscriber = subscriber;
      subscriber.on('message', (channel: string, message: string) => {
        if (channel === this.channel) this.dispatch(message);
      });
      subscriber.on('error', (error: Error) =>
        this.logger.warn({ error: error.message }, 'update subscriber connection error'),
      );
      this.subscribed = subscriber.subscribe(this.channel).then(
        () => undefined,
        (error: Error) => {
          // Try again on the next listen rather than keeping a broken subscription.
          this.subscribed = null;
          this.subscriber = null;
          subscriber.disconnect();
          throw error;
        },
      );
    }
    return this.subscribed;
  }

  private dispatch(message: string): void {
    let notice: UpdateNotice;
    try {
      notice = JSON.parse(message) as UpdateNotice;
    } catch {
      return;
    }
    const set = this.listeners.get(`${notice.vendorId}:${notice.containerId}`);
    if (!set) return;
    for (const listener of [...set]) listener(notice);
  }

  async onModuleDestroy(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = null;
    this.subscribed = null;
    if (subscriber && subscriber.status !== 'end') await subscriber.quit().catch(() => subscriber.disconnect());
  }
}
