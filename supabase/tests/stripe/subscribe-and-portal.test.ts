// The signed-in functions: who may call them, from where, and what they refuse.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startStripeStack, subscriptionRowOf, WEB_ORIGIN, type StripeStack } from '../helpers/stripe-stack.ts';
import { applySubscriptionUpdate } from '../../functions/_shared/billing-db.ts';
import { appStoreUpdate } from '../helpers/fixtures.ts';
import { callFunction, startEdgeFunction } from '../helpers/edge-function.ts';

describe('subscribe and portal', () => {
  let s: StripeStack;
  before(async () => {
    s = await startStripeStack({ functions: ['subscribe', 'portal', 'stripe-webhook'] });
  });
  after(async () => s?.stop());

  describe('caller authentication', () => {
    test('no token, a malformed token, or a token from elsewhere: 401', async () => {
      const user = await s.signedUser();
      const cases: [string, string | undefined][] = [
        ['missing', undefined],
        ['malformed', 'not-a-jwt'],
        ['foreign key', await s.signer.token(user.id, { foreignKey: true })],
        ['expired', await s.signer.token(user.id, { expiresInSeconds: -60 })],
        ['anon role', await s.signer.token(user.id, { role: 'anon' })],
        ['wrong issuer', await s.signer.token(user.id, { issuer: 'https://evil.example/auth/v1' })],
        ['wrong audience', await s.signer.token(user.id, { audience: 'service' })],
      ];
      for (const [label, token] of cases) {
        for (const fn of ['subscribe', 'portal'] as const) {
          const res = await s.call(fn, { token, origin: WEB_ORIGIN, body: {} });
          assert.equal(res.status, 401, `${fn} ${label}: ${JSON.stringify(res.body)}`);
          assert.equal(res.body.error.code, 'unauthorized');
        }
      }
      assert.equal(s.stripe.requestsTo('POST', '/v1/customers').length, 0, 'nothing reached Stripe');
    });

    test('a legacy HS256 token signed with the project secret is accepted', async () => {
      const user = await s.signedUser();
      const res = await s.call('subscribe', { token: await s.signer.token(user.id, { legacy: true }), origin: WEB_ORIGIN, body: {} });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    });
  });

  describe('HTTP contract', () => {
    test('CORS preflight from our web origin is allowed; another origin is refused', async () => {
      const ok = await s.call('subscribe', { method: 'OPTIONS', origin: WEB_ORIGIN });
      assert.equal(ok.status, 204);
      assert.equal(ok.headers.get('access-control-allow-origin'), WEB_ORIGIN);
      assert.match(ok.headers.get('access-control-allow-headers') ?? '', /authorization/);
      const evil = await s.call('subscribe', { method: 'OPTIONS', origin: 'https://evil.example' });
      assert.equal(evil.status, 403);
      assert.equal(evil.headers.get('access-control-allow-origin'), null);
    });

    test('error answers carry CORS headers too, so the page can read the error', async () => {
      const user = await s.signedUser();
      const cases = [
        await s.call('subscribe', { origin: WEB_ORIGIN, body: {} }), // 401
        await s.call('portal', { token: user.token, origin: WEB_ORIGIN, body: {} }), // 404 no billing account
        await s.call('subscribe', { method: 'DELETE', origin: WEB_ORIGIN }), // 405
      ];
      for (const res of cases) {
        assert.ok(res.status >= 400, String(res.status));
        assert.equal(res.headers.get('access-control-allow-origin'), WEB_ORIGIN, `${res.status} ${JSON.stringify(res.body)}`);
      }
    });

    test('native apps (no Origin header) may call', async () => {
      const user = await s.signedUser();
      const res = await s.call('portal', { token: user.token, body: {} });
      assert.equal(res.status, 404); // reached the handler: no billing account yet
      assert.equal(res.body.error.code, 'no_billing_account');
    });

    test('bad bodies: invalid JSON 400, non-object 400, oversized 413', async () => {
      const user = await s.signedUser();
      const bad = await s.call('subscribe', { token: user.token, origin: WEB_ORIGIN, rawBody: '{oops', headers: { 'content-type': 'application/json' } });
      assert.deepEqual([bad.status, bad.body.error.code], [400, 'invalid_json']);
      const array = await s.call('subscribe', { token: user.token, origin: WEB_ORIGIN, body: [1, 2] });
      assert.deepEqual([array.status, array.body.error.code], [400, 'invalid_json']);
      const big = await s.call('subscribe', { token: user.token, origin: WEB_ORIGIN, body: { pad: 'x'.repeat(20_000) } });
      assert.deepEqual([big.status, big.body.error.code], [413, 'payload_too_large']);
      assert.equal(await subscriptionRowOf(s.db, user.id), undefined, 'nothing written');
    });

    test('a client-sent price id is ignored: the server charges the lookup key’s price', async () => {
      const user = await s.signedUser();
      const res = await s.call('subscribe', { token: user.token, origin: WEB_ORIGIN, body: { price: 'price_cheap', amount: 999, currency: 'usd' } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.amount, 999);
      const sub = s.stripe.subscriptions.get(res.body.subscriptionId)!;
      assert.equal(sub.items.data[0].price.unit_amount, 999);
      assert.equal(sub.items.data[0].price.lookup_key, 'premium_monthly');
    });

    test('a client-sent lower amount is never charged: 409 price_changed, nothing created', async () => {
      const user = await s.signedUser();
      const subscriptionsBefore = s.stripe.subscriptions.size;
      const res = await s.call('subscribe', { token: user.token, origin: WEB_ORIGIN, body: { amount: 1, currency: 'usd' } });
      assert.deepEqual([res.status, res.body.error.code, res.body.error.price?.amount], [409, 'price_changed', 999], JSON.stringify(res.body));
      assert.equal(s.stripe.subscriptions.size, subscriptionsBefore);
      assert.equal(await subscriptionRowOf(s.db, user.id), undefined);
    });

    test('methods other than GET/POST/OPTIONS: 405', async () => {
      const res = await s.call('subscribe', { method: 'DELETE', origin: WEB_ORIGIN });
      assert.equal(res.status, 405);
    });
  });

  describe('subscribe', () => {
    test('two concurrent calls make one customer and one subscription', async () => {
      const user = await s.signedUser();
      const [a, b] = await Promise.all([
        s.call('subscribe', { token: user.token, origin: WEB_ORIGIN, body: {} }),
        s.call('subscribe', { token: user.token, origin: WEB_ORIGIN, body: {} }),
      ]);
      assert.deepEqual([a.status, b.status], [200, 200], JSON.stringify([a.body, b.body]));
      assert.equal(a.body.subscriptionId, b.body.subscriptionId);
      const customers = [...s.stripe.customers.values()].filter((c) => c.metadata.supabase_user_id === user.id);
      assert.equal(customers.length, 1);
      assert.equal([...s.stripe.subscriptions.values()].filter((x) => x.customer === customers[0].id).length, 1);
      const [link] = await s.db.owner`select stripe_customer_id from billing.stripe_customers where user_id = ${user.id}`;
      assert.equal(link.stripe_customer_id, customers[0].id);
    });

    test('already entitled through the App Store: 409, told where, nothing created in Stripe', async () => {
      const user = await s.signedUser();
      await applySubscriptionUpdate(s.db.owner, appStoreUpdate({ userId: user.id }));
      const customersBefore = s.stripe.customers.size;
      const res = await s.call('subscribe', { token: user.token, origin: WEB_ORIGIN, body: {} });
      assert.equal(res.status, 409);
      assert.equal(res.body.error.code, 'already_subscribed');
      assert.equal(res.body.error.store, 'app_store');
      assert.match(res.body.error.message, /App Store/);
      assert.equal(s.stripe.customers.size, customersBefore);
    });

    test('already active in Stripe before our webhook landed: 409, no second subscription', async () => {
      const user = await s.signedUser();
      const first = await s.call('subscribe', { token: user.token, origin: WEB_ORIGIN, body: {} });
      s.stripe.payFirstInvoice(first.body.subscriptionId, 'succeeded'); // events not delivered yet
      const again = await s.call('subscribe', { token: user.token, origin: WEB_ORIGIN, body: {} });
      assert.equal(again.status, 409);
      assert.equal(again.body.error.store, 'stripe');
    });

    for (const webhookLanded of [true, false]) {
      test(`after an operator deleted the Stripe customer (webhook ${webhookLanded ? 'landed' : 'not yet landed'}), subscribe makes a new customer`, async () => {
        const user = await s.signedUser();
        const first = await s.call('subscribe', { token: user.token, origin: WEB_ORIGIN, body: {} });
        const deletedId = s.stripe.subscriptions.get(first.body.subscriptionId)!.customer as string;
        const events = s.stripe.deleteCustomer(deletedId);
        if (webhookLanded) for (const event of events) assert.equal((await s.deliver(event)).status, 200);

        const again = await s.call('subscribe', { token: user.token, origin: WEB_ORIGIN, body: {} });
        assert.equal(again.status, 200, JSON.stringify(again.body));
        const replacement = s.stripe.subscriptions.get(again.body.subscriptionId)!.customer as string;
        assert.notEqual(replacement, deletedId);
        assert.ok(s.stripe.customers.has(replacement));
        const links = await s.db.owner`select stripe_customer_id from billing.stripe_customers where user_id = ${user.id}`;
        assert.deepEqual(links.map((l) => l.stripe_customer_id), [replacement]);

        // A retry converges on the same replacement customer and subscription.
        const retry = await s.call('subscribe', { token: user.token, origin: WEB_ORIGIN, body: {} });
        assert.equal(retry.body.subscriptionId, again.body.subscriptionId);
        assert.equal([...s.stripe.customers.values()].filter((c) => c.metadata.supabase_user_id === user.id).length, 1);
      });
    }

    test('after an abandoned attempt expired, a new subscription is created', async () => {
      const user = await s.signedUser();
      const first = await s.call('subscribe', { token: user.token, origin: WEB_ORIGIN, body: {} });
      s.stripe.subscriptions.get(first.body.subscriptionId)!.status = 'incomplete_expired';
      const second = await s.call('subscribe', { token: user.token, origin: WEB_ORIGIN, body: {} });
      assert.equal(second.status, 200);
      assert.notEqual(second.body.subscriptionId, first.body.subscriptionId);
    });

    test('after a price change, the unpaid attempt at the old price is canceled, not left payable', async () => {
      const user = await s.signedUser();
      const first = await s.call('subscribe', { token: user.token, origin: WEB_ORIGIN, body: {} });
      const product = [...s.stripe.products.values()][0];
      s.stripe.createPrice({ product: product.id, unit_amount: '1299', currency: 'usd', recurring: { interval: 'month' }, lookup_key: 'premium_monthly', transfer_lookup_key: 'true' });
      // A fresh instance: the function caches the price for a few minutes.
      const fresh = await startEdgeFunction('subscribe', s.env);
      try {
        const res = await callFunction(fresh, { token: user.token, origin: WEB_ORIGIN, body: {} });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.notEqual(res.body.subscriptionId, first.body.subscriptionId);
        assert.equal(res.body.amount, 1299);
        assert.equal(s.stripe.subscriptions.get(first.body.subscriptionId)!.status, 'canceled');
      } finally {
        await fresh.stop();
      }
    });

    test('Stripe unavailable: 503 and nothing recorded for the user', async () => {
      const user = await s.signedUser();
      s.stripe.unavailable = true;
      try {
        const res = await s.call('subscribe', { token: user.token, origin: WEB_ORIGIN, body: {} });
        assert.deepEqual([res.status, res.body.error.code], [503, 'stripe_unavailable']);
      } finally {
        s.stripe.unavailable = false;
      }
      assert.equal(await subscriptionRowOf(s.db, user.id), undefined);
    });
  });

  describe('portal', () => {
    test('returns a portal URL for the user’s own customer, with an allowed return URL', async () => {
      const user = await s.signedUser();
      await s.call('subscribe', { token: user.token, origin: WEB_ORIGIN, body: {} });
      const res = await s.call('portal', { token: user.token, origin: WEB_ORIGIN, body: { returnUrl: `${WEB_ORIGIN}/account?from=portal` } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.match(res.body.url, /^https:\/\/billing\.stripe\.com\/p\/session\//);
      const [request] = s.stripe.requestsTo('POST', '/v1/billing_portal/sessions').slice(-1);
      const [link] = await s.db.owner`select stripe_customer_id from billing.stripe_customers where user_id = ${user.id}`;
      assert.equal(request.params.customer, link.stripe_customer_id);
      assert.equal(request.params.return_url, `${WEB_ORIGIN}/account?from=portal`);
    });

    test('a customer deleted in Stripe before its webhook landed: 404 no_billing_account, not a 500', async () => {
      const user = await s.signedUser();
      const first = await s.call('subscribe', { token: user.token, origin: WEB_ORIGIN, body: {} });
      s.stripe.deleteCustomer(s.stripe.subscriptions.get(first.body.subscriptionId)!.customer as string); // events not delivered
      const res = await s.call('portal', { token: user.token, origin: WEB_ORIGIN, body: {} });
      assert.deepEqual([res.status, res.body.error?.code], [404, 'no_billing_account'], JSON.stringify(res.body));
    });

    test('defaults the return URL to the account page', async () => {
      const user = await s.signedUser();
      await s.call('subscribe', { token: user.token, origin: WEB_ORIGIN, body: {} });
      await s.call('portal', { token: user.token, origin: WEB_ORIGIN, body: {} });
      const [request] = s.stripe.requestsTo('POST', '/v1/billing_portal/sessions').slice(-1);
      assert.equal(request.params.return_url, `${WEB_ORIGIN}/account`);
    });

    test('a return URL off our origins is refused (no open redirect)', async () => {
      const user = await s.signedUser();
      await s.call('subscribe', { token: user.token, origin: WEB_ORIGIN, body: {} });
      for (const returnUrl of ['https://evil.example/account', 'javascript:alert(1)', '/relative', 42, `http://user:pw@127.0.0.1:5173/`]) {
        const res = await s.call('portal', { token: user.token, origin: WEB_ORIGIN, body: { returnUrl } });
        assert.deepEqual([res.status, res.body.error.code], [400, 'invalid_return_url'], String(returnUrl));
      }
    });
  });

  describe('the price from one place: GET shows what POST charges', () => {
    // Its own stack: these tests change the price in Stripe.
    let p: StripeStack;
    before(async () => {
      p = await startStripeStack({ functions: ['subscribe', 'portal'] });
    });
    after(async () => p?.stop());

    const getPrice = () => p.call('subscribe', { method: 'GET', origin: WEB_ORIGIN });
    const subscribeShowing = (token: string, shown: Record<string, unknown>) => p.call('subscribe', { token, origin: WEB_ORIGIN, body: shown });
    const changePrice = (unitAmount: number, recurring: Record<string, string> = { interval: 'month' }) => {
      const product = [...p.stripe.products.values()][0];
      return p.stripe.createPrice({ product: product.id, unit_amount: String(unitAmount), currency: 'usd', recurring, lookup_key: 'premium_monthly', transfer_lookup_key: 'true' });
    };

    test('GET: the lookup key’s price, formatted, public and briefly cacheable', async () => {
      const res = await getPrice();
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { amount: 999, currency: 'usd', interval: 'month', intervalCount: 1, trialPeriodDays: null, productName: 'Premium', formatted: '$9.99' });
      assert.equal(res.headers.get('cache-control'), 'public, max-age=60');
      assert.equal(res.headers.get('access-control-allow-origin'), WEB_ORIGIN);
    });

    test('POST with the price GET showed charges exactly that price', async () => {
      const user = await p.signedUser();
      const shown = (await getPrice()).body;
      const res = await subscribeShowing(user.token, { amount: shown.amount, currency: shown.currency, interval: shown.interval, intervalCount: shown.intervalCount });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const item = p.stripe.subscriptions.get(res.body.subscriptionId)!.items.data[0];
      assert.deepEqual([item.price.unit_amount, item.price.currency, item.price.recurring.interval, item.price.lookup_key], [shown.amount, shown.currency, shown.interval, 'premium_monthly']);
      const invoice = p.stripe.invoices.get(p.stripe.subscriptions.get(res.body.subscriptionId)!.latest_invoice)!;
      assert.equal(invoice.amount_due, shown.amount, 'the first invoice charges what the page showed');
    });

    test('the price changes between GET and POST: 409 price_changed with the new price, nothing created; the new price then goes through', async () => {
      const user = await p.signedUser();
      const shown = (await getPrice()).body; // the page loads: $9.99
      changePrice(1299); // an operator raises the price in Stripe
      const before = { customers: p.stripe.customers.size, subscriptions: p.stripe.subscriptions.size, posts: p.stripe.requests.filter((r) => r.method === 'POST').length };

      const refused = await subscribeShowing(user.token, { amount: shown.amount, currency: shown.currency });
      assert.equal(refused.status, 409, JSON.stringify(refused.body));
      assert.equal(refused.body.error.code, 'price_changed');
      assert.deepEqual(refused.body.error.price, { amount: 1299, currency: 'usd', interval: 'month', intervalCount: 1, trialPeriodDays: null, productName: 'Premium', formatted: '$12.99' });
      assert.match(refused.body.error.message, /\$12\.99\/month/);
      assert.deepEqual(
        { customers: p.stripe.customers.size, subscriptions: p.stripe.subscriptions.size, posts: p.stripe.requests.filter((r) => r.method === 'POST').length },
        before, 'nothing created in Stripe');
      assert.equal(await subscriptionRowOf(p.db, user.id), undefined, 'nothing written');
      const [link] = await p.db.owner`select count(*)::int as n from billing.stripe_customers where user_id = ${user.id}`;
      assert.equal(link.n, 0);

      // The refusal refreshed the price: GET now states it, and POST with it charges it.
      assert.equal((await getPrice()).body.amount, 1299);
      const accepted = await subscribeShowing(user.token, { amount: 1299, currency: 'usd' });
      assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
      assert.equal(p.stripe.subscriptions.get(accepted.body.subscriptionId)!.items.data[0].price.unit_amount, 1299);
    });

    test('another interval at the same amount is a different price: refused', async () => {
      const user = await p.signedUser();
      changePrice(1299, { interval: 'year' });
      const res = await subscribeShowing(user.token, { amount: 1299, currency: 'usd', interval: 'month' });
      assert.deepEqual([res.status, res.body.error.code, res.body.error.price.interval], [409, 'price_changed', 'year']);
      changePrice(999);
    });

    test('a price with a free trial: GET states it and POST asks Stripe for that trial', async () => {
      changePrice(999, { interval: 'month', trial_period_days: '7' });
      try {
        const user = await p.signedUser();
        await subscribeShowing(user.token, { amount: 999, currency: 'usd' }); // refreshes the cached price
        const shown = (await getPrice()).body;
        assert.equal(shown.trialPeriodDays, 7);
        const [create] = p.stripe.requestsTo('POST', '/v1/subscriptions').slice(-1);
        assert.equal(create.params.trial_period_days, '7');
      } finally {
        changePrice(999);
      }
    });

    test('a malformed shown price is a 400 with nothing written and nothing sent to Stripe', async () => {
      const user = await p.signedUser();
      const posts = p.stripe.requests.filter((r) => r.method === 'POST').length;
      const bodies = [
        { amount: '9.99', currency: 'usd' }, { amount: 9.99, currency: 'usd' }, { amount: -1, currency: 'usd' },
        { amount: 999 }, { currency: 'usd' }, { amount: 999, currency: 'dollars' }, { amount: 999, currency: 'usd', interval: 'fortnight' },
        { amount: 999, currency: 'usd', intervalCount: 0 },
      ];
      for (const body of bodies) {
        const res = await subscribeShowing(user.token, body);
        assert.deepEqual([res.status, res.body.error.code], [400, 'invalid_request'], JSON.stringify(body));
      }
      assert.equal(p.stripe.requests.filter((r) => r.method === 'POST').length, posts);
      assert.equal(await subscriptionRowOf(p.db, user.id), undefined);
    });

    test('GET portal: the billing summary the account page shows, read from Stripe on the server', async () => {
      const user = await p.signedUser();
      const none = await p.call('portal', { method: 'GET', token: user.token, origin: WEB_ORIGIN });
      assert.deepEqual([none.status, none.body.error.code], [404, 'no_billing_account']);

      const started = await subscribeShowing(user.token, { amount: 999, currency: 'usd' });
      p.stripe.payFirstInvoice(started.body.subscriptionId, 'succeeded');
      const res = await p.call('portal', { method: 'GET', token: user.token, origin: WEB_ORIGIN });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const sub = p.stripe.subscriptions.get(started.body.subscriptionId)!;
      const pm = p.stripe.paymentMethods.get(sub.default_payment_method)!;
      assert.deepEqual(res.body, {
        email: user.email,
        paymentMethod: { type: 'card', brand: 'visa', last4: '4242', expMonth: pm.card.exp_month, expYear: pm.card.exp_year, wallet: null },
        subscription: {
          status: 'active', amount: 999, currency: 'usd', interval: 'month', intervalCount: 1, formatted: '$9.99',
          currentPeriodEnd: new Date(sub.items.data[0].current_period_end * 1000).toISOString(), cancelAtPeriodEnd: false, trialEnd: null,
        },
        latestInvoice: {
          status: 'paid', amountPaid: 999, amountDue: 999, currency: 'usd', formattedPaid: '$9.99',
          paidAt: new Date(p.stripe.invoices.get(sub.latest_invoice)!.status_transitions.paid_at * 1000).toISOString(),
          url: p.stripe.invoices.get(sub.latest_invoice)!.hosted_invoice_url,
        },
      });
      // Someone else sees their own (none), never this one.
      const other = await p.signedUser();
      assert.equal((await p.call('portal', { method: 'GET', token: other.token, origin: WEB_ORIGIN })).status, 404);
      assert.equal((await p.call('portal', { method: 'GET', origin: WEB_ORIGIN })).status, 401);
    });
  });

  test('a missing configuration variable is named in a 500, not a crash', async () => {
    const env = { ...s.env };
    delete (env as Record<string, string | undefined>).STRIPE_SECRET_KEY;
    const fn = await startEdgeFunction('portal', { ...env, SUPABASE_URL: s.env.SUPABASE_URL });
    try {
      const user = await s.signedUser();
      await s.db.owner`select billing.link_stripe_customer(${user.id}, ${'cus_' + randomUUID().slice(0, 8)}, false)`;
      const res = await fetch(fn.url, { method: 'POST', headers: { authorization: `Bearer ${user.token}` }, body: '{}' });
      const body = await res.json();
      assert.equal(res.status, 500);
      assert.equal(body.error.code, 'config_error');
      assert.match(body.error.message, /STRIPE_SECRET_KEY/);
    } finally {
      await fn.stop();
    }
  });
});
