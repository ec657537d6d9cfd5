// The production bundle of license-central (webpack, what `npm start`, the bench and the Docker
// image run) behaves as the code the other tests run through ts-jest: a bundler can change what
// `require` does, so the bundle itself is built, started and asked what the tests cannot ask ts-jest.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { freePort, waitFor } from '@leasehold/testing';

const ROOT = path.join(__dirname, '..');

describe('license-central production bundle', () => {
  let child: ChildProcess | undefined;
  let base = '';
  let stderr = '';

  beforeAll(async () => {
    execFileSync('npx', ['nx', 'build', 'license-central', '--configuration=production', '--skip-nx-cache'], {
      cwd: ROOT,
      stdio: 'pipe',
      env: { ...process.env, NX_DAEMON: 'false' },
    });
    const port = await freePort();
    child = spawn(process.execPath, ['dist/apps/license-central/main.js'], {
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        HOST: '127.0.0.1',
        LICENSE_CENTRAL_PORT: String(port),
        OPERATOR_TOKEN: randomBytes(24).toString('hex'),
        JWT_SECRET: randomBytes(32).toString('hex'),
        PLATFORM_KEY: randomBytes(32).toString('base64'),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    base = `http://127.0.0.1:${port}`;
    const running = child;
    await waitFor(
      async () => {
        if (running.exitCode !== null) throw new Error(`license-central exited with ${running.exitCode}: ${stderr}`);
        return fetch(`${base}/health/live`).then(
          (r) => r.ok,
          () => false,
        );
      },
      60_000,
      'license-central to start',
      200,
    );
  }, 240_000);

  afterAll(() => {
    child?.kill('SIGTERM');
  });

  it('serves its OpenAPI document (the export reaches into @nestjs/swagger by path, which a bundler must not break)', async () => {
    const res = await fetch(`${base}/docs-json`);
    expect(res.status).toBe(200);
    const document = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/client/v1/validate', '/v1/containers']));
  });

  it('answers bad input on a device route with the error envelope, not a 500', async () => {
    const res = await fetch(`${base}/client/v1/validate`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"fingerprint":',
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const body = (await res.json()) as { error: { code: string }; requestId: string };
    expect(body).toMatchObject({ error: { code: expect.any(String) }, requestId: expect.any(String) });
  });
});
