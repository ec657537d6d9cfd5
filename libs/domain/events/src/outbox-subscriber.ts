import { applyDecorators, Injectable } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { DomainEventType, DomainEventView } from './domain-event.types';

/**
 * The one shape of a reaction to a domain event: a class in the domain that owns the reaction,
 * marked with the event types it reacts to, e.g.
 *
 * ```ts
 * @OutboxSubscriber('user.removed')
 * export class RevokeAccessOfRemovedUser implements OutboxHandler { … }
 * ```
 *
 * The domain's module provides it; the worker imports that module and its outbox relay finds every
 * marked provider (DiscoveryService) and calls `handle` for each committed event of those types,
 * before it marks the event published. If `handle` throws, the event stays unpublished and is
 * offered again on the next run (about a second later). Delivery is at least once: `handle` must
 * be idempotent (a conditional update or a unique key), because a crash after it ran but before
 * the event was marked published runs it again. It runs outside the relay's transaction, in its
 * own, and has no tenant context: it enters `event.vendorId` itself. Other apps that import the
 * module hold the provider too, but nothing there calls it.
 */
export interface OutboxHandler {
  handle(event: DomainEventView): Promise<void>;
}

/** The metadata the relay reads: the event types a subscriber reacts to. */
export const OutboxSubscription = DiscoveryService.createDecorator<readonly DomainEventType[]>();

/** Marks an injectable class as the reaction to these event types (see OutboxHandler). */
export function OutboxSubscriber(...types: [DomainEventType, ...DomainEventType[]]): ClassDecorator {
  return applyDecorators(Injectable(), OutboxSubscription(types));
}
