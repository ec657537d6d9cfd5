import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { OutboxSubscriber, OutboxSubscription } from '@leasehold/domain-events';

/** Every provider marked `@OutboxSubscription()` in the worker's modules, found once at start. */
@Injectable()
export class OutboxSubscribers implements OnApplicationBootstrap {
  private subscribers: OutboxSubscriber[] = [];

  constructor(private readonly discovery: DiscoveryService) {}

  onApplicationBootstrap(): void {
    this.subscribers = this.discovery
      .getProviders({ metadataKey: OutboxSubscription.KEY })
      .map((wrapper) => wrapper.instance as OutboxSubscriber | undefined)
      .filter((instance): instance is OutboxSubscriber => Boolean(instance && typeof instance.handle === 'function'));
  }

  for(type: string): OutboxSubscriber[] {
    return this.subscribers.filter((s) => s.handles(type));
  }

  get all(): readonly OutboxSubscriber[] {
    return this.subscribers;
  }
}
