// The account page in a real browser (Debian's Chromium) at 390 px and 1280 px, in every
// subscription state: none (with the price), processing, active on the web (amount, next charge,
// card, last payment, invoice history), will not renew, grace period, failed payment, refunded,
// App Store, and paying in both stores. Each state is scanned by axe-core and saved as a
// screenshot. Web states are reached the way they happen: the real subscribe function, the FAKE
// Stripe's lifecycle controls and its signed webhooks to the real stripe-webhook function.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startWebStack, type Size, type WebPage, type WebStack } from './web-stack.ts';
import { checkState } from './page-checks.ts';
import { applySubscriptionUpdate } from '../../supabase/functions/_shared/billing-db.ts';
import { appStoreUpdate, at, DAY_MS } from '../../supabase/tests/helpers/fixtures.ts';
import type { FakeStripeEvent } from '../../supabase/tests/fakes/fake-stripe.ts';

const PASSWORD = 'correct-horse-42';
const BOTH: Size[] = ['phone', 'desktop'];
const day = (date: Date | string) => new Intl.DateTimeFormat('en-US', { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' }).format(new Date(date));

describe('account page in Chromium', () => {
  let s: WebStack;
  before(async () => {
    s = await startWebStack();
  });
  after(async () => s?.stop());

  async function withPage(size: Size, run: (p: WebPage) => Promise<void>) {
    const p = await s.open(size);
    try {
      await run(p);
      assert.deepEqual(p.consoleErrors, [], 'no console errors');
    } finally {
      await p.close();
    }
  }

  async function person(): Promise<{ address: string; userId: string }> {
    const address = `account-${randomBytes(4).toString('hex')}@example.test`;
    return { address, userId: await s.supabase.createUser(address, PASSWORD) };
  }

  async function openAccount(p: WebPage, address: string) {
    await p.page.goto(`${s.origin}/sign-in?next=%2Faccount`);
    await p.page.getByLabel('Email').fill(address);
    await p.page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await p.page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await p.page.waitForURL(`${s.origin}/account`);
    await p.page.getByRole('heading', { level: 1, name: 'Account' }).waitFor();
  }

  /** Sends the fake Stripe's events to the real webhook and waits until every one was answered 200. */
  async function deliver(events: FakeStripeEvent[]) {
    const before = s.stripe.deliveries.length;
    s.stripe.deliver(events);
    const deadline = Date.now() + 15_000;
    while (s.stripe.deliveries.length < before + events.length) {
      assert.ok(Date.now() < deadline, 'webhooks delivered in time');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.deepEqual(s.stripe.deliveries.slice(before).map((d) => d.status), events.map(() => 200));
  }

  /** Subscribes through the real subscribe function (as the page does), optionally paying the first invoice. */
  async function webSubscriber(options: { pay: boolean } = { pay: true }) {
    const { address, userId } = await person();
    const token = await s.signer.token(userId, { email: address });
    const res = await fetch(`${s.supabase.url}/functions/v1/subscribe`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', origin: s.origin }, body: JSON.stringify({ amount: 999, currency: 'usd' }),
    });
    const started = await res.json();
    assert.equal(res.status, 200, JSON.stringify(started));
    if (options.pay) await deliver(s.stripe.payFirstInvoice(started.subscriptionId, 'succeeded'));
    return { address, userId, subscriptionId: started.subscriptionId as string };
  }

  const periodEndOf = async (userId: string) => (await s.db.owner`select current_period_ends_at from public.subscriptions where user_id = ${userId}`)[0].current_period_ends_at as Date;
  const text = async (p: WebPage, testId: string) => (await p.page.getByTestId(testId).innerText()).replace(/\s+/g, ' ').trim();

  for (const size of BOTH) {
    test(`no subscription: the price from the server and a way in (${size})`, async () => {
      await withPage(size, async (p) => {
        const { address } = await person();
        await openAccount(p, address);
        await p.page.getByRole('heading', { name: 'No subscription' }).waitFor();
        const subscribe = p.page.getByRole('link', { name: 'Subscribe · $9.99/month' });
        assert.equal(await subscribe.getAttribute('href'), '/subscribe');
        assert.equal(await text(p, 'account-price'), '$9.99 per month. Cancel anytime.');
        assert.equal(await p.page.title(), 'Account · CertGames');
        await checkState(p, 'account-none');
      });
    });

    test(`active on the web: amount, next charge, card, last payment, invoice history (${size})`, async () => {
      await withPage(size, async (p) => {
        const { address, userId, subscriptionId } = await webSubscriber();
        // Stripe's own time of the payment (the fake's clock moves with the renewals other tests play).
        const paidAt = new Date(s.stripe.invoices.get(s.stripe.subscriptions.get(subscriptionId)!.latest_invoice)!.status_transitions.paid_at * 1000);
        await openAccount(p, address);
        await p.page.getByRole('heading', { name: 'Premium is active' }).waitFor();
        await p.page.getByText('Visa •••• 4242').waitFor();
        const end = await periodEndOf(userId);
        assert.equal(await text(p, 'account-amount'), '$9.99/month');
        assert.equal(await text(p, 'account-next-charge'), `$9.99 on ${day(end)}`);
        assert.match(await text(p, 'account-payment-method'), /^Visa •••• 4242 Expires 12\/\d{4}$/);
        assert.equal(await text(p, 'account-last-payment'), `$9.99 on ${day(paidAt)} View receipt (opens in a new tab)`);
        await p.page.getByRole('button', { name: 'Manage billing' }).waitFor();
        await checkState(p, 'account-web-active');
        await p.page.getByRole('button', { name: 'Invoice history' }).click();
        await p.page.waitForURL(/^https:\/\/billing\.stripe\.com\/p\/session\//);
      });
    });

    test(`cancelled at period end: access until, no next charge (${size})`, async () => {
      await withPage(size, async (p) => {
        const { address, userId, subscriptionId } = await webSubscriber();
        await deliver(s.stripe.scheduleCancellation(subscriptionId));
        await openAccount(p, address);
        await p.page.getByText(/it will not renew/).waitFor();
        await p.page.getByText('Visa •••• 4242').waitFor();
        assert.equal(await text(p, 'account-access-until'), day(await periodEndOf(userId)));
        assert.equal(await p.page.getByTestId('account-next-charge').count(), 0);
        await checkState(p, 'account-will-not-renew');
      });
    });

    test(`renewal failed, grace period: a warning and the fix (${size})`, async () => {
      await withPage(size, async (p) => {
        const { address, subscriptionId } = await webSubscriber();
        await deliver(s.stripe.renew(subscriptionId, 'failed'));
        await openAccount(p, address);
        await p.page.getByRole('heading', { name: 'Payment problem' }).waitFor();
        await p.page.getByRole('status').filter({ hasText: 'Your last payment failed' }).waitFor();
        await p.page.getByRole('button', { name: 'Update payment method' }).waitFor();
        await p.page.getByText('Visa •••• 4242').waitFor();
        await checkState(p, 'account-grace');
      });
    });

    test(`payment failed, no access: an error and the fix where the subscription lives (${size})`, async () => {
      await withPage(size, async (p) => {
        const { address, userId } = await person();
        await applySubscriptionUpdate(s.db.owner, appStoreUpdate({ userId, status: 'past_due', expiresAt: at(new Date(), -DAY_MS) }));
        await openAccount(p, address);
        await p.page.getByRole('heading', { name: 'Payment failed' }).waitFor();
        await p.page.getByRole('alert').filter({ hasText: 'Premium is paused until your payment goes through' }).waitFor();
        assert.equal(await p.page.getByRole('link', { name: /^Update payment in the App Store/ }).getAttribute('href'), 'https://apps.apple.com/account/subscriptions');
        await checkState(p, 'account-payment-failed');
      });
    });

    test(`refunded: said plainly, with the price to subscribe again (${size})`, async () => {
      await withPage(size, async (p) => {
        const { address, subscriptionId } = await webSubscriber();
        await deliver(s.stripe.refundLatestInvoice(subscriptionId));
        await openAccount(p, address);
        await p.page.getByRole('heading', { name: 'Refunded' }).waitFor();
        await p.page.getByText('This subscription was refunded, so Premium has ended.').waitFor();
        await p.page.getByRole('link', { name: 'Subscribe · $9.99/month' }).waitFor();
        await checkState(p, 'account-refunded');
      });
    });

    test(`payment processing: told, nothing to do (${size})`, async () => {
      await withPage(size, async (p) => {
        const { address } = await webSubscriber({ pay: false });
        await openAccount(p, address);
        await p.page.getByRole('heading', { name: 'Payment processing' }).waitFor();
        await p.page.getByText('We will unlock Premium as soon as your payment is confirmed.').waitFor();
        await checkState(p, 'account-processing');
      });
    });

    test(`App Store: managed in the App Store (${size})`, async () => {
      await withPage(size, async (p) => {
        const { address, userId } = await person();
        await applySubscriptionUpdate(s.db.owner, appStoreUpdate({ userId }));
        await openAccount(p, address);
        await p.page.getByRole('heading', { name: 'Premium is active' }).waitFor();
        await p.page.getByText('Managed in the App Store on your iPhone').waitFor();
        assert.equal(await p.page.getByRole('link', { name: /^Manage in the App Store/ }).getAttribute('href'), 'https://apps.apple.com/account/subscriptions');
        assert.equal(await p.page.getByRole('button', { name: 'Manage billing' }).count(), 0);
        await checkState(p, 'account-app-store');
      });
    });

    test(`paying in both stores: a warning with both ways out (${size})`, async () => {
      await withPage(size, async (p) => {
        const { address, userId } = await webSubscriber();
        await applySubscriptionUpdate(s.db.owner, appStoreUpdate({ userId }));
        await openAccount(p, address);
        const warning = p.page.getByRole('status').filter({ hasText: 'You are paying twice' });
        await warning.waitFor();
        assert.match(await warning.evaluate((el) => el.className), /notice--warning/);
        assert.equal(await warning.getByRole('link', { name: /^Manage in the App Store/ }).getAttribute('href'), 'https://apps.apple.com/account/subscriptions');
        await warning.getByRole('button', { name: 'Manage web billing' }).waitFor();
        await checkState(p, 'account-both-stores');
        await warning.getByRole('button', { name: 'Manage web billing' }).click();
        await p.page.waitForURL(/^https:\/\/billing\.stripe\.com\/p\/session\//);
      });
    });
  }
});
