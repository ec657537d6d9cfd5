import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { load, YAML11_SCHEMA } from 'js-yaml';
import { loadConfig, redisTarget } from '@leasehold/config';
import { LICENSE_CENTRAL_HEAP } from '../bench/common';

// The Docker deployment is safe by default. Docker does not run on the
// project's CI machines, so these read the files and apply Compose's own interpolation rules
// (`${VAR:?message}` refuses, `${VAR:-default}` falls back) to what an operator would start.

const root = path.join(__dirname, '..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

/** Compose variable interpolation; throws like `docker compose` does for `${VAR:?message}`. */
function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(
    /\$\{([A-Z0-9_]+)(?:(:?[-?])([^}]*))?\}/g,
    (_, name: string, op: string | undefined, arg: string) => {
      const value = env[name];
      const unset = op?.startsWith(':') ? !value : value === undefined;
      if (op?.endsWith('?') && unset) throw new Error(`required variable ${name} is missing a value: ${arg}`);
      if (op?.endsWith('-') && unset) return arg;
      return value ?? '';
    },
  );
}

const SECRETS = {
  POSTGRES_PASSWORD: 'pg-secret-0123456789',
  OPERATOR_TOKEN: 'op-token-0123456789abcdefghij',
  JWT_SECRET: 'j'.repeat(40),
  PLATFORM_KEY: Buffer.alloc(32, 7).toString('base64'),
};

describe('docker-compose.yml is production-safe', () => {
  const compose = read('docker-compose.yml');

  it.each(Object.keys(SECRETS))('refuses to start without %s (also when it is empty)', (name) => {
    const without = { ...SECRETS } as Record<string, string>;
    delete without[name];
    expect(() => interpolate(compose, without)).toThrow(new RegExp(`required variable ${name}`));
    expect(() => interpolate(compose, { ...without, [name]: '' })).toThrow(new RegExp(`required variable ${name}`));
  });

  it('runs the apps with NODE_ENV production, the given secrets and no development fallback', () => {
    const resolved = interpolate(compose, SECRETS);
    expect(resolved).toMatch(/NODE_ENV: production\n/);
    expect(compose).not.toMatch(/NODE_ENV: \$\{/); // not overridable back to development by a stray variable
    for (const value of Object.values(SECRETS)) expect(resolved).toContain(value);
    // The public development secrets of libs/config never appear.
    expect(compose).not.toMatch(/dev-operator-token|dev-jwt-secret|ZGV2LXBsYXRmb3Jt/);
    expect(compose).not.toMatch(/POSTGRES_PASSWORD: postgres\b/);
  });

  it('publishes ports on 127.0.0.1 unless BIND_ADDRESS says otherwise, and never Postgres or Redis', () => {
    const published = (text: string) =>
      [...text.matchAll(/ports: \[(.*)\]/g)].flatMap((m) => m[1].split(',').map((p) => p.trim().replace(/"/g, '')));
    const byDefault = published(interpolate(compose, SECRETS));
    expect(byDefault).toEqual(['127.0.0.1:3000:3000', '127.0.0.1:3001:3001', '127.0.0.1:3002:3002']);
    const exposed = published(interpolate(compose, { ...SECRETS, BIND_ADDRESS: '0.0.0.0' }));
    expect(exposed).toEqual(['0.0.0.0:3000:3000', '0.0.0.0:3001:3001', '127.0.0.1:3002:3002']);
  });

  it('keeps the development services (for npm start) in their own file, on 127.0.0.1', () => {
    const dev = read('docker-compose.dev.yml');
    expect([...dev.matchAll(/ports: \["(.*)"\]/g)].map((m) => m[1])).toEqual([
      '127.0.0.1:5432:5432',
      '127.0.0.1:6379:6379',
    ]);
    expect(dev).not.toMatch(/license-central|portal|worker/);
    expect(read('scripts/ensure-services.sh')).toContain('docker compose -f docker-compose.dev.yml up -d');
  });
});

interface ComposeService {
  image?: string;
  build?: { context: string; target?: string; dockerfile_inline?: string };
  command?: string[];
  environment?: Record<string, string | number | null>;
  ports?: string[];
  volumes?: string[];
  user?: string;
  depends_on?: Record<string, { condition: string }> | string[];
}

/** The Compose file as Docker reads it: YAML (with `<<` merge keys), variables interpolated. */
function composeServices(file: string, env: Record<string, string>): Record<string, ComposeService> {
  const text = read(file);
  load(text, { schema: YAML11_SCHEMA }); // valid YAML before interpolation too (Compose parses first)
  return (load(interpolate(text, env), { schema: YAML11_SCHEMA }) as { services: Record<string, ComposeService> })
    .services;
}

/** The environment a container gets (`KEY:` with nothing after it is set, empty). */
const stringEnv = (service: ComposeService) =>
  Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, v === null ? '' : String(v)]));
const dependsOn = (service: ComposeService) =>
  Array.isArray(service.depends_on)
    ? Object.fromEntries(service.depends_on.map((name) => [name, { condition: 'service_started' }]))
    : (service.depends_on ?? {});

// The middle size of docs/scaling.md with Docker. No Docker here, so this reads
// the file as Compose would and checks that the services are wired as the docs say.
describe('docker-compose.scale.yml (replicas, PgBouncer, Redis Cluster)', () => {
  const services = composeServices('docker-compose.scale.yml', SECRETS);
  const apps = ['license-central-1', 'license-central-2', 'portal', 'worker'];
  const redisNodes = ['redis-1', 'redis-2', 'redis-3'];

  it('is valid YAML as Docker parses it (before interpolation) and refuses to start without each secret, like docker-compose.yml', () => {
    expect(() => load(read('docker-compose.yml'), { schema: YAML11_SCHEMA })).not.toThrow();
    for (const name of Object.keys(SECRETS)) {
      const without = { ...SECRETS } as Record<string, string>;
      delete without[name];
      expect(() => interpolate(read('docker-compose.scale.yml'), without)).toThrow(
        new RegExp(`required variable ${name}`),
      );
    }
  });

  it('has two license-central replicas behind the load balancer, PgBouncer, a 3-node Redis Cluster with its init job, the worker and the portal', () => {
    expect(Object.keys(services).sort()).toEqual(
      [
        'license-central-1',
        'license-central-2',
        'load-balancer',
        'migrate',
        'pgbouncer',
        'portal',
        'postgres',
        'redis-1',
        'redis-2',
        'redis-3',
        'redis-cluster-init',
        'worker',
      ].sort(),
    );
    expect(services['license-central-1'].command).toEqual([
      'node',
      LICENSE_CENTRAL_HEAP,
      'dist/apps/license-central/main.js',
    ]);
    expect(services['license-central-2'].command).toEqual(services['license-central-1'].command);
    expect(services['worker'].command).toEqual(['node', 'dist/apps/worker/main.js']);
    expect(services['portal'].command).toEqual(['node', 'dist/apps/portal/main.js']);
    for (const name of apps)
      expect(services[name]).toMatchObject({ image: 'leasehold:local', build: { context: '.', target: 'runtime' } });
  });

  it('every app starts with a configuration loadConfig accepts: production, through PgBouncer in transaction mode, on the Redis Cluster', () => {
    for (const name of apps) {
      const env = stringEnv(services[name]);
      const config = loadConfig(env);
      expect({ name, NODE_ENV: config.NODE_ENV, DATABASE_POOLER: config.DATABASE_POOLER }).toEqual({
        name,
        NODE_ENV: 'production',
        DATABASE_POOLER: 'transaction',
      });
      expect(new URL(config.DATABASE_URL).host).toBe('pgbouncer:6432');
      const target = redisTarget(config.REDIS_URL);
      expect(target.kind === 'cluster' ? target.nodes.map((n) => n.host).sort() : target).toEqual(redisNodes);
      expect(dependsOn(services[name])).toMatchObject({
        migrate: { condition: 'service_completed_successfully' },
        'redis-cluster-init': { condition: 'service_completed_successfully' },
        pgbouncer: { condition: 'service_healthy' },
      });
    }
    // Behind the one load balancer the replicas trust one proxy hop for the client address.
    for (const name of ['license-central-1', 'license-central-2'])
      expect(loadConfig(stringEnv(services[name])).TRUST_PROXY).toBe(1);
    // Migrations go straight to Postgres, not through the pooler.
    expect(new URL(loadConfig(stringEnv(services['migrate'])).DATABASE_URL).host).toBe('postgres:5432');
  });

  it('publishes only the load balancer and the portal (127.0.0.1 by default) and the worker probe on 127.0.0.1', () => {
    const published = Object.fromEntries(
      Object.entries(services)
        .filter(([, s]) => s.ports)
        .map(([name, s]) => [name, s.ports]),
    );
    expect(published).toEqual({
      'load-balancer': ['127.0.0.1:3000:3000'],
      portal: ['127.0.0.1:3001:3001'],
      worker: ['127.0.0.1:3002:3002'],
    });
  });

  it('load balancer: nginx with the committed config, round robin over both replicas, setting X-Forwarded-For itself', () => {
    const lb = services['load-balancer'];
    expect(lb.image).toMatch(/^nginx:/);
    expect(lb.volumes).toEqual(['./deploy/scale/nginx.conf:/etc/nginx/nginx.conf:ro']);
    const nginx = read('deploy/scale/nginx.conf');
    const upstream = /upstream license_central \{([^}]*)\}/.exec(nginx)?.[1] ?? '';
    expect([...upstream.matchAll(/server (\S+)/g)].map((m) => m[1])).toEqual([
      'license-central-1:3000',
      'license-central-2:3000',
    ]);
    expect(nginx).toMatch(/listen 3000;/);
    expect(nginx).toMatch(/proxy_set_header X-Forwarded-For \$remote_addr;/); // not appended to what the client sent
    expect(nginx).not.toMatch(/proxy_add_x_forwarded_for/);
    expect(nginx).toMatch(/location \/client\/v1\/updates\/stream \{[^}]*proxy_buffering off;/);
  });

  it("PgBouncer: transaction mode in front of Postgres, its pool as large as the apps' pools together, not as root", () => {
    const bouncer = services['pgbouncer'];
    expect(bouncer.user).toBe('postgres');
    expect(bouncer.volumes).toEqual(['./deploy/scale/pgbouncer.ini:/etc/leasehold/pgbouncer.ini:ro']);
    expect(bouncer.build?.dockerfile_inline).toMatch(
      /FROM debian:bookworm-slim[\s\S]*apt-get install -y --no-install-recommends pgbouncer/,
    );
    const ini = Object.fromEntries(
      [...read('deploy/scale/pgbouncer.ini').matchAll(/^(\w+) = (.*)$/gm)].map((m) => [m[1], m[2].trim()]),
    );
    expect(ini).toMatchObject({
      leasehold: 'host=postgres port=5432 dbname=leasehold',
      listen_port: '6432',
      pool_mode: 'transaction',
      auth_file: '/tmp/pgbouncer/userlist.txt',
    });
    // docs/scaling.md: app pool x replicas <= pooler pool, and max_client_conn above all client connections.
    const clients = apps.reduce((sum, name) => sum + loadConfig(stringEnv(services[name])).DATABASE_POOL_SIZE, 0);
    expect(Number(ini['default_pool_size'])).toBeGreaterThanOrEqual(clients);
    expect(Number(ini['max_client_conn'])).toBeGreaterThan(clients);
    expect(bouncer.command?.join(' ')).toContain('/tmp/pgbouncer/userlist.txt');
  });

  it('Redis Cluster: three cluster-enabled nodes, made one cluster of three masters by the init job', () => {
    for (const name of redisNodes) {
      expect(services[name].image).toMatch(/^redis:7/);
      expect(services[name].command?.join(' ')).toMatch(/^redis-server .*--cluster-enabled yes/);
    }
    const init = services['redis-cluster-init'];
    const script = init.command?.join(' ') ?? '';
    expect(script).toMatch(/redis-cli --cluster create \$\$nodes --cluster-replicas 0 --cluster-yes/);
    expect(script).toMatch(/for node in redis-1 redis-2 redis-3;/);
    expect(script).toMatch(/until redis-cli -h redis-1 cluster info \| grep -q cluster_state:ok/);
    expect(dependsOn(init)).toEqual(Object.fromEntries(redisNodes.map((n) => [n, { condition: 'service_healthy' }])));
  });

  it('the configuration files it mounts are committed', () => {
    for (const file of ['deploy/scale/nginx.conf', 'deploy/scale/pgbouncer.ini'])
      expect(existsSync(path.join(root, file))).toBe(true);
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const stages = dockerfile.split(/^FROM /m).slice(1);
  const runtime = stages.find((s) => / AS runtime\b/.test(s.split('\n')[0]));

  it('builds and runs on a supported Node.js LTS (22 or 24), never 20', () => {
    const names = stages.map((s) => / AS (\S+)/.exec(s.split('\n')[0])?.[1]);
    const bases = stages.map((s) => s.split(/[ \n]/)[0]).filter((base) => !names.includes(base)); // not FROM <earlier stage>
    expect(bases.length).toBeGreaterThanOrEqual(2);
    for (const base of bases) expect(base).toMatch(/^node:(22|24)[.-]/);
  });

  it('runs the apps as a non-root user with production dependencies only', () => {
    expect(runtime).toBeDefined();
    expect(dockerfile).toMatch(/^FROM build AS production-dependencies\n(.*\n)*RUN npm prune --omit=dev/m);
    expect(runtime).toMatch(/COPY --from=production-dependencies \/app\/node_modules \.\/node_modules/);
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).not.toMatch(/COPY --from=build \/app \/app/); // not the build tree with its dev dependencies
    expect(runtime).toMatch(/ENV NODE_ENV=production/);
  });

  it('runs license-central by default, and in every compose file, with the heap limit the benchmarks measure', () => {
    const command = JSON.stringify(['node', LICENSE_CENTRAL_HEAP, 'dist/apps/license-central/main.js']).replace(
      /,/g,
      ', ',
    );
    expect(runtime).toContain(`CMD ${command}`);
    for (const file of ['docker-compose.yml', 'docker-compose.scale.yml']) {
      const lines = read(file)
        .split('\n')
        .filter((line) => line.includes('dist/apps/license-central/main.js'));
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(line.trim()).toBe(`command: ${command}`);
    }
  });

  it('keeps the code working on Node 20 (engines)', () => {
    expect(JSON.parse(read('package.json')).engines.node).toBe('>=20');
  });
});
