import { Global, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { ConfigService } from '@leasehold/config';
import { redisErrorLogger } from './connection-errors';

/**
 * The application's Redis connection (rate limits, caches, pub/sub). BullMQ opens its own
 * connections from the same URL (see @leasehold/queues). Losing Redis loses no license data.
 */
@Injectable()
export class RedisService implements OnApplicationShutdown {
  readonly client: Redis;
  private readonly prefix: string;

  constructor(config: ConfigService) {
    this.prefix = config.get('REDIS_PREFIX');
    this.client = new Redis(config.get('REDIS_URL'), {
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

  /** A namespaced key: `<REDIS_PREFIX>:<parts...>`. */
  key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }

  /** A second connection for blocking or subscriber use. */
  duplicate(): Redis {
    return this.client.duplicate();
  }

  /** Last, like the database: running jobs may still need Redis while the worker drains. */
  async onApplicationShutdown(): Promise<void> {
    if (this.client.status !== 'end') await this.client.quit().catch(() => this.client.disconnect());
  }
}

@Global()
@Module({ providers: [RedisService], exports: [RedisService] })
export class RedisModule {}
