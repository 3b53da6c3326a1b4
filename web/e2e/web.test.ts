// The web app in a real browser (Debian's Chromium via playwright-core), built as for production,
// at phone and desktop sizes. Supabase Auth/REST and Stripe are FAKES at the network boundary; the
// edge functions (subscribe, portal, stripe-webhook) and Postgres behind them are real.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startWebStack, type Size, type WebPage, type WebStack } from './web-stack.ts';
import { applySubscriptionUpdate } from '../../supabase/functions/_shared/billing-db.ts';
import { appStoreUpdate, at, DAY_MS } from '../../supabase/tests/helpers/fixtures.ts';
import { FakeStripe } from '../../supabase/tests/fakes/fake-stripe.ts';
import { decodeJwt } from 'jose';

const PASSWORD = 'correct-horse-42';

describe('web app in Chromium', () => {
  let s: WebStack;
  before(async () => {
    s = await startWebStack();
  });
  after(async () => s?.stop());

  const email = () => `web-${randomBytes(4).toString('hex')}@example.test`;

  /**
   * Opens a page and fails the test if anything logged a console error. The only exception is the
   * browser's own line for an HTTP error status the test provokes on purpose (a wrong password is
   * a 400 from Auth, a declined card a 402 from Stripe).
   */
  async function withPage(size: Size, run: (p: WebPage) => Promise<void>, options: Parameters<WebStack['open']>[1] & { expectedHttpErrors?: number[] } = {}) {
    const p = await s.open(size, options);
    try {
      await run(p);
      const expected = (options.expectedHttpErrors ?? []).map((status) => `Failed to load resource: the server responded with a status of ${status} `);
      assert.deepEqual(p.consoleErrors.filter((e) => !expected.some((prefix) => e.startsWith(prefix))), [], 'no console errors');
    } finally {
      await p.close();
    }
  }

  async function signIn(p: WebPage, address: string, next = '/account') {
    await p.page.goto(`${s.origin}/sign-in?next=${encodeURIComponent(next)}`);
    await p.page.getByLabel('Email').fill(address);
    await p.page.getByLabel('Password').fill(PASSWORD);
    await p.page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await p.page.waitForURL((url) => url.pathname === next.split('?')[0]);
  }

  async function payWithCard(p: WebPage, number: string) {
    const { page } = p;
    await page.getByLabel('Card number').fill(number);
    await page.getByLabel('Expiration date').fill('12 / 34');
    await page.getByLabel('Security code').fill('123');
    await page.getByRole('button', { name: 'Subscribe' }).click();
  }

  async function expectPremium(p: WebPage) {
    await p.page.getByRole('heading', { name: "You're Premium" }).waitFor({ timeout: 20_000 });
  }

  test('sign up with email, confirm from the email link, land on the account page', async () => {
    for (const size of ['desktop', 'phone'] as const) {
      await withPage(size, async (p) => {
        const address = email();
        await p.page.goto(`${s.origin}/sign-up?next=/account`);
        await p.screenshot('sign-up');
        await p.page.getByLabel('Name (optional)').fill('Ada Lovelace');
        await p.page.getByLabel('Email').fill(address);
        await p.page.getByLabel(/^Password/).fill(PASSWORD);
        await p.page.getByRole('button', { name: 'Create account' }).click();
        await p.page.getByRole('heading', { name: 'Check your email' }).waitFor();
        await p.page.goto(s.supabase.lastLink(address, 'confirmation'));
        await p.page.waitForURL(`${s.origin}/account`);
        await p.page.getByRole('heading', { name: 'No subscription' }).waitFor();
        await p.page.locator('#field-display_name:enabled').waitFor(); // the stored name has arrived
        assert.equal(await p.page.getByLabel('Display name').inputValue(), 'Ada Lovelace');
        await p.screenshot('account-unsubscribed');
      });
    }
  });

  test('sign-in failures say what to do', async () => {
    await withPage('desktop', async (p) => {
      const address = email();
      await s.supabase.createUser(address, PASSWORD);
      await p.page.goto(`${s.origin}/sign-in`);
      await p.screenshot('sign-in');
      await p.page.getByLabel('Email').fill(address);
      await p.page.getByLabel('Password').fill('wrong-password-1');
      await p.page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await p.page.getByRole('alert').filter({ hasText: 'That email and password do not match' }).waitFor();

      // An account whose email is not confirmed yet.
      const unconfirmed = email();
      await p.page.goto(`${s.origin}/sign-up`);
      await p.page.getByLabel('Email').fill(unconfirmed);
      await p.page.getByLabel(/^Password/).fill(PASSWORD);
      await p.page.getByRole('button', { name: 'Create account' }).click();
      await p.page.getByRole('heading', { name: 'Check your email' }).waitFor();
      await p.page.goto(`${s.origin}/sign-in`);
      await p.page.getByLabel('Email').fill(unconfirmed);
      await p.page.getByLabel('Password').fill(PASSWORD);
      await p.page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await p.page.getByRole('alert').filter({ hasText: 'Please confirm your email first' }).waitFor();
      // Confirmed right here with a code (auth.test.ts covers the code, resend and its rate limit).
      await p.page.getByRole('button', { name: 'Email me a code' }).click();
      await p.page.getByRole('heading', { name: 'Check your email' }).waitFor();

      // Signing up again with an existing email.
      await p.page.goto(`${s.origin}/sign-up`);
      await p.page.getByLabel('Email').fill(address);
      await p.page.getByLabel(/^Password/).fill(PASSWORD);
      await p.page.getByRole('button', { name: 'Create account' }).click();
      await p.page.getByRole('alert').filter({ hasText: 'already exists' }).waitFor();
    }, { expectedHttpErrors: [400, 429] });
  });

  for (const size of ['desktop', 'phone'] as const) {
    test(`subscribe with a card → webhook → Premium (${size})`, async () => {
      await withPage(size, async (p) => {
        const address = email();
        const userId = await s.supabase.createUser(address, PASSWORD);
        await signIn(p, address, '/subscribe?next=/premium');
        await p.page.getByRole('button', { name: 'Google Pay' }).waitFor();
        if (size === 'phone') {
          // Wallets first; the card form is one tap away.
          assert.equal(await p.page.getByLabel('Card number').count(), 0);
          await p.screenshot('subscribe');
          await p.page.getByRole('button', { name: 'Pay with card' }).click();
        } else {
          await p.page.getByLabel('Card number').waitFor();
          await p.screenshot('subscribe');
        }
        await payWithCard(p, FakeStripe.cards.success);
        await expectPremium(p);
        await p.screenshot('subscribe-return');
        await p.page.getByRole('link', { name: 'Continue' }).click();
        await p.page.getByRole('heading', { name: 'Premium' }).waitFor();
        await p.screenshot('premium');
        const [row] = await s.db.owner`select store::text, status::text from billing.store_subscriptions where user_id = ${userId}`;
        assert.deepEqual({ ...row }, { store: 'stripe', status: 'active' });

        await p.page.goto(`${s.origin}/account`);
        await p.page.getByRole('heading', { name: 'Premium is active' }).waitFor();
        await p.page.getByText(/Renews on/).waitFor();
        await p.screenshot('account-subscribed');
        // Never offered a second subscription.
        await p.page.goto(`${s.origin}/subscribe`);
        await p.page.getByText('You already have a subscription on the web.').waitFor();
        assert.equal(await p.page.getByLabel('Card number').count(), 0);
      });
    });
  }

  test('declined card: a clear message, then a retry succeeds on the same subscription', async () => {
    await withPage('phone', async (p) => {
      const address = email();
      const userId = await s.supabase.createUser(address, PASSWORD);
      await signIn(p, address, '/subscribe');
      await p.page.getByRole('button', { name: 'Pay with card' }).click();
      await payWithCard(p, FakeStripe.cards.declined);
      await p.page.getByRole('alert').filter({ hasText: 'Your card was declined.' }).waitFor();
      await p.screenshot('subscribe-declined');
      await p.page.getByLabel('Card number').fill(FakeStripe.cards.success);
      await p.page.getByRole('button', { name: 'Subscribe' }).click();
      await expectPremium(p);
      const [customer] = await s.db.owner`select stripe_customer_id from billing.stripe_customers where user_id = ${userId}`;
      assert.equal([...s.stripe.subscriptions.values()].filter((x) => x.customer === customer.stripe_customer_id).length, 1);
    }, { expectedHttpErrors: [402] });
  });

  test('3-D Secure: the challenge completes and the subscription activates', async () => {
    await withPage('desktop', async (p) => {
      const address = email();
      await s.supabase.createUser(address, PASSWORD);
      await signIn(p, address, '/subscribe');
      await payWithCard(p, FakeStripe.cards.threeDSecure);
      const challenge = p.page.getByRole('dialog', { name: '3D Secure authentication' });
      await challenge.waitFor();
      await p.screenshot('subscribe-3ds');
      await challenge.getByRole('button', { name: 'Complete authentication' }).click();
      await expectPremium(p);
    });
  });

  test('a wallet (Google Pay) pays in one tap', async () => {
    await withPage('phone', async (p) => {
      const address = email();
      await s.supabase.createUser(address, PASSWORD);
      await signIn(p, address, '/subscribe');
      await p.page.getByRole('button', { name: 'Google Pay' }).click();
      await expectPremium(p);
    });
  });

  test('subscribed through the App Store: nothing to buy, managed in the App Store', async () => {
    for (const size of ['desktop', 'phone'] as const) {
      await withPage(size, async (p) => {
        const address = email();
        const userId = await s.supabase.createUser(address, PASSWORD);
        await applySubscriptionUpdate(s.db.owner, appStoreUpdate({ userId }));
        await signIn(p, address, '/subscribe');
        await p.page.getByText('You are subscribed through the App Store on your iPhone').waitFor();
        assert.equal(await p.page.getByRole('button', { name: 'Subscribe' }).count(), 0);
        await p.screenshot('subscribe-app-store');
        await p.page.goto(`${s.origin}/account`);
        await p.page.getByText('Managed in the App Store on your iPhone').waitFor();
        assert.equal(await p.page.getByRole('link', { name: 'Manage in the App Store' }).getAttribute('href'), 'https://apps.apple.com/account/subscriptions');
        await p.screenshot('account-app-store');
      });
    }
  });

  test('payment problem: grace period shown with a fix-it action', async () => {
    await withPage('desktop', async (p) => {
      const address = email();
      const userId = await s.supabase.createUser(address, PASSWORD);
      await applySubscriptionUpdate(s.db.owner, appStoreUpdate({ userId, status: 'in_grace_period', expiresAt: at(new Date(), -DAY_MS), gracePeriodExpiresAt: at(new Date(), 10 * DAY_MS) }));
      await signIn(p, address);
      await p.page.getByRole('heading', { name: 'Payment problem' }).waitFor();
      await p.page.getByRole('link', { name: 'Update payment in the App Store' }).waitFor();
      await p.screenshot('account-grace');
    });
  });

  test('the access token follows the subscription: the claim is refreshed when the row changes', async () => {
    await withPage('desktop', async (p) => {
      const address = email();
      const userId = await s.supabase.createUser(address, PASSWORD);
      const tokenOf = async (response: Promise<import('playwright-core').Response>) =>
        decodeJwt(((await (await response).json()) as { access_token: string }).access_token) as { entitlements?: Record<string, unknown> };
      const isToken = (grant: string) => (r: import('playwright-core').Response) => r.url().includes('/auth/v1/token') && r.url().includes(`grant_type=${grant}`);
      const signedIn = p.page.waitForResponse(isToken('password'));
      await signIn(p, address);
      await p.page.getByRole('heading', { name: 'No subscription' }).waitFor();
      // Issued by the fake Auth through the REAL hook function in the database.
      assert.deepEqual((await tokenOf(signedIn)).entitlements, { active: false });
      // A purchase on the iPhone lands meanwhile; the next read of the row sees it, and the session
      // is refreshed at once so other backends see it in the token too.
      await applySubscriptionUpdate(s.db.owner, appStoreUpdate({ userId, expiresAt: at(new Date(), 30 * DAY_MS) }));
      const refreshed = p.page.waitForResponse(isToken('refresh_token'), { timeout: 20_000 });
      await p.page.reload();
      await p.page.getByText('Managed in the App Store on your iPhone').waitFor();
      assert.deepEqual(
        (({ active, status, store }) => ({ active, status, store }))((await tokenOf(refreshed)).entitlements ?? {}),
        { active: true, status: 'active', store: 'app_store' },
      );
    });
  });

  test('the premium page sends signed-out and unsubscribed people where they need to go, and back', async () => {
    await withPage('desktop', async (p) => {
      const address = email();
      await s.supabase.createUser(address, PASSWORD);
      // Signed out and unsubscribed people see the free questions, and the way on.
      await p.page.goto(`${s.origin}/premium`);
      await p.page.getByRole('link', { name: 'Sign in to go Premium' }).click();
      await p.page.waitForURL(/\/sign-in\?next=%2Fpremium/);
      await p.page.getByLabel('Email').fill(address);
      await p.page.getByLabel('Password').fill(PASSWORD);
      await p.page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await p.page.waitForURL(`${s.origin}/premium`);
      await p.page.getByRole('link', { name: 'Go Premium' }).click();
      await p.page.waitForURL(/\/subscribe\?next=%2Fpremium/);
      await payWithCard(p, FakeStripe.cards.success);
      await expectPremium(p);
      await p.page.getByRole('link', { name: 'Continue' }).click();
      await p.page.waitForURL(`${s.origin}/premium`);
      await p.page.getByText('Welcome to Premium').waitFor();
    });
  });

  test('premium questions: the database decides — the free ones for everyone, all of them for subscribers', async () => {
    const exam = `e2e-${randomBytes(3).toString('hex')}`;
    const free = 'Free: which port does SSH listen on?';
    const premium = 'Premium: what does HSTS prevent?';
    await s.db.owner`insert into public.practice_questions (exam_code, position, question, choices, answer, explanation, is_premium)
      values (${exam}, 1, ${free}, '["21", "22", "23"]', 1, 'SSH listens on TCP port 22.', false),
             (${exam}, 2, ${premium}, '["A downgrade to plain HTTP", "Cross-site scripting"]', 0, 'HSTS makes the browser refuse plain HTTP.', true)`;
    // What the Data API answered: the premium question must never reach a browser that may not show it.
    const answered = (p: WebPage) => p.page.waitForResponse((r) => r.url().includes('/rest/v1/practice_questions') && r.request().method() === 'GET')
      .then(async (r) => ((await r.json()) as { question: string }[]).map((q) => q.question));
    await withPage('desktop', async (p) => {
      let response = answered(p);
      await p.page.goto(`${s.origin}/premium?exam=${exam}`);
      assert.deepEqual(await response, [free], 'signed out');
      await p.page.getByText(free).waitFor();
      assert.equal(await p.page.getByText(premium).count(), 0);
      await p.page.getByRole('link', { name: 'Sign in to go Premium' }).waitFor();
      await p.screenshot('premium-signed-out');

      const address = email();
      const userId = await s.supabase.createUser(address, PASSWORD);
      response = answered(p);
      await signIn(p, address, `/premium?exam=${exam}`);
      assert.deepEqual(await response, [free], 'signed in, never subscribed');
      await p.page.getByText(free).waitFor();
      assert.equal(await p.page.getByText(premium).count(), 0);
      await p.page.getByRole('link', { name: 'Go Premium' }).waitFor();
      await p.screenshot('premium-unsubscribed');

      // Bought on the iPhone: the same account reads everything on the web.
      await applySubscriptionUpdate(s.db.owner, appStoreUpdate({ userId }));
      response = answered(p);
      await p.page.reload();
      assert.deepEqual(await response, [free, premium], 'subscribed');
      await p.page.getByText(premium).waitFor();
      await p.page.getByText('Welcome to Premium').waitFor();
      assert.equal(await p.page.getByRole('link', { name: 'Go Premium' }).count(), 0);
      await p.page.getByText('Show the answer').nth(1).click();
      await p.page.getByText('HSTS makes the browser refuse plain HTTP.').waitFor();
      await p.screenshot('premium-subscribed');
    });
  });

  test('manage billing opens the Stripe customer portal', async () => {
    await withPage('desktop', async (p) => {
      const address = email();
      await s.supabase.createUser(address, PASSWORD);
      await signIn(p, address, '/subscribe');
      await payWithCard(p, FakeStripe.cards.success);
      await expectPremium(p);
      await p.page.goto(`${s.origin}/account`);
      await p.page.getByRole('button', { name: 'Manage billing' }).click();
      await p.page.waitForURL(/^https:\/\/billing\.stripe\.com\/p\/session\//);
    });
  });

  test('Google sign-in, then linking and unlinking sign-in methods', async () => {
    await withPage('desktop', async (p) => {
      const address = email();
      s.supabase.nextOAuthIdentity = { provider: 'google', email: address, name: 'Grace Hopper' };
      await p.page.goto(`${s.origin}/sign-in?next=/account`);
      await p.page.getByRole('button', { name: 'Continue with Google' }).click();
      await p.page.waitForURL(`${s.origin}/account`);
      await p.page.getByRole('heading', { name: 'Ways to sign in' }).waitFor();
      await p.page.locator('#field-display_name:enabled').waitFor(); // the stored name has arrived
      assert.equal(await p.page.getByLabel('Display name').inputValue(), 'Grace Hopper');

      // Add Apple (as someone who also uses the iPhone app would), then a password.
      s.supabase.nextOAuthIdentity = { provider: 'apple', email: 'x7k2@privaterelay.appleid.com' };
      await p.page.getByRole('button', { name: 'Link Apple' }).click();
      await p.page.waitForURL(`${s.origin}/account`);
      await p.page.getByRole('button', { name: 'Remove Apple' }).waitFor();
      await p.page.getByLabel(`Add a password for ${address}`).fill(PASSWORD);
      await p.page.getByRole('button', { name: 'Add password' }).click();
      await p.page.getByText(`You can now also sign in with ${address}`).waitFor();
      await p.screenshot('account-sign-in-methods');

      await p.page.getByRole('button', { name: 'Remove Apple' }).click();
      await p.page.getByText('Apple was removed.').waitFor();
      const providers = await s.db.owner`select provider from auth.identities i join auth.users u on u.id = i.user_id where u.email = ${address} order by provider`;
      assert.deepEqual(providers.map((r) => r.provider), ['email', 'google']);

      // The password now works on its own.
      await p.page.getByRole('button', { name: 'Sign out' }).click();
      await p.page.waitForURL(`${s.origin}/`);
      await signIn(p, address);
    });
  });

  test('linking a method that belongs to another account says so', async () => {
    await withPage('desktop', async (p) => {
      const first = email();
      s.supabase.nextOAuthIdentity = { provider: 'google', email: first };
      await p.page.goto(`${s.origin}/sign-in`);
      await p.page.getByRole('button', { name: 'Continue with Google' }).click();
      await p.page.waitForURL(`${s.origin}/account`);
      await p.page.getByRole('button', { name: 'Sign out' }).click();

      const second = email();
      await s.supabase.createUser(second, PASSWORD);
      await signIn(p, second);
      s.supabase.nextOAuthIdentity = { provider: 'google', email: first };
      await p.page.getByRole('button', { name: 'Link Google' }).click();
      await p.page.getByRole('alert').filter({ hasText: 'already linked to another account' }).waitFor();
    });
  });

  test('delete account: a web subscriber is unsubscribed and removed; an App Store subscriber is told what remains', async () => {
    await withPage('desktop', async (p) => {
      const address = email();
      const userId = await s.supabase.createUser(address, PASSWORD);
      await applySubscriptionUpdate(s.db.owner, appStoreUpdate({ userId }));
      await signIn(p, address);
      p.page.once('dialog', (dialog) => void dialog.accept());
      await p.page.getByRole('button', { name: 'Delete my account' }).click();
      await p.page.getByRole('heading', { name: 'Your account was deleted' }).waitFor();
      await p.page.getByText(/continues until you cancel it/).waitFor();
      await p.screenshot('account-deleted');
      const [gone] = await s.db.owner`select count(*)::int as n from auth.users where id = ${userId}`;
      assert.equal(gone.n, 0);
    });
  });

  test('keyboard only: skip link, labelled fields in order, Enter submits', async () => {
    await withPage('desktop', async (p) => {
      const address = email();
      await s.supabase.createUser(address, PASSWORD);
      await p.page.goto(`${s.origin}/sign-in?next=/account`);
      await p.page.getByLabel('Email').waitFor();
      await p.page.keyboard.press('Tab');
      assert.equal(await p.page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
      await p.page.getByLabel('Email').focus();
      await p.page.keyboard.type(address);
      await p.page.keyboard.press('Tab');
      assert.equal(await p.page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name), 'password');
      await p.page.keyboard.type(PASSWORD);
      await p.page.keyboard.press('Enter');
      await p.page.waitForURL(`${s.origin}/account`);
      // Every form control on the account page has an accessible name.
      const unnamed = await p.page.evaluate(() => [...document.querySelectorAll('input, button, a')]
        .filter((el) => !(el.getAttribute('aria-label') || el.textContent?.trim() || (el as HTMLInputElement).labels?.length))
        .map((el) => el.outerHTML.slice(0, 80)));
      assert.deepEqual(unnamed, []);
    });
  });

  test('forgot password → email link → new password → signed in', async () => {
    await withPage('phone', async (p) => {
      const address = email();
      await s.supabase.createUser(address, 'old-password-1');
      await p.page.goto(`${s.origin}/forgot-password`);
      await p.page.getByLabel('Email').fill(address);
      await p.page.getByRole('button', { name: 'Send reset link' }).click();
      await p.page.getByText(`If an account exists for ${address}`).waitFor();
      await p.page.goto(s.supabase.lastLink(address, 'recovery'));
      await p.page.getByLabel('New password').fill(PASSWORD);
      await p.screenshot('reset-password');
      await p.page.getByRole('button', { name: 'Save password' }).click();
      await p.page.getByText('Your password was changed.').waitFor();
      await p.page.getByRole('button', { name: 'Sign out' }).click();
      await signIn(p, address);
    });
  });
});
