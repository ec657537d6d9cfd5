import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { transformSync } from '@swc/core';
import { createTestApp } from '@leasehold/testing';
import { LICENSE_CENTRAL_API } from '../apps/license-central/src/api-info';
import { AppModule as LicenseCentralModule } from '../apps/license-central/src/app.module';
import { buildClientPackage, run } from '../apps/license-central/src/testing/sdk-world';
import { PORTAL_API } from '../apps/portal/src/api-info';
import { AppModule as PortalModule } from '../apps/portal/src/app.module';
import { seedDemo } from './seed-demo';

// The examples in the docs run as written: every fenced bash and TypeScript block of a
// page runs, in order, in one shell (variables carry from block to block), against real
// license-central and portal apps with the demo data `npm start` seeds. `curl` fails on an HTTP
// error (--fail-with-body) and the shell stops at the first failing command, so a doc change that
// breaks an example fails this test. TypeScript blocks run as ES modules with @leasehold/client and
// @leasehold/vendor-client installed as built for publishing.
//
// What the runner fills in, as a reader following `npm start` would: the URLs (127.0.0.1:3000,
// :3001) point at the test's apps, and an assignment whose value is a placeholder with "..."
// (`KEY=lh_...`) gets the demo vendor key. A block whose info string says `no-test` (installing,
// starting the apps) is not run.

const ROOT = path.join(__dirname, '..');

/** Pages whose examples run: README.md and every page of docs/ with a shell or TypeScript block (checked below). */
const PAGES = [
  'README.md',
  'docs/sdk.md',
  'docs/erp-integration.md',
  'docs/webhooks.md',
  'docs/customer-portal.md',
  'docs/auto-update.md',
  'docs/seats.md',
  'docs/usage.md',
  'docs/offline-licensing.md',
  'docs/license-file-format.md',
];

interface Block {
  lang: 'shell' | 'ts';
  code: string;
  line: number;
}

export function extractBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const fence = /^```([\w-]*)([^\n]*)\n([\s\S]*?)^```[ \t]*$/gm;
  for (let match = fence.exec(markdown); match; match = fence.exec(markdown)) {
    const [, lang, info, code] = match;
    if (/\bno-test\b/.test(info)) continue;
    const line = markdown.slice(0, match.index).split('\n').length;
    if (['bash', 'sh', 'shell'].includes(lang)) blocks.push({ lang: 'shell', code, line });
    else if (['ts', 'typescript'].includes(lang)) blocks.push({ lang: 'ts', code, line });
  }
  return blocks;
}

describe('docs pages with examples', () => {
  it('every page of docs/ with a shell or TypeScript block is run (pages without any, like licensing.md and renewals.md, show JSON only)', () => {
    const pages = readdirSync(path.join(ROOT, 'docs'))
      .filter((name) => name.endsWith('.md'))
      .map((name) => `docs/${name}`);
    const withExamples = pages.filter((page) => extractBlocks(readFileSync(path.join(ROOT, page), 'utf8')).length > 0);
    expect(withExamples.filter((page) => !PAGES.includes(page))).toEqual([]);
  });
});

describe('docs examples run as written', () => {
  let licenseCentral: INestApplication;
  let portal: INestApplication;
  let urls: { lc: string; portal: string };
  let work: string;
  let demoKey: string;

  beforeAll(async () => {
    // The examples use curl, jq and openssl, as a reader's shell would.
    const missing = (
      await Promise.all(
        ['curl', 'jq', 'openssl', 'bash'].map(async (tool) =>
          (await run('bash', ['-c', `command -v ${tool}`], { check: false })).code === 0 ? null : tool,
        ),
      )
    ).filter(Boolean);
    if (missing.length > 0)
      throw new Error(`The docs examples need ${missing.join(', ')}: apt-get install -y ${missing.join(' ')}`);
    work = mkdtempSync(path.join(tmpdir(), 'leasehold-docs-'));
    // The demo data of `npm start`. Before the apps: seeding boots (and closes) an app context of
    // its own, and Passport keeps the strategies of the last app created.
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      await seedDemo();
      demoKey = JSON.parse(String(log.mock.calls.at(-1)?.[0])).apiKey;
    } finally {
      log.mockRestore();
    }
    // Passport strategies are registered process-wide by name: the portal first, then license-central,
    // so each app's own strategies are the ones in use (they share no strategy name).
    portal = await createTestApp(PortalModule, PORTAL_API);
    licenseCentral = await createTestApp(LicenseCentralModule, LICENSE_CENTRAL_API);
    await licenseCentral.listen(0, '127.0.0.1');
    await portal.listen(0, '127.0.0.1');
    const port = (app: INestApplication) => (app.getHttpServer().address() as AddressInfo).port;
    urls = { lc: `http://127.0.0.1:${port(licenseCentral)}`, portal: `http://127.0.0.1:${port(portal)}` };

    // The packages as published, where the pages' TypeScript imports them from.
    const modules = path.join(work, 'node_modules');
    await buildClientPackage(path.join(modules, '@leasehold/client'));
    await run(process.execPath, [
      path.join(ROOT, 'packages/vendor-client/scripts/build.mjs'),
      '--out',
      path.join(modules, '@leasehold/vendor-client'),
    ]);
    for (const dependency of ['openapi-fetch', 'openapi-typescript-helpers'])
      cpSync(path.join(ROOT, 'node_modules', dependency), path.join(modules, dependency), { recursive: true });
    mkdirSync(path.join(modules, '.bin'), { recursive: true });
    writeFileSync(
      path.join(modules, '.bin', 'leasehold'),
      `#!/bin/sh\nexec node "${path.join(modules, '@leasehold/client/dist/cli.js')}" "$@"\n`,
      { mode: 0o755 },
    );
  }, 180_000);

  afterAll(async () => {
    rmSync(work, { recursive: true, force: true });
    await licenseCentral?.close();
    await portal?.close();
  }, 60_000);

  it.each(PAGES)(
    '%s',
    async (page) => {
      const dir = path.join(work, page.replace(/[^\w.-]/g, '_'));
      mkdirSync(dir, { recursive: true });
      const blocks = extractBlocks(readFileSync(path.join(ROOT, page), 'utf8'));
      expect(blocks.length).toBeGreaterThan(0);
      const script = [
        'set -xeuo pipefail',
        'curl() { local out rc; out=$(mktemp); command curl --fail-with-body "$@" > "$out" && rc=0 || rc=$?; if [ $rc -ne 0 ]; then echo "curl failed (exit $rc): $(cat "$out")" >&2; fi; cat "$out"; rm -f "$out"; return $rc; }',
        `export PATH="${path.join(work, 'node_modules/.bin')}:$PATH"`,
      ];
      blocks.forEach((block, index) => {
        const code = localise(block.code, urls, { KEY: demoKey, LEASEHOLD_API_KEY: demoKey, VENDOR_KEY: demoKey });
        script.push(`echo "--- ${page}:${block.line}" >&2`);
        if (block.lang === 'shell') {
          script.push(code);
        } else {
          const file = `block-${index}.mjs`;
          const { code: js } = transformSync(code, {
            filename: `block-${index}.ts`,
            jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
            module: { type: 'es6' },
          });
          writeFileSync(path.join(dir, file), js);
          script.push(`node ${file}`);
        }
      });
      writeFileSync(path.join(dir, 'page.sh'), `${script.join('\n')}\n`);
      const result = await run('bash', ['page.sh'], {
        cwd: dir,
        check: false,
        timeoutMs: 150_000,
        env: { PATH: process.env['PATH'], HOME: dir, KEY: demoKey, npm_config_update_notifier: 'false' },
      });
      if (result.code !== 0)
        throw new Error(
          `${page}: exit ${result.code}\n--- stdout\n${result.stdout.slice(-3000)}\n--- stderr\n${result.stderr.slice(-3000)}`,
        );
    },
    180_000,
  );
});

/** Points the documented URLs at the test's apps and fills placeholder assignments (`KEY=lh_...`). */
function localise(code: string, urls: { lc: string; portal: string }, values: Record<string, string>): string {
  let out = code
    .replaceAll('http://127.0.0.1:3000', urls.lc)
    .replaceAll('http://127.0.0.1:3001', urls.portal)
    .replaceAll('localhost:3000', urls.lc.replace('http://', ''))
    .replaceAll('localhost:3001', urls.portal.replace('http://', ''));
  for (const [name, value] of Object.entries(values)) {
    out = out.replace(new RegExp(`^(\\s*(?:export\\s+)?)${name}=\\S*\\.\\.\\.\\S*`, 'gm'), `$1${name}='${value}'`);
  }
  return out;
}
