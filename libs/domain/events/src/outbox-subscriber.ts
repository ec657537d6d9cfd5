import { DiscoveryService } from '@nestjs/core';
import type { DomainEventView } from './domain-event.types';

/**
 * An in-process consumer of domain events (e.g. `user.removed` → end the user's leases). The
 * worker's outbox relay calls `handle` for every event whose type it `handles`, before it marks the
 * event published; if `handle` throws, the event stays unpublished and is offered again on the
 * next run (about a second later). Delivery is at least once: `handle` must be idempotent (a
 * conditional update or a unique key), because a crash after it ran but before the event was
 * marked published runs it again. It runs outside the relay's transaction, in its own.
 *
 * Register a subscriber by marking a provider of a module the worker imports:
 *
 * ```ts
 * @OutboxSubscription()
 * @Injectable()
 * export class EndLeasesOfRemovedUser implements OutboxSubscriber { … }
 * ```
 */
export interface OutboxSubscriber {
  handles(type: string): boolean;
  handle(event: DomainEventView): Promise<void>;
}

/** Marks a Nest provider as an outbox subscriber; the relay finds every one with DiscoveryService. */
export const OutboxSubscription = DiscoveryService.createDecorator<void>();
