// A refresh whose answer never reaches the page, in headless Chromium (Debian's chromium driven by
// playwright-core) against the real portal app on this Jest worker's database (web-harness.ts):
// the portal performs the refresh (Playwright fetches it), but the page sees a dropped connection
// or a proxy's 504 instead of the answer. It still holds only the used refresh token; it sends it
// once more, which the portal's reuse grace answers with a new pair, and the user stays logged in.
import type { Page, Route } from 'playwright-core';
import { PrismaService } from '@leasehold/db';
import { createGroup, createPortalUser, createVendor, TestPortalUser, TestVendor } from '@leasehold/testing';
import { logIn, startWebHarness, WebHarness } from './web-harness';

jest.setTimeout(60_000);

describe('portal web app: a refresh whose answer was lost (headless Chromium)', () => {
  let web: WebHarness;
  let page: Page;
  let vendor: TestVendor;
  let admin: TestPortalUser;
  /** What became of each refresh the page sent, in order. */
  let refreshes: string[];
  /** How the answers of the next refreshes are lost: each entry loses one. */
  let losses: ('drop' | '504')[];

  beforeAll(async () => {
    web = await startWebHarness();
    vendor = await createVendor(web.portal, 'Lost Answer Software');
    const group = await createGroup(web.portal, vendor, 'Flaky Networks Ltd');
    admin = await createPortalUser(web.portal, vendor, { groupId: group.id, role: 'ADMIN', name: 'Ada Admin' });
    await createPortalUser(web.portal, vendor, { groupId: group.id, role: 'MEMBER', name: 'Max Member' });

    page = await (await web.browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await logIn(page, web.base, vendor.vendor.slug, admin);
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.route('**/v1/auth/refresh', async (route: Route) => {
      const response = await route.fetch(); // the portal performs the refresh either way
      const loss = losses.shift();
      refreshes.push(`${loss ?? 'answered'} ${response.status()}`);
      if (loss === 'drop') await route.abort('connectionreset');
      else if (loss === '504') await route.fulfill({ status: 504, body: 'Gateway Timeout' });
      else await route.fulfill({ response });
    });
  }, 180_000);

  afterAll(() => web?.close());

  beforeEach(() => {
    refreshes = [];
    losses = [];
  });

  const storedRefreshToken = async () =>
    JSON.parse((await page.evaluate(() => localStorage.getItem('leasehold.portal.session'))) ?? '{}').refreshToken;
  /** Refresh tokens of the admin's logins that still work: neither used, revoked nor expired (retired). */
  const liveTokens = () =>
    web.portal.get(PrismaService).refreshToken.count({
      where: { userId: admin.id, usedAt: null, revokedAt: null, expiresAt: { gt: new Date() } },
    });
  /**
   * Opens the group's members in a fresh load of the app: the access token lives in memory only,
   * so the members list (an API call) comes after a refresh of the login.
   */
  const openMembers = async () => {
    await page.goto(`${web.base}/group/members`);
    await page.getByRole('row', { name: /Max Member/ }).waitFor();
  };

  it.each([
    ['the connection drops', 'drop' as const],
    ['a proxy gives up with 504', '504' as const],
  ])('keeps the user logged in when the answer to a refresh is lost (%s) and the page goes on', async (_, loss) => {
    const before = await storedRefreshToken();
    const liveBefore = await liveTokens(); // the createPortalUser login and this page's
    losses = [loss];
    await openMembers();
    // The lost answer, then the same token once more: a new pair in place of the lost one.
    expect(refreshes).toEqual([`${loss} 200`, 'answered 200']);
    const after = await storedRefreshToken();
    expect(after).toMatch(/^lhr_/);
    expect(after).not.toBe(before);
    expect(await liveTokens()).toBe(liveBefore);

    // The user keeps using the page, and the next refresh (the token of the retried answer) works.
    await page.getByRole('link', { name: 'Dashboard', exact: true }).click();
    await page.getByText('Your group has no containers yet', { exact: false }).waitFor(); // from the API
    await openMembers();
    expect(refreshes).toEqual([`${loss} 200`, 'answered 200', 'answered 200']);
    expect(page.url()).toBe(`${web.base}/group/members`);
    expect(await liveTokens()).toBe(liveBefore);
  });
});
