// subscribe while Stripe is still running a request with the same idempotency key: Stripe answers
// such a twin 409 `idempotency_key_in_use` until the first finishes, then replays its answer.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStripeStack, WEB_ORIGIN, type StripeStack } from '../helpers/stripe-stack.ts';

describe('subscribe racing itself at Stripe', () => {
  let s: StripeStack;
  before(async () => {
    s = await startStripeStack({ functions: ['subscribe'] });
  });
  after(async () => s?.stop());

  /** A POST straight to the fake, as another instance of our function would send it. */
  function postToStripe(path: string, params: Record<string, string>, idempotencyKey: string, signal?: AbortSignal) {
    return fetch(`http://127.0.0.1:${s.stripe.port}${path}`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk_test_fake', 'content-type': 'application/x-www-form-urlencoded', 'idempotency-key': idempotencyKey },
      body: new URLSearchParams(params).toString(),
      signal,
    });
  }

  async function untilStripeReceived(idempotencyKey: string): Promise<void> {
    while (!s.stripe.requests.some((r) => r.idempotencyKey === idempotencyKey)) await new Promise((r) => setTimeout(r, 5));
  }

  function requestsWithKey(idempotencyKey: string) {
    return s.stripe.requests.filter((r) => r.idempotencyKey === idempotencyKey);
  }

  test('the fake answers a key in flight as Stripe does, then replays; other parameters under the key: 400 idempotency_error', async () => {
    s.stripe.postLatencyMs = 300;
    try {
      const key = `contract-${Date.now()}`;
      const params = { email: 'twin@example.test', 'metadata[supabase_user_id]': 'u1' };
      const first = postToStripe('/v1/customers', params, key);
      await untilStripeReceived(key);

      const twin = await postToStripe('/v1/customers', params, key);
      assert.equal(twin.status, 409);
      assert.equal(twin.headers.get('idempotency-key'), key);
      assert.equal(twin.headers.get('stripe-should-retry'), null);
      const conflict = (await twin.json()).error;
      assert.equal(conflict.type, 'invalid_request_error');
      assert.equal(conflict.code, 'idempotency_key_in_use');
      assert.match(conflict.message, /another in-progress request using this Idempotent Key/);

      const original = await first;
      assert.equal(original.status, 200);
      const customer = await original.json();
      const replay = await postToStripe('/v1/customers', params, key);
      assert.equal(replay.status, 200);
      assert.equal(replay.headers.get('idempotent-replayed'), 'true');
      assert.deepEqual(await replay.json(), customer);

      const reused = await postToStripe('/v1/customers', { ...params, email: 'other@example.test' }, key);
      assert.equal(reused.status, 400);
      const mismatch = (await reused.json()).error;
      assert.equal(mismatch.type, 'idempotency_error');
      assert.match(mismatch.message, /same parameters they were first used with/);
      assert.equal([...s.stripe.customers.values()].filter((c) => c.metadata.supabase_user_id === 'u1').length, 1);
    } finally {
      s.stripe.postLatencyMs = 0;
    }
  });

  test('20 concurrent calls while Stripe is slow: every one gets the first call\'s answer; one customer, one subscription', async () => {
    // Longer than stripe-node's own retry of a 409 (one more try after 0.5 s): racers must wait for the first.
    s.stripe.postLatencyMs = 1500;
    try {
      const user = await s.signedUser();
      const answers = await Promise.all(Array.from({ length: 20 }, () => s.call('subscribe', { token: user.token, origin: WEB_ORIGIN, body: {} })));

      assert.deepEqual(answers.map((a) => a.status), Array(20).fill(200), JSON.stringify(answers.filter((a) => a.status !== 200).map((a) => a.body)));
      for (const answer of answers) assert.deepEqual(answer.body, answers[0].body);
      assert.match(answers[0].body.clientSecret, /^pi_.+_secret_/);

      const customers = [...s.stripe.customers.values()].filter((c) => c.metadata.supabase_user_id === user.id);
      assert.equal(customers.length, 1, 'one Stripe customer');
      const subscriptions = [...s.stripe.subscriptions.values()].filter((x) => x.customer === customers[0].id);
      assert.deepEqual(subscriptions.map((x) => x.id), [answers[0].body.subscriptionId], 'one Stripe subscription');
      assert.ok(requestsWithKey(`customer-create:${user.id}`).length > 20, 'racers were told the key was in use, and asked again');
      const [link] = await s.db.owner`select stripe_customer_id from billing.stripe_customers where user_id = ${user.id}`;
      assert.equal(link.stripe_customer_id, customers[0].id);
    } finally {
      s.stripe.postLatencyMs = 0;
    }
  });

  test('a twin that never finishes: retried with backoff, then a 503 that says why, after the wait budget', async () => {
    const user = await s.signedUser();
    const key = `customer-create:${user.id}`;
    // Another instance's create with the same key, stuck at Stripe for longer than subscribe waits.
    const abort = new AbortController();
    s.stripe.postLatencyMs = 60_000;
    const stuck = postToStripe('/v1/customers', { email: user.email, 'metadata[supabase_user_id]': user.id }, key, abort.signal).catch(() => undefined);
    try {
      await untilStripeReceived(key);
      s.stripe.postLatencyMs = 0;

      const started = Date.now();
      const res = await s.call('subscribe', { token: user.token, origin: WEB_ORIGIN, body: {} });
      const elapsed = Date.now() - started;

      assert.equal(res.status, 503, JSON.stringify(res.body));
      assert.equal(res.body.error.code, 'stripe_unavailable');
      assert.match(res.body.error.message, /still processing an identical earlier request.*retry in a few seconds/);
      assert.ok(elapsed >= 9_000 && elapsed < 20_000, `gave up after ${elapsed} ms`);
      const attempts = requestsWithKey(key).length - 1;
      assert.ok(attempts >= 6 && attempts <= 30, `${attempts} attempts with the same key`);
      assert.equal([...s.stripe.customers.values()].filter((c) => c.metadata.supabase_user_id === user.id).length, 0);
      const links = await s.db.owner`select 1 from billing.stripe_customers where user_id = ${user.id}`;
      assert.equal(links.length, 0, 'nothing linked');
    } finally {
      s.stripe.postLatencyMs = 0;
      abort.abort();
      await stuck;
    }
  });

  test('the key reused with other parameters (400 idempotency_error) is not retried: a 500, one attempt', async () => {
    const user = await s.signedUser();
    const key = `customer-create:${user.id}`;
    // An earlier create under the key, with another email (the person changed it since).
    const earlier = await postToStripe('/v1/customers', { email: `old-${user.email}`, 'metadata[supabase_user_id]': user.id }, key);
    assert.equal(earlier.status, 200);

    const res = await s.call('subscribe', { token: user.token, origin: WEB_ORIGIN, body: {} });
    assert.equal(res.status, 500, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'internal_error');
    assert.equal(requestsWithKey(key).length, 2, 'the function sent the create once');
    assert.equal(s.stripe.requestsTo('POST', '/v1/subscriptions').filter((r) => r.params.metadata?.supabase_user_id === user.id).length, 0);
  });
});
