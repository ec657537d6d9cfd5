import { readFileSync } from 'node:fs';
import path from 'node:path';

// Issue 11, items 11 and 13: the Docker deployment is safe by default. Docker does not run on the
// project's CI machines, so these read the files and apply Compose's own interpolation rules
// (`${VAR:?message}` refuses, `${VAR:-default}` falls back) to what an operator would start.

const root = path.join(__dirname, '..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

/** Compose variable interpolation; throws like `docker compose` does for `${VAR:?message}`. */
function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(/\$\{([A-Z0-9_]+)(?:(:?[-?])([^}]*))?\}/g, (_, name: string, op: string | undefined, arg: string) => {
    const value = env[name];
    const unset = op?.startsWith(':') ? !value : value === undefined;
    if (op?.endsWith('?') && unset) throw new Error(`required variable ${name} is missing a value: ${arg}`);
    if (op?.endsWith('-') && unset) return arg;
    return value ?? '';
  });
}

const SECRETS = { POSTGRES_PASSWORD: 'pg-secret-0123456789', OPERATOR_TOKEN: 'op-token-0123456789abcdefghij', JWT_SECRET: 'j'.repeat(40), PLATFORM_KEY: Buffer.alloc(32, 7).toString('base64') };

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
    const published = (text: string) => [...text.matchAll(/ports: \[(.*)\]/g)].flatMap((m) => m[1].split(',').map((p) => p.trim().replace(/"/g, '')));
    const byDefault = published(interpolate(compose, SECRETS));
    expect(byDefault).toEqual(['127.0.0.1:3000:3000', '127.0.0.1:3001:3001', '127.0.0.1:3002:3002']);
    const exposed = published(interpolate(compose, { ...SECRETS, BIND_ADDRESS: '0.0.0.0' }));
    expect(exposed).toEqual(['0.0.0.0:3000:3000', '0.0.0.0:3001:3001', '127.0.0.1:3002:3002']);
  });

  it('keeps the development services (for npm start) in their own file, on 127.0.0.1', () => {
    const dev = read('docker-compose.dev.yml');
    expect([...dev.matchAll(/ports: \["(.*)"\]/g)].map((m) => m[1])).toEqual(['127.0.0.1:5432:5432', '127.0.0.1:6379:6379']);
    expect(dev).not.toMatch(/license-central|portal|worker/);
    expect(read('scripts/ensure-services.sh')).toContain('docker compose -f docker-compose.dev.yml up -d');
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

  it('keeps the code working on Node 20 (engines)', () => {
    expect(JSON.parse(read('package.json')).engines.node).toBe('>=20');
  });
});
