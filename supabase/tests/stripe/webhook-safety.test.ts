// The Stripe webhook under attack and under failure: bad signatures write nothing; outages answer
// 5xx with nothing half-written, and Stripe's retry then succeeds.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStripeStack, subscriptionRowOf, WEB_ORIGIN, type StripeStack } from '../helpers/stripe-stack.ts';

describe('stripe-webhook safety', () => {
  let s: StripeStack;
  let userId: string;
  let subscriptionId: string;

  before(async () => {
    s = await startStripeStack({ functions: ['subscribe', 'stripe-webhook'] });
    const user = await s.signedUser();
    userId = user.id;
    const res = await s.call('subscribe', { token: user.token, origin: WEB_ORIGIN, body: {} });
    subscriptionId = res.body.subscriptionId;
  });
  after(async () => s?.stop());

  async function unchanged<T>(run: () => Promise<T>): Promise<T> {
    const ledger = await s.ledgerCount();
    const row = await subscriptionRowOf(s.db, userId);
    const result = await run();
    assert.equal(await s.ledgerCount(), ledger, 'ledger unchanged');
    assert.deepEqual(await subscriptionRowOf(s.db, userId), row, 'subscription unchanged');
    return result;
  }

  test('forged signature (wrong secret): 400, nothing written', async () => {
    const [paid] = s.stripe.payFirstInvoice(subscriptionId, 'succeeded');
    const res = await unchanged(() => s.deliver(paid, { secret: 'whsec_attacker' }));
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'invalid_signature');
  });

  test('tampered body under a valid signature: 400, nothing written', async () => {
    const [paid] = s.stripe.payFirstInvoice(subscriptionId, 'succeeded');
    const res = await unchanged(() => s.deliver(paid, { tamper: (p) => p.replace('"livemode": false', '"livemode": true') }));
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'invalid_signature');
  });

  test('expired signature timestamp (older than the tolerance): 400, nothing written', async () => {
    const [paid] = s.stripe.payFirstInvoice(subscriptionId, 'succeeded');
    const res = await unchanged(() => s.deliver(paid, { timestamp: Math.floor(Date.now() / 1000) - 301 }));
    assert.equal(res.status, 400);
    assert.match(res.body.error.message, /tolerance/i);
  });

  test('missing or garbage signature header: 400, nothing written', async () => {
    const [paid] = s.stripe.payFirstInvoice(subscriptionId, 'succeeded');
    for (const signatureHeader of [null, 'garbage', 't=123']) {
      const res = await unchanged(() => s.deliver(paid, { signatureHeader }));
      assert.equal(res.status, 400, String(signatureHeader));
    }
  });

  test('a signed body that is not a Stripe event: 400, nothing written', async () => {
    for (const payload of ['not json', '{"hello":"world"}', '{"id":"evt_1","type":"invoice.paid"}']) {
      const res = await unchanged(() => s.deliver(payload));
      assert.equal(res.status, 400, payload);
      assert.equal(res.body.error.code, 'invalid_event');
    }
  });

  test('replayed delivery of a processed event: 200 duplicate, nothing written', async () => {
    const events = s.stripe.payFirstInvoice(subscriptionId, 'succeeded');
    for (const e of events) assert.equal((await s.deliver(e)).status, 200);
    const res = await unchanged(() => s.deliver(events[0]));
    assert.deepEqual([res.status, res.body.result], [200, 'duplicate']);
  });

  test('oversized body: 413 before any work', async () => {
    const res = await unchanged(() => s.deliver('x'.repeat(1024 * 1024 + 1), { signatureHeader: 't=1,v1=00' }));
    assert.equal(res.status, 413);
  });

  test('only POST', async () => {
    const res = await fetch(s.functions['stripe-webhook']!.url, { method: 'GET' });
    assert.equal(res.status, 405);
  });

  test('database unavailable: 503 and nothing half-written; the retry succeeds', async () => {
    const [renewed, paid] = s.stripe.renew(subscriptionId, 'succeeded');
    const before = await subscriptionRowOf(s.db, userId);
    s.proxy.cut();
    try {
      const res = await s.deliver(renewed);
      assert.equal(res.status, 503, JSON.stringify(res.body));
      assert.equal(res.body.error.code, 'database_unavailable');
    } finally {
      s.proxy.resume();
    }
    assert.deepEqual(await subscriptionRowOf(s.db, userId), before);
    const [none] = await s.db.owner`select 1 from billing.store_events where store_event_id = ${renewed.id}`;
    assert.equal(none, undefined);

    const retry = await s.deliver(renewed);
    assert.deepEqual([retry.status, retry.body.result], [200, 'applied']);
    assert.equal((await s.deliver(paid)).status, 200);
    const fake = s.stripe.subscriptions.get(subscriptionId)!;
    assert.equal(new Date((await subscriptionRowOf(s.db, userId))!.current_period_ends_at).getTime(), fake.items.data[0].current_period_end * 1000);
  });

  test('Stripe unavailable while processing: 503, the failure is on record, the retry applies it', async () => {
    const [scheduled] = s.stripe.scheduleCancellation(subscriptionId);
    const before = await subscriptionRowOf(s.db, userId);
    s.stripe.unavailable = true;
    try {
      const res = await s.deliver(scheduled);
      assert.equal(res.status, 503);
      assert.equal(res.body.error.code, 'stripe_unavailable');
    } finally {
      s.stripe.unavailable = false;
    }
    assert.deepEqual(await subscriptionRowOf(s.db, userId), before);
    const [failed] = await s.db.owner`select result::text, attempts from billing.store_events where store_event_id = ${scheduled.id}`;
    assert.equal(failed.result, 'failed');

    const retry = await s.deliver(scheduled);
    assert.deepEqual([retry.status, retry.body.result], [200, 'applied']);
    const [done] = await s.db.owner`select result::text, attempts, error from billing.store_events where store_event_id = ${scheduled.id}`;
    assert.deepEqual({ ...done }, { result: 'applied', attempts: 2, error: null });
    assert.equal((await subscriptionRowOf(s.db, userId))?.will_renew, false);
  });

  test('well-signed but absurd events: 400, nothing written', async () => {
    const [paid] = s.stripe.payFirstInvoice(subscriptionId, 'succeeded');
    const absurd: [string, (e: Record<string, any>) => void][] = [ // deno-lint-ignore no-explicit-any
      ['created 1e20', (e) => (e.created = 1e20)],
      ['created before Stripe existed', (e) => (e.created = 86_400)],
      ['an id over 255 characters', (e) => (e.id = `evt_${'a'.repeat(300)}`)],
      ['an id containing NUL', (e) => (e.id = 'evt_abc\u0000def')],
      ['a type over 100 characters', (e) => (e.type = `invoice.${'x'.repeat(100)}`)],
      ['a subscription id containing NUL', (e) => (e.data.object.parent.subscription_details.subscription = 'sub_1\u0000')],
    ];
    for (const [what, mutate] of absurd) {
      const event = JSON.parse(JSON.stringify(paid));
      mutate(event);
      const res = await unchanged(() => s.deliver(JSON.stringify(event)));
      assert.equal(res.status, 400, `${what}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, 'invalid_event', what);
    }
  });
});
