import Redis, { Cluster } from 'ioredis';
import type { RedisTarget } from '@leasehold/config';

/** A connection to the configured Redis: one server, or a whole Redis Cluster. */
export type RedisClient = Redis | Cluster;

export interface RedisClientOptions {
  lazyConnect?: boolean;
  /** null: retry a command until it is answered (BullMQ's blocking connections need this). */
  maxRetriesPerRequest?: number | null;
  enableOfflineQueue?: boolean;
  /** Commands issued in the same tick go out in one write (ioredis auto-pipelining; on a cluster, per node). */
  enableAutoPipelining?: boolean;
}

/**
 * An ioredis client for the target: `Redis` for one server, `Cluster` for a Redis Cluster (it
 * learns the slot map from any startup node and sends each command to the master of its key's
 * slot, following MOVED/ASK while slots move). Either way every command touches keys of one slot:
 * docs/scaling.md, "Redis Cluster".
 */
export function createRedisClient(target: RedisTarget, options: RedisClientOptions): RedisClient {
  if (target.kind === 'single') return new Redis(target.url, options);
  const { enableAutoPipelining, enableOfflineQueue, lazyConnect, maxRetriesPerRequest } = options;
  return new Cluster(target.nodes, {
    ...(enableAutoPipelining === undefined ? {} : { enableAutoPipelining }),
    ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
    ...(lazyConnect === undefined ? {} : { lazyConnect }),
    redisOptions: {
      ...(maxRetriesPerRequest === undefined ? {} : { maxRetriesPerRequest }),
      ...(target.username ? { username: target.username } : {}),
      ...(target.password ? { password: target.password } : {}),
      ...(target.tls ? { tls: {} } : {}),
    },
  });
}
