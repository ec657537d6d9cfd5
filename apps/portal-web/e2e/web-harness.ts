// What every browser test of the portal web app starts from: the web app built into a temporary
// folder, the real portal app serving it (and its API) on a free port, and Debian's Chromium driven
// headless by playwright-core. The apps are booted by name (@leasehold/testing), so this app
// imports none of them.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Browser, chromium, Page } from 'playwright-core';
import { ContainerCredentialsModule } from '@leasehold/domain-licensing';
import { VendorsModule } from '@leasehold/domain-vendors';
import { startApiApp } from '@leasehold/testing';

export const ROOT = resolve(__dirname, '../../..');
/** Screenshots of the pages, used by docs/customer-portal.md. */
export const SHOTS = join(ROOT, 'docs/portal');
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

export interface WebHarness {
  portal: INestApplication;
  /** The portal's URL (web app at `/`, API under `/v1`). */
  base: string;
  browser: Browser;
  close(): Promise<void>;
}

/**
 * Builds the web app, starts the portal serving it and launches Chromium. The portal has no vendor
 * routes: the vendor registry and the credential look-up are imported so tests can make their world.
 */
export async function startWebHarness(): Promise<WebHarness> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM}. Install it with \`sudo apt-get install -y chromium\` (npm test does this when run as root), or set CHROMIUM_PATH.`,
    );
  }
  mkdirSync(SHOTS, { recursive: true });
  const webDir = mkdtempSync(join(tmpdir(), 'portal-web-build-'));
  let portal: INestApplication | undefined;
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close();
    await portal?.close();
    rmSync(webDir, { recursive: true, force: true });
  };
  try {
    await buildWebApp(webDir);
    portal = await startApiApp('portal', {
      env: { PORTAL_WEB_DIR: webDir },
      imports: [VendorsModule, ContainerCredentialsModule],
    });
    await portal.listen(0, '127.0.0.1');
    const base = (await portal.getUrl()).replace('[::1]', '127.0.0.1');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    return { portal, base, browser, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * `vite build` of the web app into `outDir`. Vite lets one build of a project run at a time, and
 * the browser specs run in parallel Jest workers: a build refused for that waits and tries again.
 */
async function buildWebApp(outDir: string): Promise<void> {
  const vite = join(ROOT, 'node_modules/vite/bin/vite.js');
  const config = join(ROOT, 'apps/portal-web/vite.config.mts');
  const args = [vite, 'build', '--config', config, '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'];
  const until = Date.now() + 120_000;
  for (;;) {
    try {
      execFileSync(process.execPath, args, { cwd: ROOT, stdio: 'pipe' });
      return;
    } catch (error) {
      const output = String((error as { stderr?: Buffer }).stderr ?? '');
      if (!output.includes('Found another Vite build process') || Date.now() > until) {
        throw new Error(`vite build of the portal web app failed: ${output || String(error)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
}

/** Fills in and sends the login form (the vendor's slug, the user's email and password). */
export async function logIn(page: Page, base: string, vendorSlug: string, user: { email: string; password: string }) {
  await page.goto(`${base}/login`);
  await page.getByLabel('Vendor').fill(vendorSlug);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByRole('button', { name: 'Log in' }).click();
}
