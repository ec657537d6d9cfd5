import { Global, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { Cluster } from 'ioredis';
import { ConfigService, redisTarget } from '@leasehold/config';
import { redisErrorLogger } from './connection-errors';
import { createRedisClient, RedisClient } from './redis-client';

/**
 * The application's Redis connection (rate limits, caches, pub/sub): one server or a Redis
 * Cluster (REDIS_URL). BullMQ opens its own connections to the same Redis (see @leasehold/queues).
 * Losing Redis loses no license data.
 */
@Injectable()
export class RedisService implements OnApplicationShutdown {
  readonly client: RedisClient;
  private readonly prefix: string;

  constructor(config: ConfigService) {
    this.prefix = config.get('REDIS_PREFIX');
    this.client = createRedisClient(redisTarget(config.get('REDIS_URL')), {
      lazyConnect: true,
      maxRetriesPerRequest: 2,
      enableOfflineQueue: true,
      // Commands issued in the same tick go out in one write (the request rate limits take two
      // counters per request: one round trip, one syscall each way).
      enableAutoPipelining: true,
    });
    // Without a listener ioredis reports every failed reconnect as an unhandled error event.
    this.client.on('error', redisErrorLogger(new Logger(RedisService.name), 'app client'));
  }

  /**
   * A namespaced key: `<REDIS_PREFIX>:<parts...>`. On a cluster each key hashes on its own (unless
   * REDIS_PREFIX holds a hash tag), so a command or script must touch one such key only.
   */
  key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }

  /** A second connection for blocking or subscriber use. */
  duplicate(): RedisClient {
    return this.client instanceof Cluster ? this.client.duplicate() : this.client.duplicate();
  }

  /** Last, like the database: running jobs may still need Redis while the worker drains. */
  async onApplicationShutdown(): Promise<void> {
    if (this.client.status !== 'end') await this.client.quit().catch(() => this.client.disconnect());
  }
}

@Global()
@Module({ providers: [RedisService], exports: [RedisService] })
export class RedisModule {}
