import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { createTestAppWithEnv } from '@leasehold/testing';
import { PORTAL_API } from '../api-info';
import { AppModule } from '../app.module';

describe('portal: the web app at / (SPA fallback that leaves the API, /docs and /health alone)', () => {
  let app: INestApplication;
  let dir: string;
  const http = () => request(app.getHttpServer());
  const INDEX = '<!doctype html><title>Leasehold portal</title><div id="root"></div>';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portal-web-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), INDEX);
    writeFileSync(join(dir, 'assets', 'app-abc123.js'), 'console.log(1)');
    app = await createTestAppWithEnv(AppModule, PORTAL_API, { PORTAL_WEB_DIR: dir });
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers the app at / and at the paths the emailed links use, with a strict CSP', async () => {
    for (const path of [
      '/',
      '/login',
      '/invitations/accept?token=lhi_abc',
      '/password-reset?token=lhp_abc',
      '/group/sessions',
    ]) {
      const res = await http().get(path).set('Accept', 'text/html').expect(200);
      expect(res.text).toBe(INDEX);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['cache-control']).toBe('no-cache');
    }
  });

  it('serves the hashed assets as immutable files; a missing asset is a 404, not the page', async () => {
    const res = await http().get('/assets/app-abc123.js').expect(200);
    expect(res.text).toBe('console.log(1)');
    expect(res.headers['cache-control']).toContain('immutable');
    const missing = await http().get('/assets/gone.js').set('Accept', '*/*').expect(404);
    expect(missing.body.error.code).toBe('ROUTE_NOT_FOUND');
  });

  it('leaves API routes, /docs and /health to the API', async () => {
    const unknown = await http().get('/v1/nothing-here').set('Accept', 'text/html').expect(404);
    expect(unknown.body.error.code).toBe('ROUTE_NOT_FOUND');
    const unauth = await http().get('/v1/me').set('Accept', 'text/html').expect(401);
    expect(unauth.body.error.code).toBe('UNAUTHENTICATED');
    const docs = await http().get('/docs-json').expect(200);
    expect(docs.body.info.title).toBe(PORTAL_API.title);
    await http().get('/health/live').set('Accept', 'text/html').expect(200);
    // Not a page request: JSON clients and other methods keep the API's answers.
    expect((await http().get('/no-such-thing').set('Accept', 'application/json').expect(404)).body.error.code).toBe(
      'ROUTE_NOT_FOUND',
    );
    expect((await http().post('/invitations/accept').send({}).expect(404)).body.error.code).toBe('ROUTE_NOT_FOUND');
  });
});
