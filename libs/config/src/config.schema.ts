import { z } from 'zod';
import { parseRedisNodes, parseRedisTarget } from './redis-target';

// Development defaults let `npm start` work on a fresh clone; in production every secret must be
// given explicitly (see `loadConfig`).
const DEV_DEFAULTS = {
  DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/leasehold',
  REDIS_URL: 'redis://127.0.0.1:6379',
  OPERATOR_TOKEN: 'dev-operator-token-0123456789abcdef',
  JWT_SECRET: 'dev-jwt-secret-0123456789abcdef0123456789',
  // 32 bytes, base64: encrypts vendors' signing keys at rest.
  PLATFORM_KEY: 'ZGV2LXBsYXRmb3JtLWtleS0wMTIzNDU2Nzg5YWJjZGU=',
} as const;

export const SECRET_VARIABLES = ['OPERATOR_TOKEN', 'JWT_SECRET', 'PLATFORM_KEY'] as const;

const postgresUrl = z
  .string()
  .url()
  .refine((v) => /^postgres(ql)?:\/\//.test(v), 'must be a postgresql:// URL');
const redisUrl = z
  .string()
  .refine(
    (v) => parseRedisTarget(v) !== null,
    'must be a redis://, rediss:// or redis+cluster://host:port[,host:port…] URL',
  );
const port = z.coerce.number().int().min(0).max(65535);

export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HOST: z.string().min(1).default('127.0.0.1'),
  LICENSE_CENTRAL_PORT: port.default(3000),
  /**
   * license-central processes on this host sharing its port (`node:cluster`): one per core the
   * host gives it. Each is a replica like any other (own pools, same database and Redis).
   */
  LICENSE_CENTRAL_PROCESSES: z.coerce.number().int().min(1).max(64).default(1),
  PORTAL_PORT: port.default(3001),
  WORKER_PORT: port.default(3002),
  /** Readiness (/health/ready): how long one Postgres or Redis probe may take before it counts as failed. */
  HEALTH_PROBE_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  /** Readiness stays up this long after a dependency's last good probe, while its probes time out or fail. */
  HEALTH_READY_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(30_000),
  DATABASE_URL: postgresUrl,
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /**
   * What sits between the apps and Postgres. `none`: Postgres itself (or a session-mode pooler); the
   * hot path runs named prepared statements. `transaction`: a transaction-mode pooler (PgBouncer
   * < 1.21, a cloud pooler) that may hand each transaction to a different server connection, so no
   * statement is prepared by name (a named statement would be missing, or already exist, on the
   * next server connection). See docs/scaling.md.
   */
  DATABASE_POOLER: z.enum(['none', 'transaction']).default('none'),
  /**
   * One Redis (`redis://`, `rediss://`) or a Redis Cluster: `redis+cluster://[user:password@]host:port[,host:port…]`
   * (`rediss+cluster://` with TLS). See docs/scaling.md, "Redis Cluster".
   */
  REDIS_URL: redisUrl,
  /**
   * Startup nodes of a Redis Cluster, `host:port,host:port,…`: shorthand for
   * `REDIS_URL=redis+cluster://host:port,…` (use that form for a password or TLS); not with REDIS_URL.
   */
  REDIS_CLUSTER_NODES: z
    .string()
    .refine((v) => parseRedisNodes(v) !== null, 'must be host:port[,host:port…]')
    .optional(),
  /**
   * Prefix of every Redis key and BullMQ queue, so several installations (or test runs) can share one
   * Redis. It may hold one Redis Cluster hash tag (`{leasehold}`): then every key is in that one slot.
   */
  REDIS_PREFIX: z
    .string()
    .regex(
      /^[A-Za-z0-9:_-]*(\{[A-Za-z0-9:_-]+\})?[A-Za-z0-9:_-]*$/,
      'letters, digits, ":", "_", "-" and at most one {hash tag} only',
    )
    .refine((v) => v.length > 0, 'must not be empty')
    .default('leasehold'),
  OPERATOR_TOKEN: z.string().min(24, 'must be at least 24 characters'),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters'),
  PLATFORM_KEY: z
    .string()
    .refine(
      (v) => /^[A-Za-z0-9+/]{43}=$/.test(v) && Buffer.from(v, 'base64').length === 32,
      'must be 32 bytes, base64-encoded',
    ),
  PUBLIC_BASE_URL: z.string().url().optional(),
  /** argon2id memory cost of portal password hashes, in KiB. */
  PASSWORD_HASH_MEMORY_KIB: z.coerce.number().int().min(1024).max(1_048_576).default(65_536),
  /** Portal access tokens (JWT) live this long; refresh tokens rotate and live PORTAL_REFRESH_TOKEN_TTL_DAYS. */
  PORTAL_ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(10).max(86_400).default(900),
  PORTAL_REFRESH_TOKEN_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  /**
   * A used portal refresh token presented again within this many seconds of its use, while the
   * token that replaced it was never used, is a retry whose answer was lost: it gets a new pair in
   * place of the unused one instead of ending the login as reuse. 0 turns the grace off.
   */
  PORTAL_REFRESH_REUSE_GRACE_SECONDS: z.coerce.number().int().min(0).max(60).default(30),
  /**
   * Failed portal logins allowed per vendor+email (15 minutes) and per vendor+client address (1 hour)
   * before a temporary block. Each attempt is counted before the password is checked.
   */
  LOGIN_MAX_FAILURES_PER_ACCOUNT: z.coerce.number().int().min(1).default(5),
  LOGIN_MAX_FAILURES_PER_IP: z.coerce.number().int().min(1).default(100),
  /** Password-reset requests allowed per vendor+email and per client address, per hour. */
  PASSWORD_RESET_MAX_PER_ACCOUNT: z.coerce.number().int().min(1).default(3),
  PASSWORD_RESET_MAX_PER_IP: z.coerce.number().int().min(1).default(30),
  /**
   * How many reverse proxies (load balancers) in front of the apps to trust for `X-Forwarded-For`
   * (Express `trust proxy` hop count). 0: the client address is the TCP peer; the header is ignored.
   */
  TRUST_PROXY: z.coerce.number().int().min(0).max(10).default(0),
  /**
   * Request rate limits of license-central, per minute (fixed one-minute windows in Redis), answered
   * `429 RATE_LIMITED` with `Retry-After`. Per vendor API key and per container credential (a
   * vendor's plan may replace these two: vendors.apiRequestsPerMinute / deviceRequestsPerMinute),
   * and per client address on each API. See docs/licensing.md, "Rate limits".
   */
  RATE_LIMIT_VENDOR_API_PER_KEY: z.coerce.number().int().min(1).default(600),
  RATE_LIMIT_VENDOR_API_PER_IP: z.coerce.number().int().min(1).default(1200),
  RATE_LIMIT_DEVICE_PER_CREDENTIAL: z.coerce.number().int().min(1).default(120),
  RATE_LIMIT_DEVICE_PER_IP: z.coerce.number().int().min(1).default(3000),
  /** Concurrent update streams (SSE and long-poll) per container (a vendor's plan may replace it). */
  RATE_LIMIT_UPDATE_STREAMS_PER_CONTAINER: z.coerce.number().int().min(1).default(100),
  /**
   * Days a published domain event is kept (the outbox; with it the log of its webhook deliveries)
   * before the worker deletes it. Events not yet published or with a delivery still pending stay.
   */
  DOMAIN_EVENT_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /** Base URL of the customer portal front end, used in invitation and reset links. */
  PORTAL_PUBLIC_URL: z.string().url().default('http://localhost:3001'),
  /** The built customer portal web app (`nx build portal-web`) the portal serves at `/`; relative to the working directory. */
  PORTAL_WEB_DIR: z.string().min(1).default('dist/apps/portal-web'),
});

export type AppConfig = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(
      'Invalid configuration:\n' +
        problems.map((p) => `  - ${p.variable}: ${p.message}`).join('\n') +
        '\nSet these environment variables (see the configuration table in README.md).',
    );
    this.name = 'ConfigError';
  }
}

/**
 * Parses and validates the environment once. Throws ConfigError naming every bad variable.
 * Outside production, missing connection strings and secrets fall back to local defaults.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const nodeEnv = env['NODE_ENV'] ?? 'development';
  const input: Record<string, string | undefined> = { ...env };
  // Empty strings count as "not set".
  for (const [k, v] of Object.entries(input)) if (v === '') delete input[k];
  // REDIS_CLUSTER_NODES is shorthand for a cluster REDIS_URL; both at once would be ambiguous.
  const clusterNodes = input['REDIS_CLUSTER_NODES'];
  if (clusterNodes !== undefined && parseRedisNodes(clusterNodes)) {
    if (input['REDIS_URL'] !== undefined) {
      throw new ConfigError([
        { variable: 'REDIS_CLUSTER_NODES', message: 'set either REDIS_CLUSTER_NODES or REDIS_URL, not both' },
      ]);
    }
    input['REDIS_URL'] = `redis+cluster://${clusterNodes}`;
  }
  if (nodeEnv !== 'production') {
    for (const [k, v] of Object.entries(DEV_DEFAULTS)) input[k] ??= v;
  }
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({
        variable: String(issue.path[0] ?? '(root)'),
        message:
          issue.code === 'invalid_type' && input[String(issue.path[0])] === undefined ? 'is required' : issue.message,
      })),
    );
  }
  if (parsed.data.NODE_ENV === 'production') {
    const reused = SECRET_VARIABLES.filter((k) => parsed.data[k] === DEV_DEFAULTS[k]);
    if (reused.length) {
      throw new ConfigError(
        reused.map((variable) => ({ variable, message: 'must not be the development default in production' })),
      );
    }
  }
  return parsed.data;
}
