// End to end on the web: the real subscribe and stripe-webhook functions under Deno, the real
// database, webhooks signed with Stripe's real scheme; only Stripe's API is the FAKE server.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStripeStack, subscriptionRowOf, WEB_ORIGIN, type StripeStack } from '../helpers/stripe-stack.ts';
import type { FakeStripeEvent } from '../fakes/fake-stripe.ts';
import { parseServerTiming, ServerTiming } from '../../functions/_shared/server-timing.ts';

describe('Server-Timing', () => {
  test('steps follow one another; parsing keeps names and durations and skips the rest', async () => {
    const timing = new ServerTiming();
    await new Promise((r) => setTimeout(r, 15));
    timing.step('a');
    timing.step('b');
    const parsed = parseServerTiming(timing.header());
    assert.deepEqual(Object.keys(parsed), ['a', 'b']);
    assert.ok(parsed.a >= 10, timing.header());
    assert.ok(parsed.b < parsed.a, timing.header());
    assert.equal(new ServerTiming().header(), '');
    assert.deepEqual(parseServerTiming('db;dur=53, app;dur=47.2, cache;desc="Cache Read";dur=23.2, missedCache, x;desc=y'), { db: 53, app: 47.2, cache: 23.2 });
    assert.deepEqual(parseServerTiming(null), {});
  });
});

describe('web billing lifecycle', () => {
  let s: StripeStack;
  before(async () => {
    s = await startStripeStack({ functions: ['subscribe', 'stripe-webhook'] });
  });
  after(async () => s?.stop());

  async function subscribe(token: string) {
    const res = await s.call('subscribe', { token, origin: WEB_ORIGIN, body: {} });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body as { subscriptionId: string; clientSecret: string; intentType: string; amount: number; currency: string; status: string };
  }

  async function deliverAll(events: FakeStripeEvent[]) {
    for (const event of events) {
      const res = await s.deliver(event);
      assert.equal(res.status, 200, `${event.type}: ${JSON.stringify(res.body)}`);
    }
  }

  test('GET subscribe tells the page the price, from Stripe', async () => {
    const res = await s.call('subscribe', { method: 'GET', origin: WEB_ORIGIN });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { amount: 999, currency: 'usd', interval: 'month', intervalCount: 1, trialPeriodDays: null, productName: 'Premium', formatted: '$9.99' });
  });

  test('subscribe → card succeeds → invoice.paid → active', async () => {
    const user = await s.signedUser();
    const started = await subscribe(user.token);
    assert.equal(started.intentType, 'payment');
    assert.match(started.clientSecret, /^pi_\w+_secret_\w+$/);
    assert.deepEqual([started.amount, started.currency, started.status], [999, 'usd', 'incomplete']);

    // The page shows "processing" at once, before any webhook.
    const processing = await subscriptionRowOf(s.db, user.id);
    assert.deepEqual([processing?.status, processing?.is_active, processing?.store], ['incomplete', false, 'stripe']);

    await deliverAll(s.stripe.payFirstInvoice(started.subscriptionId, 'succeeded'));
    const row = await subscriptionRowOf(s.db, user.id);
    assert.equal(row?.status, 'active');
    assert.equal(row?.is_active, true);
    assert.equal(row?.will_renew, true);
    assert.equal(row?.manage_with, 'stripe_customer_portal');
    assert.equal(row?.is_sandbox, true);
    const fake = s.stripe.subscriptions.get(started.subscriptionId)!;
    assert.equal(new Date(row!.current_period_ends_at).getTime(), fake.items.data[0].current_period_end * 1000);
    // The subscription as read from Stripe is kept as a JSON object (not a JSON string of it).
    const [stored] = await s.db.owner`select jsonb_typeof(latest_payload) as kind, latest_payload->>'id' as id, latest_payload->>'status' as status
      from billing.store_subscriptions where store_subscription_id = ${started.subscriptionId}`;
    assert.deepEqual({ ...stored }, { kind: 'object', id: started.subscriptionId, status: 'active' });

    // The Stripe subscription carries the right price, from the lookup key, and the user id.
    assert.equal(fake.items.data[0].price.lookup_key, 'premium_monthly');
    assert.equal(fake.metadata.supabase_user_id, user.id);
    assert.equal(fake.payment_settings.save_default_payment_method, 'on_subscription');
  });

  test('3-D Secure: payment_action_required keeps it processing; completing the challenge activates', async () => {
    const user = await s.signedUser();
    const started = await subscribe(user.token);
    await deliverAll(s.stripe.payFirstInvoice(started.subscriptionId, 'requires_action'));
    const waiting = await subscriptionRowOf(s.db, user.id);
    assert.deepEqual([waiting?.status, waiting?.is_active], ['incomplete', false]);
    await deliverAll(s.stripe.payFirstInvoice(started.subscriptionId, 'succeeded'));
    assert.equal((await subscriptionRowOf(s.db, user.id))?.is_active, true);
  });

  test('declined card: nothing granted; subscribing again reuses the same incomplete subscription', async () => {
    const user = await s.signedUser();
    const first = await subscribe(user.token);
    await deliverAll(s.stripe.payFirstInvoice(first.subscriptionId, 'declined'));
    const declined = await subscriptionRowOf(s.db, user.id);
    assert.deepEqual([declined?.status, declined?.is_active], ['incomplete', false]);

    const again = await subscribe(user.token);
    assert.equal(again.subscriptionId, first.subscriptionId);
    assert.equal(again.clientSecret, first.clientSecret);
    const customer = (await s.db.owner`select stripe_customer_id from billing.stripe_customers where user_id = ${user.id}`)[0].stripe_customer_id;
    assert.equal([...s.stripe.subscriptions.values()].filter((x) => x.customer === customer).length, 1);
  });

  test('cancel at period end: still active and not renewing; expires when the period ends', async () => {
    const user = await s.signedUser();
    const { subscriptionId } = await subscribe(user.token);
    await deliverAll(s.stripe.payFirstInvoice(subscriptionId, 'succeeded'));
    await deliverAll(s.stripe.scheduleCancellation(subscriptionId));
    const scheduled = await subscriptionRowOf(s.db, user.id);
    assert.deepEqual([scheduled?.status, scheduled?.is_active, scheduled?.will_renew], ['active', true, false]);
    await deliverAll(s.stripe.endSubscription(subscriptionId, 'period_end'));
    const ended = await subscriptionRowOf(s.db, user.id);
    assert.deepEqual([ended?.status, ended?.is_active, ended?.will_renew], ['expired', false, false]);
  });

  test('classic billing mode: cancel_at_period_end is understood too', async () => {
    s.stripe.billingMode = 'classic';
    try {
      const user = await s.signedUser();
      const { subscriptionId } = await subscribe(user.token);
      await deliverAll(s.stripe.payFirstInvoice(subscriptionId, 'succeeded'));
      await deliverAll(s.stripe.scheduleCancellation(subscriptionId));
      assert.equal(s.stripe.subscriptions.get(subscriptionId)!.cancel_at_period_end, true);
      assert.equal((await subscriptionRowOf(s.db, user.id))?.will_renew, false);
    } finally {
      s.stripe.billingMode = 'flexible';
    }
  });

  test('immediate deletion ends access at once', async () => {
    const user = await s.signedUser();
    const { subscriptionId } = await subscribe(user.token);
    await deliverAll(s.stripe.payFirstInvoice(subscriptionId, 'succeeded'));
    await deliverAll(s.stripe.endSubscription(subscriptionId, 'now'));
    const row = await subscriptionRowOf(s.db, user.id);
    assert.deepEqual([row?.status, row?.is_active], ['expired', false]);
  });

  test('renewal fails → grace period with a billing issue → payment recovers → active', async () => {
    const user = await s.signedUser();
    const { subscriptionId } = await subscribe(user.token);
    await deliverAll(s.stripe.payFirstInvoice(subscriptionId, 'succeeded'));
    // Deliver a past-time renewal: the fake's clock is Stripe's; grace is counted from the period start.
    const events = s.stripe.renew(subscriptionId, 'failed');
    await deliverAll(events);
    const failing = await subscriptionRowOf(s.db, user.id);
    assert.equal(failing?.status, 'in_grace_period');
    assert.equal(failing?.has_billing_issue, true);
    const periodStart = s.stripe.subscriptions.get(subscriptionId)!.items.data[0].current_period_start;
    assert.equal(new Date(failing!.grace_period_ends_at).getTime(), (periodStart + 7 * 86_400) * 1000);

    await deliverAll(s.stripe.recover(subscriptionId));
    const recovered = await subscriptionRowOf(s.db, user.id);
    assert.deepEqual([recovered?.status, recovered?.has_billing_issue], ['active', false]);
  });

  test('a full refund of the current period ends access at once and later events do not undo it', async () => {
    const user = await s.signedUser();
    const { subscriptionId } = await subscribe(user.token);
    await deliverAll(s.stripe.payFirstInvoice(subscriptionId, 'succeeded'));
    await deliverAll(s.stripe.refundLatestInvoice(subscriptionId));
    const refunded = await subscriptionRowOf(s.db, user.id);
    assert.deepEqual([refunded?.status, refunded?.is_active], ['refunded', false]);

    // Stripe still says "active": a later subscription event for the same period keeps the refund.
    await deliverAll(s.stripe.scheduleCancellation(subscriptionId));
    assert.equal((await subscriptionRowOf(s.db, user.id))?.status, 'refunded');
  });

  test('a chargeback ends access; a dispute the merchant wins restores it', async () => {
    const user = await s.signedUser();
    const { subscriptionId } = await subscribe(user.token);
    await deliverAll(s.stripe.payFirstInvoice(subscriptionId, 'succeeded'));
    await deliverAll(s.stripe.disputeLatestInvoice(subscriptionId, 'created'));
    assert.deepEqual([(await subscriptionRowOf(s.db, user.id))?.status, (await subscriptionRowOf(s.db, user.id))?.is_active], ['refunded', false]);
    await deliverAll(s.stripe.disputeLatestInvoice(subscriptionId, 'won'));
    assert.deepEqual([(await subscriptionRowOf(s.db, user.id))?.status, (await subscriptionRowOf(s.db, user.id))?.is_active], ['active', true]);
  });

  test('a partial refund keeps access', async () => {
    const user = await s.signedUser();
    const { subscriptionId } = await subscribe(user.token);
    await deliverAll(s.stripe.payFirstInvoice(subscriptionId, 'succeeded'));
    const [event] = s.stripe.refundLatestInvoice(subscriptionId, 300);
    const res = await s.deliver(event);
    assert.equal(res.body.result, 'ignored');
    assert.equal((await subscriptionRowOf(s.db, user.id))?.is_active, true);
  });

  test('out-of-order and duplicate deliveries converge to Stripe’s current state', async () => {
    const user = await s.signedUser();
    const { subscriptionId } = await subscribe(user.token);
    const events = [
      ...s.stripe.payFirstInvoice(subscriptionId, 'succeeded'),
      ...s.stripe.renew(subscriptionId, 'succeeded'),
      ...s.stripe.scheduleCancellation(subscriptionId),
    ];
    // Newest first, every event twice, interleaved.
    const shuffled = [...events].reverse().flatMap((e, i, all) => [e, all[(i + 1) % all.length]]);
    const results: string[] = [];
    for (const event of shuffled) {
      const res = await s.deliver(event);
      assert.equal(res.status, 200);
      results.push(res.body.result);
    }
    assert.ok(results.includes('duplicate'));
    const row = await subscriptionRowOf(s.db, user.id);
    const fake = s.stripe.subscriptions.get(subscriptionId)!;
    assert.deepEqual(
      [row?.status, row?.will_renew, new Date(row!.current_period_ends_at).getTime()],
      ['active', false, fake.items.data[0].current_period_end * 1000],
    );
    const [ledger] = await s.db.owner`
      select count(*)::int as n from billing.store_events where store_event_id = any(${events.map((e) => e.id)})`;
    assert.equal(ledger.n, events.length);
  });

  test('an event for a customer that is not ours is recorded and touches no user', async () => {
    const customer = (await fetch(`http://127.0.0.1:${s.stripe.port}/v1/customers`, {
      method: 'POST', headers: { authorization: 'Bearer sk_test_fake', 'content-type': 'application/x-www-form-urlencoded' }, body: 'email=other%40app.test',
    }).then((r) => r.json())) as { id: string };
    const price = [...s.stripe.prices.values()][0];
    const sub = (await fetch(`http://127.0.0.1:${s.stripe.port}/v1/subscriptions`, {
      method: 'POST', headers: { authorization: 'Bearer sk_test_fake', 'content-type': 'application/x-www-form-urlencoded' },
      body: `customer=${customer.id}&items[0][price]=${price.id}&payment_behavior=default_incomplete`,
    }).then((r) => r.json())) as { id: string };
    const before = await s.db.owner`select count(*)::int as n from billing.store_subscriptions`;
    const [paid] = s.stripe.payFirstInvoice(sub.id, 'succeeded');
    const res = await s.deliver(paid);
    assert.equal(res.status, 200);
    assert.equal(res.body.result, 'ignored');
    assert.match(res.body.reason, /not linked to any user/);
    const afterRows = await s.db.owner`select count(*)::int as n from billing.store_subscriptions`;
    assert.equal(afterRows[0].n, before[0].n);
    const [ledger] = await s.db.owner`select result::text, error from billing.store_events where store_event_id = ${paid.id}`;
    assert.equal(ledger.result, 'ignored');
  });

  test('every answer to a verified event says where its time went (Server-Timing), and nothing else', async () => {
    const user = await s.signedUser();
    const started = await subscribe(user.token);
    const [created] = s.stripe.payFirstInvoice(started.subscriptionId, 'succeeded');
    const first = await s.deliver(created);
    assert.equal(first.status, 200);
    const steps = parseServerTiming(first.headers.get('server-timing'));
    assert.deepEqual(Object.keys(steps), ['verify', 'ledger', 'stripe', 'apply']);
    for (const ms of Object.values(steps)) assert.ok(ms >= 0 && ms < 10_000, JSON.stringify(steps));
    assert.doesNotMatch(first.headers.get('server-timing')!, /sub_|cus_|evt_|desc=/);
    // A duplicate stops at the ledger.
    const again = await s.deliver(created);
    assert.deepEqual([again.status, again.body.result], [200, 'duplicate']);
    assert.deepEqual(Object.keys(parseServerTiming(again.headers.get('server-timing'))), ['verify', 'ledger']);
    // A refused delivery has none.
    const refused = await s.deliver(created, { signatureHeader: 't=1,v1=00' });
    assert.equal(refused.status, 400);
    assert.equal(refused.headers.get('server-timing'), null);
  });

  test('unhandled event types are acknowledged and recorded as ignored', async () => {
    const event = s.stripe.event('product.updated', [...s.stripe.products.values()][0]);
    const res = await s.deliver(event);
    assert.deepEqual([res.status, res.body.result], [200, 'ignored']);
    const again = await s.deliver(event);
    assert.equal(again.body.result, 'duplicate');
  });

  test('customer.deleted removes the mapping; the subscription deletion still reaches the user', async () => {
    const user = await s.signedUser();
    const { subscriptionId } = await subscribe(user.token);
    await deliverAll(s.stripe.payFirstInvoice(subscriptionId, 'succeeded'));
    const customer = s.stripe.subscriptions.get(subscriptionId)!.customer;
    await deliverAll(s.stripe.deleteCustomer(customer)); // customer.deleted first, then the subscription
    const [mapping] = await s.db.owner`select 1 from billing.stripe_customers where user_id = ${user.id}`;
    assert.equal(mapping, undefined);
    assert.deepEqual([(await subscriptionRowOf(s.db, user.id))?.status], ['expired']);
  });
});
