// "Buy on the web" from the iOS app, in a real browser (Debian's Chromium): the app's call to
// web-checkout-link (made here as supabase-swift makes it, through the gateway with the app user's
// access token), then the link opened in the browser lands signed in on /subscribe; a used link
// fails cleanly; another account signed in in the browser is asked before it is replaced.
// The web-checkout-link / web-checkout-exchange functions and Postgres are real; Supabase Auth and
// the gateway are the FAKE in fakes/fake-supabase.ts (admin/generate_link, verify), Stripe the fake.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startWebStack, type WebPage, type WebStack } from './web-stack.ts';
import { checkState } from './page-checks.ts';

const PASSWORD = 'correct-horse-42';

describe('buy on the web from the app, in Chromium', () => {
  let s: WebStack;
  before(async () => {
    s = await startWebStack();
  });
  after(async () => s?.stop());

  async function withPage(run: (p: WebPage) => Promise<void>, expectedHttpErrors: number[] = []) {
    const p = await s.open('phone');
    try {
      await run(p);
      const expected = expectedHttpErrors.map((status) => `Failed to load resource: the server responded with a status of ${status} `);
      assert.deepEqual(p.consoleErrors.filter((e) => !expected.some((prefix) => e.startsWith(prefix))), [], 'no console errors');
    } finally {
      await p.close();
    }
  }

  /** A person signed in in the app (a confirmed account, and the access token supabase-swift holds). */
  async function appUser() {
    const email = `app-${randomBytes(4).toString('hex')}@example.test`;
    const id = await s.supabase.createUser(email, PASSWORD);
    return { id, email, token: await s.signer.token(id, { email }) };
  }

  /** What the app's "Subscribe on the web" button asks for: functions.invoke("web-checkout-link"). */
  async function linkFromApp(token: string): Promise<string> {
    const res = await fetch(`${s.supabase.url}/functions/v1/web-checkout-link`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, apikey: 'sb_publishable_test_web', 'content-type': 'application/json' },
      body: JSON.stringify({ storefront: 'USA' }),
    });
    const body = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.ok(body.url.startsWith(`${s.origin}/continue#handoff=wcl_`), body.url);
    return body.url;
  }

  /** The user id of the session this browser holds (supabase-js's storage), or null. */
  const sessionUser = (p: WebPage) => p.page.evaluate(() => {
    const key = Object.keys(localStorage).find((k) => k.endsWith('-auth-token'));
    return key ? (JSON.parse(localStorage.getItem(key)!).user?.id as string) ?? null : null;
  });

  const accountLink = (p: WebPage) => p.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' });

  test('the link opens the checkout signed in as the app’s account; the code leaves no trace in the URL', async () => {
    const user = await appUser();
    const url = await linkFromApp(user.token);
    const code = new URL(url).hash;
    await withPage(async (p) => {
      const requested: string[] = [];
      p.page.on('request', (r) => requested.push(r.url() + ' ' + (r.headers().referer ?? '')));
      await p.page.goto(url);
      await p.page.waitForURL((u) => u.pathname === '/subscribe');
      await accountLink(p).waitFor();
      assert.equal(await sessionUser(p), user.id);
      assert.ok(!p.page.url().includes(code.slice(1)), 'the code is gone from the address bar');
      // Signed in, the checkout offers the payment form (not "Create account").
      await p.page.getByRole('button', { name: 'Google Pay' }).waitFor();
      assert.equal(await p.page.getByRole('link', { name: 'Create account' }).count(), 0);
      // The code never went out in a URL or a Referer header (only in the exchange's POST body).
      assert.deepEqual(requested.filter((r) => r.includes(code.slice(1 + 'handoff='.length))), []);
      await checkState(p, 'handoff-landed-on-subscribe');
    });
  });

  test('reusing a link fails cleanly: it says so, and signs nobody in', async () => {
    const user = await appUser();
    const url = await linkFromApp(user.token);
    await withPage(async (p) => {
      await p.page.goto(url);
      await p.page.waitForURL((u) => u.pathname === '/subscribe');
      await accountLink(p).waitFor();
    });
    await withPage(async (p) => {
      await p.page.goto(url);
      await p.page.getByRole('heading', { level: 1, name: 'This link no longer works' }).waitFor();
      assert.equal(new URL(p.page.url()).pathname, '/continue');
      assert.equal(new URL(p.page.url()).hash, '');
      assert.equal(await sessionUser(p), null);
      assert.equal(await p.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sign in' }).count(), 1);
      assert.equal(await p.page.getByRole('link', { name: 'Sign in here instead' }).getAttribute('href'), '/sign-in?next=%2Fsubscribe');
      await checkState(p, 'handoff-link-used');
    }, [410]);
  });

  test('another account signed in in the browser: asked first, then switched to the app’s account', async () => {
    const webUser = await appUser();
    const user = await appUser();
    await withPage(async (p) => {
      await p.page.goto(`${s.origin}/sign-in?next=%2Faccount`);
      await p.page.getByLabel('Email').fill(webUser.email);
      await p.page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await p.page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await p.page.waitForURL((u) => u.pathname === '/account');
      assert.equal(await sessionUser(p), webUser.id);

      await p.page.goto(await linkFromApp(user.token));
      await p.page.getByRole('heading', { level: 1, name: 'Switch accounts?' }).waitFor();
      await p.page.getByText(`You are signed in here as ${webUser.email}.`).waitFor();
      assert.equal(await sessionUser(p), webUser.id, 'nothing replaced before the person chose');
      await checkState(p, 'handoff-switch-accounts');

      await p.page.getByRole('button', { name: 'Sign out and continue' }).click();
      await p.page.waitForURL((u) => u.pathname === '/subscribe');
      await accountLink(p).waitFor();
      assert.equal(await sessionUser(p), user.id);
    }, [409]);
  });
});
