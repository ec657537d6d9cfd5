import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Injectable, Logger, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService } from '@nestjs/core';
import { ConnectionOptions, Queue } from 'bullmq';
import { ConfigService, hashTagOf, redisTarget } from '@leasehold/config';
import { createRedisClient, RedisClient, redisErrorLogger } from '@leasehold/redis';
import { DEFAULT_JOB_OPTIONS, QueueName } from './queues';

const listening = new WeakSet<Queue>();

/**
 * Every BullMQ queue of the application (this module's and those the domain modules register)
 * gets an 'error' listener before anything runs: its connection errors while Redis is away are
 * logged, never an unhandled 'error' event.
 */
@Injectable()
class QueueErrorListeners implements OnModuleInit {
  private readonly logger = new Logger('Queues');

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as unknown;
      if (!(instance instanceof Queue) || listening.has(instance)) continue;
      listening.add(instance);
      instance.on('error', redisErrorLogger(this.logger, `queue ${instance.name}`));
    }
  }
}

/** Parses a redis:// or rediss:// URL (one Redis) into BullMQ's connection options. */
export function bullConnection(redisUrl: string) {
  const url = new URL(redisUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(url.pathname.length > 1 ? { db: Number(url.pathname.slice(1)) } : {}),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/**
 * BullMQ's key prefix for one queue. BullMQ's Lua scripts touch several keys of a queue at once, so
 * on a Redis Cluster every key of a queue must hash to one slot: the prefix carries a hash tag
 * (BullMQ's docs, "Redis Cluster"). REDIS_PREFIX's own tag if it has one (`{leasehold}:bull`: all
 * queues in that slot), else one tag per queue (`leasehold:bull:{renewals}`), which spreads the
 * queues over the masters. On one Redis: `<REDIS_PREFIX>:bull`, as always.
 */
export function queuePrefix(config: ConfigService, queue: string): string {
  const prefix = config.get('REDIS_PREFIX');
  if (redisTarget(config.get('REDIS_URL')).kind === 'single' || hashTagOf(prefix) !== null) return `${prefix}:bull`;
  return `${prefix}:bull:{${queue}}`;
}

/**
 * Registers queues (for @InjectQueue and @Processor) with their prefix (`queuePrefix`); every module
 * that registers a queue uses this, so producers and the worker agree on the queue's keys.
 */
export function registerQueues(...queues: QueueName[]): DynamicModule {
  return BullModule.registerQueueAsync(
    ...queues.map((name) => ({
      name,
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({ prefix: queuePrefix(config, name) }),
    })),
  );
}

/**
 * BullMQ's connection. One Redis: connection options (each queue and worker opens its own
 * connections). A Redis Cluster: BullMQ needs an ioredis `Cluster` instance; the queues share this
 * one (workers duplicate it for their own connections, and close those), and it is closed here, at
 * the end of shutdown.
 */
@Injectable()
export class QueueConnection implements OnApplicationShutdown {
  private cluster: RedisClient | undefined;

  constructor(private readonly config: ConfigService) {}

  options(connectionOptions: { enableOfflineQueue?: boolean }): ConnectionOptions {
    const target = redisTarget(this.config.get('REDIS_URL'));
    if (target.kind === 'single') return { ...bullConnection(target.url), ...connectionOptions };
    this.cluster ??= createRedisClient(target, { ...connectionOptions, maxRetriesPerRequest: null });
    return this.cluster;
  }

  async onApplicationShutdown(): Promise<void> {
    const cluster = this.cluster;
    if (cluster && cluster.status !== 'end') await cluster.quit().catch(() => cluster.disconnect());
  }
}

/** BullMQ on the configured Redis, with the installation's prefix and the shared job defaults. */
@Module({})
export class QueuesModule {
  /** Queues for the worker, which both produces and processes (BullMQ's default connection). */
  static register(...queues: QueueName[]): DynamicModule {
    return QueuesModule.build(queues, {});
  }

  /**
   * Queues an API only adds jobs to. Their connection has no offline queue: while Redis is away,
   * `add` fails at once instead of waiting (in memory, for as long as the outage lasts) for Redis
   * to return, so a request that only enqueues work already stored in Postgres answers at once
   * and leaves the job to the worker's sweep (docs/operations.md).
   */
  static forProducers(...queues: QueueName[]): DynamicModule {
    return QueuesModule.build(queues, { enableOfflineQueue: false });
  }

  private static build(queues: QueueName[], connectionOptions: { enableOfflineQueue?: boolean }): DynamicModule {
    return {
      module: QueuesModule,
      imports: [
        DiscoveryModule,
        BullModule.forRootAsync({
          inject: [ConfigService, QueueConnection],
          extraProviders: [QueueConnection],
          useFactory: (config: ConfigService, connection: QueueConnection) => ({
            connection: connection.options(connectionOptions),
            prefix: `${config.get('REDIS_PREFIX')}:bull`,
            defaultJobOptions: DEFAULT_JOB_OPTIONS,
          }),
        }),
        registerQueues(...queues),
      ],
      providers: [QueueErrorListeners],
      exports: [BullModule],
    };
  }
}
