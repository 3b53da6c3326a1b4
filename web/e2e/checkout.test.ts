// The checkout in a real browser (Debian's Chromium), built as for production, at 390 px (an
// iPhone) and 1280 px: every state of /subscribe and /subscribe/return, each scanned by axe-core
// and saved as a screenshot in test-artifacts/screenshots. Supabase Auth/REST and Stripe (API and
// Stripe.js) are FAKES at the network boundary; the subscribe, portal and stripe-webhook functions
// and Postgres behind them are real.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { join } from 'node:path';
import { ARTIFACTS, SIZES, startWebStack, type Size, type WebPage, type WebStack } from './web-stack.ts';
import { checkState } from './page-checks.ts';
import { applySubscriptionUpdate } from '../../supabase/functions/_shared/billing-db.ts';
import { appStoreUpdate } from '../../supabase/tests/helpers/fixtures.ts';
import { FakeStripe, type FakeStripeEvent } from '../../supabase/tests/fakes/fake-stripe.ts';

const PASSWORD = 'correct-horse-42';
const BOTH: Size[] = ['phone', 'desktop'];

/** "January 25, 2027", in UTC like the page (the browser runs in UTC). */
const day = (date: Date) => new Intl.DateTimeFormat('en-US', { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' }).format(date);

/** One calendar month after `from`, on the last day of the month when it has no such day (as Stripe bills). */
function oneMonthAfter(from: Date): Date {
  const y = from.getUTCFullYear(), m = from.getUTCMonth() + 1;
  const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return new Date(Date.UTC(y, m, Math.min(from.getUTCDate(), last)));
}

describe('checkout in Chromium', () => {
  let s: WebStack;
  before(async () => {
    s = await startWebStack();
  });
  after(async () => s?.stop());

  const email = () => `checkout-${randomBytes(4).toString('hex')}@example.test`;

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

  /** An axe-core scan, the tap-target check and a screenshot of the state the page is in. */
  async function record(p: WebPage, state: string) {
    await checkState(p, state);
    // A full-page capture draws the pinned pay bar mid-page; on phones also keep what the person sees.
    if (p.size === 'phone' && await p.page.getByTestId('pay-bar').count()) {
      await p.page.screenshot({ path: join(ARTIFACTS, `${state}-phone-viewport.png`) });
    }
  }

  async function signedIn(p: WebPage, next = '/subscribe'): Promise<{ address: string; userId: string }> {
    const address = email();
    const userId = await s.supabase.createUser(address, PASSWORD);
    await p.page.goto(`${s.origin}/sign-in?next=${encodeURIComponent(next)}`);
    await p.page.getByLabel('Email').fill(address);
    await p.page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await p.page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await p.page.waitForURL((url) => url.pathname === next.split('?')[0]);
    return { address, userId };
  }

  const payButton = (page: Page) => page.getByRole('button', { name: /^Subscribe · / });

  /** The card form: on phones it is one tap away, behind the wallets. */
  async function openCardForm(p: WebPage) {
    await p.page.getByRole('button', { name: 'Google Pay' }).waitFor();
    if (p.size === 'phone') await p.page.getByRole('button', { name: 'Pay with card' }).click();
    await p.page.getByLabel('Card number').waitFor();
    await p.page.waitForFunction(() => !document.querySelector<HTMLButtonElement>('button[type=submit]')?.disabled);
  }

  async function fillCard(page: Page, number: string) {
    await page.getByLabel('Card number').fill(number);
    await page.getByLabel('Expiration date').fill('12 / 34');
    await page.getByLabel('Security code').fill('123');
  }

  /** Holds the fake Stripe's webhooks (as if delivery were slow) until release() sends them, in order. */
  function holdWebhooks(): () => void {
    const held: FakeStripeEvent[] = [];
    const deliver = s.stripe.deliver;
    s.stripe.deliver = (events: FakeStripeEvent[]) => void held.push(...events);
    return () => {
      s.stripe.deliver = deliver;
      s.stripe.deliver(held);
    };
  }

  /** Where an element is, in page coordinates (independent of scrolling). */
  const pageBox = (page: Page, selector: string) => page.locator(selector).first().evaluate((el) => {
    const r = el.getBoundingClientRect();
    return { top: r.top + window.scrollY, bottom: r.bottom + window.scrollY, viewportTop: r.top, viewportBottom: r.bottom };
  });

  const customersOf = (userId: string) => [...s.stripe.customers.values()].filter((c) => c.metadata.supabase_user_id === userId);

  for (const size of BOTH) {
    test(`signed out: the order summary with the server's price, and an account first (${size})`, async () => {
      await withPage(size, async (p) => {
        await p.page.goto(`${s.origin}/subscribe`);
        await p.page.getByRole('heading', { level: 1, name: 'Subscribe to CertGames Premium' }).waitFor();
        assert.equal(await p.page.getByTestId('summary-price').innerText().then((t) => t.replace(/\s+/g, ' ')), '$9.99 per month');
        assert.equal(await p.page.getByTestId('due-today').innerText(), '$9.99');
        assert.equal(await p.page.getByTestId('renewal-terms').innerText(),
          `Then $9.99 every month, renews on ${day(oneMonthAfter(new Date()))}. Cancel anytime in Account.`);
        assert.equal(await p.page.getByRole('link', { name: 'Create account' }).getAttribute('href'), '/sign-up?next=%2Fsubscribe%3Fnext%3D%252Fpremium');
        await p.page.getByRole('link', { name: 'Sign in' }).last().waitFor();
        await p.page.getByText('Payments by Stripe', { exact: true }).waitFor();
        assert.equal(await p.page.getByRole('link', { name: /^Terms/ }).getAttribute('href'), 'https://certgames.com/terms');
        assert.equal(await p.page.getByRole('link', { name: /^Privacy/ }).getAttribute('href'), 'https://certgames.com/privacy');
        assert.equal(await p.page.getByRole('link', { name: /^Refunds/ }).getAttribute('href'), 'https://certgames.com/refund-policy');
        assert.equal(await p.page.title(), 'Subscribe to CertGames Premium · CertGames');
        // The favicon is ours, and served.
        const icon = await p.page.locator('link[rel=icon]').getAttribute('href');
        assert.equal(icon, '/favicon.svg');
        const res = await p.page.request.get(`${s.origin}${icon}`);
        assert.match(await res.text(), /<svg/);
        await record(p, 'checkout-signed-out');
      });
    });

    test(`card → processing while the webhook is on its way → receipt (${size})`, async () => {
      await withPage(size, async (p) => {
        const { address, userId } = await signedIn(p);
        // Wallets first: on a phone above the fold, before the card option.
        const wallet = await p.page.getByRole('button', { name: 'Google Pay' }).boundingBox();
        assert.ok(wallet && wallet.y + wallet.height <= SIZES[size].height, `wallet button above the fold: ${JSON.stringify(wallet)}`);
        if (size === 'phone') {
          assert.equal(await p.page.getByLabel('Card number').count(), 0, 'the card form is one tap away');
          const card = await p.page.getByRole('button', { name: 'Pay with card' }).boundingBox();
          assert.ok(card && card.y > wallet.y && card.y + card.height <= SIZES.phone.height);
        }
        await record(p, 'checkout');
        await openCardForm(p);
        assert.equal(await payButton(p.page).innerText(), 'Subscribe · $9.99/month');

        // The pay button is always in reach: inside the viewport at the top, in the middle and at the end of the page.
        for (const y of [0, 200, 100_000]) {
          await p.page.evaluate((top) => window.scrollTo(0, top), y);
          const bar = await p.page.getByTestId('pay-bar').boundingBox();
          const button = await payButton(p.page).boundingBox();
          assert.ok(bar && button, 'pay bar rendered');
          assert.ok(button.y >= 0 && button.y + button.height <= SIZES[size].height, `pay button in the viewport at scroll ${y}: ${JSON.stringify(button)}`);
          assert.ok(bar.y >= 0 && bar.y + bar.height <= SIZES[size].height + 0.5, `pay bar in the viewport at scroll ${y}: ${JSON.stringify(bar)}`);
          // On a phone it is pinned to the bottom edge until the page ends (then it rests above the terms).
          if (size === 'phone' && y === 0) assert.ok(Math.abs(bar.y + bar.height - SIZES.phone.height) <= 0.5, `sticky bar at the bottom at scroll ${y}: ${JSON.stringify(bar)}`);
        }
        await p.page.evaluate(() => window.scrollTo(0, 0));
        await record(p, 'checkout-card');

        const release = holdWebhooks();
        await fillCard(p.page, FakeStripe.cards.success);
        await payButton(p.page).click();
        await p.page.getByRole('heading', { name: 'Confirming your subscription' }).waitFor({ timeout: 20_000 });
        await p.page.getByText('Payment of $9.99 received', { exact: true }).waitFor();
        await p.page.getByText('Turning on Premium for your account').waitFor();
        await record(p, 'subscribe-return-processing');
        release();

        await p.page.getByRole('heading', { name: "You're Premium" }).waitFor({ timeout: 20_000 });
        const [row] = await s.db.owner`select current_period_ends_at from public.subscriptions where user_id = ${userId}`;
        assert.equal(await p.page.getByTestId('receipt-amount').innerText(), '$9.99');
        assert.equal(await p.page.getByTestId('receipt-renewal').innerText(), day(row.current_period_ends_at));
        await p.page.getByText('Visa •••• 4242').waitFor();
        assert.equal(await p.page.getByTestId('receipt-email').innerText(), address);
        assert.equal(await p.page.getByRole('link', { name: 'Account', exact: true }).last().getAttribute('href'), '/account');
        await p.page.getByText(/cancel anytime in/).waitFor();
        assert.equal(await p.page.title(), "You're Premium · CertGames");
        await record(p, 'subscribe-return');

        // Subscribed: the checkout no longer sells.
        await p.page.goto(`${s.origin}/subscribe`);
        await p.page.getByRole('heading', { name: "You're already subscribed" }).waitFor();
        await p.page.getByText('You already have a subscription on the web.').waitFor();
        assert.equal(await p.page.getByRole('link', { name: 'Go to Account' }).getAttribute('href'), '/account');
        assert.equal(await p.page.getByLabel('Card number').count(), 0);
        assert.equal(await payButton(p.page).count(), 0);
        await record(p, 'checkout-already-subscribed');
      });
    });

    test(`declined card: the error next to the button, focused, with a next step; nothing above moves (${size})`, async () => {
      await withPage(size, async (p) => {
        const { userId } = await signedIn(p);
        await openCardForm(p);
        await fillCard(p.page, FakeStripe.cards.declined);
        const fieldBefore = await pageBox(p.page, '#fake-card-number');
        await payButton(p.page).click();
        const alert = p.page.getByRole('alert').filter({ hasText: 'Your card was declined.' });
        await alert.waitFor({ timeout: 20_000 });
        assert.match(await alert.innerText(), /You have not been charged\. Try another card or Google Pay\./);
        assert.equal(await p.page.evaluate(() => document.activeElement?.id), 'payment-problem', 'focus moved to the error');
        const notice = await alert.boundingBox();
        const button = await payButton(p.page).boundingBox();
        assert.ok(notice && button);
        const gap = button.y - (notice.y + notice.height);
        assert.ok(gap >= 0 && gap <= 24, `the error sits right above the pay button (gap ${gap}px)`);
        for (const box of [notice, button]) assert.ok(box.y >= 0 && box.y + box.height <= SIZES[size].height, `in the viewport: ${JSON.stringify(box)}`);
        assert.equal((await pageBox(p.page, '#fake-card-number')).top, fieldBefore.top, 'the card form did not move');
        await record(p, 'checkout-declined');

        // The success page states a failed payment too (reached with a declined payment's secret).
        const [customer] = customersOf(userId);
        const pi = [...s.stripe.paymentIntents.values()].find((x) => x.customer === customer.id)!;
        await p.page.goto(`${s.origin}/subscribe/return?payment_intent_client_secret=${encodeURIComponent(pi.client_secret)}&next=%2Fpremium`);
        await p.page.getByRole('heading', { name: 'Payment not completed' }).waitFor();
        await p.page.getByText('Your card was declined.').waitFor();
        assert.equal(await p.page.getByRole('link', { name: 'Try again' }).getAttribute('href'), '/subscribe?next=%2Fpremium');
        await record(p, 'subscribe-return-failed');
      }, { expectedHttpErrors: [402] });
    });

    test(`while processing, wallets, fields and the button are locked, and nothing moves (${size})`, async () => {
      await withPage(size, async (p) => {
        await signedIn(p);
        await openCardForm(p);
        await fillCard(p.page, FakeStripe.cards.success);
        const before = await payButton(p.page).boundingBox();
        s.stripe.postLatencyMs = 1500; // Stripe takes its time
        try {
          await payButton(p.page).click();
          const busy = p.page.locator('button[type=submit][aria-busy=true]');
          await busy.waitFor();
          assert.equal(await busy.innerText(), 'Processing…');
          assert.equal(await busy.isDisabled(), true);
          const locked = await p.page.evaluate(() => ({
            card: Boolean(document.querySelector('#fake-card-number')?.closest('[inert]')),
            wallets: Boolean(document.querySelector('[data-wallet]')?.closest('[inert]')),
          }));
          assert.deepEqual(locked, { card: true, wallets: true });
          // Inert controls are out of reach: they cannot take focus (nor clicks).
          const focusable = await p.page.evaluate(() => [document.querySelector<HTMLElement>('[data-wallet]'), document.querySelector<HTMLElement>('#fake-card-number')]
            .map((el) => { el?.focus(); return document.activeElement === el; }));
          assert.deepEqual(focusable, [false, false]);
          await p.page.getByRole('status').filter({ hasText: 'Processing your payment' }).waitFor();
          const during = await busy.boundingBox();
          assert.deepEqual([during?.y, during?.height], [before?.y, before?.height], 'no layout jump');
          await record(p, 'checkout-processing');
        } finally {
          s.stripe.postLatencyMs = 0;
        }
        await p.page.getByRole('heading', { name: "You're Premium" }).waitFor({ timeout: 30_000 });
      });
    });

    test(`subscribed through the App Store: the page does not sell, it says so and links to Account (${size})`, async () => {
      await withPage(size, async (p) => {
        const address = email();
        const userId = await s.supabase.createUser(address, PASSWORD);
        await applySubscriptionUpdate(s.db.owner, appStoreUpdate({ userId }));
        await p.page.goto(`${s.origin}/sign-in?next=%2Fsubscribe`);
        await p.page.getByLabel('Email').fill(address);
        await p.page.getByLabel('Password', { exact: true }).fill(PASSWORD);
        await p.page.getByRole('button', { name: 'Sign in', exact: true }).click();
        await p.page.getByText('You are subscribed through the App Store on your iPhone').waitFor();
        assert.equal(await payButton(p.page).count(), 0);
        assert.equal(await p.page.getByRole('button', { name: 'Google Pay' }).count(), 0);
        assert.equal(await p.page.getByRole('link', { name: 'Go to Account' }).getAttribute('href'), '/account');
        await record(p, 'checkout-app-store');
      });
    });
  }

  // Last: it changes the price in Stripe (and puts it back).
  for (const size of BOTH) {
    test(`the price changes after the page loaded: the page refuses to confirm and shows the new price (${size})`, async () => {
      const product = [...s.stripe.products.values()][0];
      const setPrice = (amount: number) => s.stripe.createPrice({ product: product.id, unit_amount: String(amount), currency: 'usd', recurring: { interval: 'month' }, lookup_key: 'premium_monthly', transfer_lookup_key: 'true' });
      const dollars = (cents: number) => `$${(cents / 100).toFixed(2)}`;
      try {
        await withPage(size, async (p) => {
          const { userId } = await signedIn(p);
          await openCardForm(p);
          // Whatever the page shows (GET subscribe may serve a read up to a minute old)…
          const shown = Math.round(Number(/\$(\d+\.\d\d)\/month$/.exec(await payButton(p.page).innerText())![1]) * 100);
          const raised = shown + 300;
          setPrice(raised); // …an operator raises the price while the page is open.
          await fillCard(p.page, FakeStripe.cards.success);
          await payButton(p.page).click();

          const notice = p.page.getByRole('status').filter({ hasText: 'The price has changed' });
          await notice.waitFor({ timeout: 20_000 });
          assert.ok((await notice.innerText()).includes(`It went from ${dollars(shown)}/month to ${dollars(raised)}/month. Nothing was charged.`), await notice.innerText());
          assert.equal(await p.page.evaluate(() => document.activeElement?.id), 'payment-problem', 'focus moved to the notice');
          // The whole page now states the new price, and nothing was created or charged.
          assert.equal(await payButton(p.page).innerText(), `Subscribe · ${dollars(raised)}/month`);
          assert.equal(await p.page.getByTestId('due-today').innerText(), dollars(raised));
          assert.ok((await p.page.getByTestId('renewal-terms').innerText()).startsWith(`Then ${dollars(raised)} every month`));
          assert.deepEqual(customersOf(userId), [], 'no Stripe customer');
          assert.equal([...s.stripe.subscriptions.values()].filter((x) => x.metadata.supabase_user_id === userId).length, 0, 'no Stripe subscription');
          const [{ n }] = await s.db.owner`select count(*)::int as n from billing.store_subscriptions where user_id = ${userId}`;
          assert.equal(n, 0, 'nothing written');
          await record(p, 'checkout-price-changed');

          // Confirming again, now knowingly, charges the new price.
          await payButton(p.page).click();
          await p.page.getByRole('heading', { name: "You're Premium" }).waitFor({ timeout: 20_000 });
          assert.equal(await p.page.getByTestId('receipt-amount').innerText(), dollars(raised));
          const [sub] = [...s.stripe.subscriptions.values()].filter((x) => x.metadata.supabase_user_id === userId);
          assert.equal(sub.items.data[0].price.unit_amount, raised);
        }, { expectedHttpErrors: [409] });
      } finally {
        setPrice(999);
      }
    });
  }
});
