// Route behaviour in a real browser (Debian's Chromium), built as for production, at 390 px and
// 1280 px: a tab title per page, focus on the new page's heading after every client-side navigation
// (links, redirects, back), a skeleton — never an empty heading — while a page loads, a reason on
// every redirect shown where it lands, 44 px tap targets, and the "Local sandbox" banner of a build
// that talks to this machine. Supabase Auth/REST and Stripe are the FAKES of web/e2e/fakes; every
// state is scanned with axe-core and photographed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startWebStack, type Size, type WebPage, type WebStack } from './web-stack.ts';
import { checkState, expectTapTargets } from './page-checks.ts';

const PASSWORD = 'correct-horse-42';
const SIZES: Size[] = ['phone', 'desktop'];

describe('routes in Chromium', { timeout: 600_000 }, () => {
  let s: WebStack;
  before(async () => {
    s = await startWebStack();
  });
  after(async () => s?.stop());

  /**
   * A page that records, from its first script on, every moment an <h1> is on screen with no text,
   * and fails its test on any console error.
   */
  async function withPage(size: Size, run: (p: WebPage) => Promise<void>) {
    const p = await s.open(size);
    await p.context.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { __emptyHeadings: string[] }).__emptyHeadings = seen;
      new MutationObserver(() => {
        for (const h of document.querySelectorAll('h1')) if (!h.textContent?.trim()) seen.push(location.pathname);
      }).observe(document, { childList: true, subtree: true, characterData: true });
    });
    try {
      await run(p);
      assert.deepEqual(p.consoleErrors, [], 'no console errors');
    } finally {
      await p.close();
    }
  }

  const emptyHeadings = (p: WebPage) => p.page.evaluate(() => (window as unknown as { __emptyHeadings: string[] }).__emptyHeadings);
  const focused = (p: WebPage) => p.page.evaluate(() => ({ tag: document.activeElement?.tagName, text: document.activeElement?.textContent?.trim() }));
  const title = (p: WebPage, expected: string) => p.page.waitForFunction((t) => document.title === t, expected, { timeout: 10_000 });

  for (const size of SIZES) {
    test(`titles, heading focus on every navigation, reasons on redirects (${size})`, async () => {
      await withPage(size, async (p) => {
        const address = `routes-${randomBytes(4).toString('hex')}@example.test`;
        await s.supabase.createUser(address, PASSWORD);

        await p.page.goto(`${s.origin}/`);
        await title(p, 'Pass your certification, on any device · CertGames');
        // A first load leaves focus where the browser puts it; the banner says this is the sandbox.
        assert.notEqual((await focused(p)).tag, 'H1');
        await p.page.getByText('Local sandbox').waitFor();
        await checkState(p, 'route-home');

        // A link: the new page's heading has focus, the tab says where we are.
        await p.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sign in' }).click();
        await title(p, 'Sign in · CertGames');
        await p.page.waitForFunction(() => document.activeElement?.tagName === 'H1');
        assert.deepEqual(await focused(p), { tag: 'H1', text: 'Sign in' });

        await p.page.getByRole('link', { name: 'Create an account' }).click();
        await title(p, 'Create your account · CertGames');
        await p.page.waitForFunction(() => document.activeElement?.textContent === 'Create your account');

        // Back: the same.
        await p.page.goBack();
        await title(p, 'Sign in · CertGames');
        await p.page.waitForFunction(() => document.activeElement?.textContent === 'Sign in');

        // A redirect carries its reason, and the page it lands on says it.
        await p.page.goto(`${s.origin}/account`);
        await p.page.waitForURL(`${s.origin}/sign-in?next=%2Faccount&reason=account`);
        await p.page.getByRole('status').filter({ hasText: 'Sign in to see your account.' }).waitFor();
        await checkState(p, 'route-sign-in-reason-account');
        await p.page.goto(`${s.origin}/subscribe/return?payment_intent_client_secret=pi_x_secret_y`);
        await p.page.waitForURL(/\/sign-in\?next=%2Fsubscribe%2Freturn%3Fpayment_intent_client_secret%3Dpi_x_secret_y&reason=checkout-status$/);
        await p.page.getByRole('status').filter({ hasText: 'Sign in to see your payment.' }).waitFor();

        // Premium, signed out: its way in says why, and sign-in brings the person back.
        await p.page.goto(`${s.origin}/premium`);
        await p.page.getByRole('heading', { name: 'Premium', level: 1 }).waitFor();
        await p.page.locator('main').getByRole('link', { name: /sign in/i }).first().click();
        await p.page.waitForURL(/\/sign-in\?next=%2Fpremium.*&reason=premium$/);
        await p.page.getByRole('status').filter({ hasText: 'Sign in to open Premium.' }).waitFor();
        await p.page.waitForFunction(() => document.activeElement?.textContent === 'Sign in');
        await checkState(p, 'route-sign-in-reason-premium');
        await p.page.getByLabel('Email').fill(address);
        await p.page.getByLabel('Password', { exact: true }).fill(PASSWORD);
        await p.page.getByRole('button', { name: 'Sign in', exact: true }).click();
        await p.page.waitForURL((url) => url.pathname === '/premium');
        await p.page.waitForFunction(() => document.activeElement?.tagName === 'H1' && document.activeElement.textContent === 'Premium');

        // Signed in: the account page, its title, and the header's tap targets.
        await p.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
        await title(p, 'Account · CertGames');
        await p.page.waitForFunction(() => document.activeElement?.tagName === 'H1' && document.activeElement.textContent === 'Account');
        await expectTapTargets(p, 'account');

        // A page that does not exist says so, in the tab too.
        await p.page.goto(`${s.origin}/no-such-page`);
        await title(p, 'Page not found · CertGames');
        await checkState(p, 'route-not-found');

        assert.deepEqual(await emptyHeadings(p), [], 'no page showed an empty heading');
      });
    });
  }

  test('a page that is still loading shows a skeleton, then its heading takes focus', async () => {
    await withPage('desktop', async (p) => {
      await p.page.goto(`${s.origin}/sign-in`);
      await p.page.getByRole('heading', { name: 'Sign in' }).waitFor();
      // Hold the next page's code back, as a slow network would.
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      await p.page.route(/\/assets\/ForgotPasswordPage-[\w-]+\.js$/, async (route) => {
        await held;
        await route.continue();
      });
      await p.page.getByRole('link', { name: 'Forgot your password?' }).click();
      const skeleton = p.page.locator('main[aria-busy="true"] .skeleton').first();
      await skeleton.waitFor();
      // (React keeps the previous page in the DOM while the next one loads, hidden.)
      assert.equal(await p.page.locator('main h1:visible').count(), 0, 'no heading until there is one to show');
      assert.equal(await p.page.getByRole('status').filter({ hasText: 'Loading…' }).count(), 1, 'one status for screen readers');
      await p.screenshot('route-loading-skeleton');
      release();
      await p.page.getByRole('heading', { name: 'Reset your password' }).waitFor();
      await p.page.waitForFunction(() => document.activeElement?.textContent === 'Reset your password');
      assert.deepEqual(await emptyHeadings(p), []);
    });
  });
});
