import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { ConfigError, loadConfig, SECRET_VARIABLES } from './config.schema';
import { hashTagOf, redisTarget } from './redis-target';

/** A complete, valid production environment; each test breaks one thing. */
function productionEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    NODE_ENV: 'production',
    DATABASE_URL: 'postgresql://leasehold:secret@db.internal:5432/leasehold',
    REDIS_URL: 'redis://cache.internal:6379',
    OPERATOR_TOKEN: 'prod-operator-token-7f3a9c2e4b1d8f6a',
    JWT_SECRET: 'prod-jwt-secret-4e8b2c7a9d1f3e5b7c9a2d4f6e8b',
    PLATFORM_KEY: randomBytes(32).toString('base64'),
    ...overrides,
  };
}

/** The problems loadConfig reports, as `{ variable: message }`. */
function problemsOf(env: Record<string, string | undefined>): Record<string, string> {
  try {
    loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return Object.fromEntries(error.problems.map((p) => [p.variable, p.message]));
  }
  throw new Error('expected loadConfig to refuse this environment');
}

describe('configuration', () => {
  it('accepts a complete production environment', () => {
    const env = productionEnv({ LICENSE_CENTRAL_PORT: '8080' });
    const config = loadConfig(env);
    expect(config).toMatchObject({
      NODE_ENV: 'production',
      DATABASE_URL: env['DATABASE_URL'],
      REDIS_URL: env['REDIS_URL'],
      LICENSE_CENTRAL_PORT: 8080,
    });
  });

  it.each(['DATABASE_URL', 'REDIS_URL', ...SECRET_VARIABLES])(
    'refuses to start in production without %s, naming it',
    (variable) => {
      const env = productionEnv({ [variable]: undefined });
      expect(problemsOf(env)).toEqual({ [variable]: 'is required' });
      expect(() => loadConfig(env)).toThrow(new RegExp(`${variable}: is required`));
    },
  );

  it('counts an empty string as not set', () => {
    expect(problemsOf(productionEnv({ DATABASE_URL: '', REDIS_URL: '' }))).toEqual({
      DATABASE_URL: 'is required',
      REDIS_URL: 'is required',
    });
  });

  it('names a malformed DATABASE_URL or REDIS_URL', () => {
    expect(Object.keys(problemsOf(productionEnv({ DATABASE_URL: 'not a url' })))).toEqual(['DATABASE_URL']);
    expect(problemsOf(productionEnv({ DATABASE_URL: 'mysql://db.internal/leasehold' }))).toEqual({
      DATABASE_URL: 'must be a postgresql:// URL',
    });
    expect(problemsOf(productionEnv({ REDIS_URL: 'http://cache.internal:6379' }))).toEqual({
      REDIS_URL: 'must be a redis://, rediss:// or redis+cluster://host:port[,host:port…] URL',
    });
    expect(loadConfig(productionEnv({ REDIS_URL: 'rediss://cache.internal:6380' })).REDIS_URL).toBe(
      'rediss://cache.internal:6380',
    );
  });

  describe('a Redis Cluster (docs/scaling.md)', () => {
    it('REDIS_URL=redis+cluster://[user:password@]host:port,… names the startup nodes, credentials and TLS', () => {
      const url = 'rediss+cluster://app:s%40cret@r1.internal:6379,r2.internal:6380,10.0.0.3:6379';
      expect(redisTarget(loadConfig(productionEnv({ REDIS_URL: url })).REDIS_URL)).toEqual({
        kind: 'cluster',
        nodes: [
          { host: 'r1.internal', port: 6379 },
          { host: 'r2.internal', port: 6380 },
          { host: '10.0.0.3', port: 6379 },
        ],
        username: 'app',
        password: 's@cret',
        tls: true,
      });
      expect(redisTarget('redis://cache.internal:6379')).toEqual({
        kind: 'single',
        url: 'redis://cache.internal:6379',
      });
      for (const bad of [
        'redis+cluster://',
        'redis+cluster://r1:6379,',
        'redis+cluster://r1',
        'redis+cluster://r1:70000',
        'redis+sentinel://r1:6379',
      ]) {
        expect(problemsOf(productionEnv({ REDIS_URL: bad }))).toHaveProperty('REDIS_URL');
      }
    });

    it('REDIS_CLUSTER_NODES is shorthand for a cluster REDIS_URL (REDIS_URL then not required), not to be combined with it', () => {
      const config = loadConfig(
        productionEnv({ REDIS_URL: undefined, REDIS_CLUSTER_NODES: 'r1:6379,r2:6379,r3:6379' }),
      );
      expect(config.REDIS_URL).toBe('redis+cluster://r1:6379,r2:6379,r3:6379');
      expect(problemsOf(productionEnv({ REDIS_CLUSTER_NODES: 'r1:6379' }))).toEqual({
        REDIS_CLUSTER_NODES: 'set either REDIS_CLUSTER_NODES or REDIS_URL, not both',
      });
      expect(problemsOf(productionEnv({ REDIS_URL: undefined, REDIS_CLUSTER_NODES: 'r1' }))).toEqual({
        REDIS_URL: 'is required',
        REDIS_CLUSTER_NODES: 'must be host:port[,host:port…]',
      });
    });

    it('REDIS_PREFIX may hold one hash tag, which puts every key in one slot', () => {
      expect(loadConfig(productionEnv({ REDIS_PREFIX: '{leasehold}' })).REDIS_PREFIX).toBe('{leasehold}');
      expect(loadConfig(productionEnv({ REDIS_PREFIX: 'acme:{leasehold}:prod' })).REDIS_PREFIX).toBe(
        'acme:{leasehold}:prod',
      );
      for (const bad of ['{a}{b}', '{}', 'a{b', 'a}b', 'with space'])
        expect(problemsOf(productionEnv({ REDIS_PREFIX: bad }))).toHaveProperty('REDIS_PREFIX');
      expect(hashTagOf('{leasehold}:bull:renewals:wait')).toBe('leasehold');
      expect(hashTagOf('leasehold:bull:{renewals}:wait')).toBe('renewals');
      expect(hashTagOf('leasehold:{}:x{y}')).toBeNull(); // an empty first tag: the whole key is hashed
      expect(hashTagOf('leasehold:rate:device-ip:1.2.3.4')).toBeNull();
    });
  });

  it('reports every bad variable at once', () => {
    const problems = problemsOf(
      productionEnv({ DATABASE_URL: undefined, REDIS_URL: 'nope', JWT_SECRET: 'short', LICENSE_CENTRAL_PORT: '70000' }),
    );
    expect(Object.keys(problems).sort()).toEqual(['DATABASE_URL', 'JWT_SECRET', 'LICENSE_CENTRAL_PORT', 'REDIS_URL']);
  });

  it('DATABASE_POOLER: none by default, transaction behind a transaction-mode pooler, anything else refused by name', () => {
    expect(loadConfig(productionEnv()).DATABASE_POOLER).toBe('none');
    expect(loadConfig(productionEnv({ DATABASE_POOLER: 'transaction' })).DATABASE_POOLER).toBe('transaction');
    expect(Object.keys(problemsOf(productionEnv({ DATABASE_POOLER: 'pgbouncer' })))).toEqual(['DATABASE_POOLER']);
  });

  it('PORTAL_REFRESH_REUSE_GRACE_SECONDS: 30 by default, 0 (off) to 60 whole seconds, anything else refused by name', () => {
    expect(loadConfig(productionEnv()).PORTAL_REFRESH_REUSE_GRACE_SECONDS).toBe(30);
    for (const seconds of [0, 1, 60]) {
      const env = productionEnv({ PORTAL_REFRESH_REUSE_GRACE_SECONDS: String(seconds) });
      expect(loadConfig(env).PORTAL_REFRESH_REUSE_GRACE_SECONDS).toBe(seconds);
    }
    for (const bad of ['-1', '61', '1.5', 'thirty']) {
      const problems = problemsOf(productionEnv({ PORTAL_REFRESH_REUSE_GRACE_SECONDS: bad }));
      expect(Object.keys(problems)).toEqual(['PORTAL_REFRESH_REUSE_GRACE_SECONDS']);
    }
  });

  it('refuses a PLATFORM_KEY that is not 32 bytes', () => {
    for (const key of [randomBytes(16).toString('base64'), randomBytes(33).toString('base64')]) {
      expect(problemsOf(productionEnv({ PLATFORM_KEY: key }))).toEqual({
        PLATFORM_KEY: 'must be 32 bytes, base64-encoded',
      });
    }
  });

  it('falls back to local defaults in development, so a fresh clone starts', () => {
    const config = loadConfig({});
    expect(config.NODE_ENV).toBe('development');
    expect(config.DATABASE_URL).toMatch(/^postgresql:\/\/.*127\.0\.0\.1:5432\//);
    expect(config.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(config).toMatchObject({
      LICENSE_CENTRAL_PORT: 3000,
      PORTAL_PORT: 3001,
      WORKER_PORT: 3002,
      REDIS_PREFIX: 'leasehold',
    });
    for (const secret of SECRET_VARIABLES) expect(config[secret]).toEqual(expect.any(String));
    // An empty string is "not set" here too: the default applies.
    expect(loadConfig({ NODE_ENV: 'development', DATABASE_URL: '' }).DATABASE_URL).toBe(config.DATABASE_URL);
  });

  it('still validates what is given in development', () => {
    expect(problemsOf({ NODE_ENV: 'development', DATABASE_URL: 'mysql://localhost/x' })).toEqual({
      DATABASE_URL: 'must be a postgresql:// URL',
    });
  });

  it.each(SECRET_VARIABLES)('refuses the development default of %s in production', (secret) => {
    const developmentValue = loadConfig({})[secret];
    expect(problemsOf(productionEnv({ [secret]: developmentValue }))).toEqual({
      [secret]: 'must not be the development default in production',
    });
  });
});

describe('an app started with a bad configuration', () => {
  it('exits with a non-zero code and a message naming the variable', async () => {
    const root = path.join(__dirname, '../../..');
    const env: NodeJS.ProcessEnv = { ...process.env, ...productionEnv(), LOG_LEVEL: 'silent' };
    delete env['DATABASE_URL'];
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        ['-r', '@swc-node/register', 'apps/license-central/src/main.ts'],
        { cwd: root, env, timeout: 60_000 },
        (_error, _stdout, stderr) => resolve({ code: child.exitCode, stderr }),
      );
    });
    expect(result.stderr).toContain('DATABASE_URL: is required');
    expect(result.stderr).not.toContain('REDIS_URL');
    expect(result.code).not.toBe(0);
    expect(result.code).not.toBeNull(); // it exited by itself, not by the timeout
  }, 90_000);
});
