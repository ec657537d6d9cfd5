import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { DomainEventType, OutboxHandler, OutboxSubscription } from '@leasehold/domain-events';

/** A registered reaction: the handler and the event types it declared with `@OutboxSubscriber`. */
export interface RegisteredSubscriber {
  handler: OutboxHandler;
  types: readonly DomainEventType[];
}

/** Every provider marked `@OutboxSubscriber(…)` in the worker's modules, found once at start. */
@Injectable()
export class OutboxSubscribers implements OnApplicationBootstrap {
  private subscribers: RegisteredSubscriber[] = [];

  constructor(private readonly discovery: DiscoveryService) {}

  onApplicationBootstrap(): void {
    this.subscribers = this.discovery.getProviders({ metadataKey: OutboxSubscription.KEY }).flatMap((wrapper) => {
      const handler = wrapper.instance as OutboxHandler | undefined;
      const types = this.discovery.getMetadataByDecorator(OutboxSubscription, wrapper);
      if (!handler || typeof handler.handle !== 'function' || !types?.length) return [];
      return [{ handler, types }];
    });
  }

  /** The handlers of this event type. */
  for(type: string): OutboxHandler[] {
    return this.subscribers.filter((s) => s.types.includes(type as DomainEventType)).map((s) => s.handler);
  }

  get all(): readonly RegisteredSubscriber[] {
    return this.subscribers;
  }
}
