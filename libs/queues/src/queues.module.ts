import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Injectable, Logger, Module, OnModuleInit } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService } from '@nestjs/core';
import { Queue } from 'bullmq';
import { ConfigService } from '@leasehold/config';
import { redisErrorLogger } from '@leasehold/redis';
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

/** Parses REDIS_URL into BullMQ's connection options. */
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
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({
            connection: { ...bullConnection(config.get('REDIS_URL')), ...connectionOptions },
            prefix: `${config.get('REDIS_PREFIX')}:bull`,
            defaultJobOptions: DEFAULT_JOB_OPTIONS,
          }),
        }),
        BullModule.registerQueue(...queues.map((name) => ({ name }))),
      ],
      providers: [QueueErrorListeners],
      exports: [BullModule],
    };
  }
}
