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

    test('a client-sent price or amount is ignored: the server charges the configured price', async () => {
      const user = await s.signedUser();
      const res = await s.call('subscribe', { token: user.token, origin: WEB_ORIGIN, body: { price: 'price_cheap', amount: 1 } });
      assert.equal(res.status, 200);
      assert.equal(res.body.amount, 999);
      const sub = s.stripe.subscriptions.get(res.body.subscriptionId)!;
      assert.equal(sub.items.data[0].price.unit_amount, 999);
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
