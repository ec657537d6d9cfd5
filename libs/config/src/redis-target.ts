// Where the apps find Redis: one server (`redis://`, `rediss://`) or a Redis Cluster
// (`redis+cluster://`, `rediss+cluster://`, or REDIS_CLUSTER_NODES). docs/scaling.md, "Redis Cluster".

export interface RedisNode {
  host: string;
  port: number;
}

export type RedisTarget =
  | { kind: 'single'; url: string }
  | { kind: 'cluster'; nodes: RedisNode[]; username?: string; password?: string; tls: boolean };

const NODE = /^([A-Za-z0-9._-]+):(\d{1,5})$/;
const CLUSTER_URL = /^(rediss?)\+cluster:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?#@]+)\/?$/;

/** `host:port,host:port`: the startup nodes of a cluster (null: malformed). */
export function parseRedisNodes(list: string): RedisNode[] | null {
  const nodes: RedisNode[] = [];
  for (const item of list.split(',')) {
    const match = NODE.exec(item.trim());
    if (!match || Number(match[2]) < 1 || Number(match[2]) > 65535) return null;
    nodes.push({ host: match[1], port: Number(match[2]) });
  }
  return nodes;
}

/** REDIS_URL as a target (null: neither a redis(s):// URL nor a cluster URL). */
export function parseRedisTarget(url: string): RedisTarget | null {
  const cluster = CLUSTER_URL.exec(url);
  if (cluster) {
    const nodes = parseRedisNodes(cluster[4]);
    if (!nodes) return null;
    return {
      kind: 'cluster',
      nodes,
      ...(cluster[2] ? { username: decodeURIComponent(cluster[2]) } : {}),
      ...(cluster[3] ? { password: decodeURIComponent(cluster[3]) } : {}),
      tls: cluster[1] === 'rediss',
    };
  }
  if (!/^rediss?:\/\//.test(url)) return null;
  try {
    new URL(url);
  } catch {
    return null;
  }
  return { kind: 'single', url };
}

/** The target of a REDIS_URL that loadConfig accepted. */
export function redisTarget(url: string): RedisTarget {
  const target = parseRedisTarget(url);
  if (!target) throw new Error('REDIS_URL is not a redis://, rediss:// or redis+cluster:// URL');
  return target;
}

/**
 * The hash tag of a key (Redis Cluster spec: the text between the first `{` and the next `}`, if
 * not empty), or null. Keys with the same tag are in the same slot.
 */
export function hashTagOf(key: string): string | null {
  const open = key.indexOf('{');
  if (open < 0) return null;
  const close = key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : null;
}
