// Property: Stripe events about payments (refunds, dispute inquiries, chargebacks won and lost, on
// the current or an earlier invoice), delivered in every order with random duplicates, end in the
// state of delivering them in order, and that state is the right one. Real subscribe and
// stripe-webhook functions under Deno, real database; only Stripe's API is the FAKE server.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStripeStack, subscriptionRowOf, WEB_ORIGIN, type StripeStack } from '../helpers/stripe-stack.ts';
import { deliveryOrders, inBatches } from '../helpers/delivery-orders.ts';
import type { FakeStripe, FakeStripeEvent } from '../fakes/fake-stripe.ts';

type Scenario = {
  name: string;
  events(stripe: FakeStripe, subscriptionId: string): FakeStripeEvent[];
  expect: { status: string; is_active: boolean };
};

const paid = (f: FakeStripe, id: string) => f.payFirstInvoice(id, 'succeeded');

const scenarios: Scenario[] = [
  {
    name: 'a dispute inquiry, opened and closed: no money moved',
    events: (f, id) => [...paid(f, id), ...f.disputeLatestInvoice(id, 'inquiry'), ...f.disputeLatestInvoice(id, 'inquiry_closed')],
    expect: { status: 'active', is_active: true },
  },
  {
    name: 'a dispute inquiry still open',
    events: (f, id) => [...paid(f, id), ...f.disputeLatestInvoice(id, 'inquiry')],
    expect: { status: 'active', is_active: true },
  },
  {
    name: 'a chargeback the merchant wins',
    events: (f, id) => [...paid(f, id), ...f.disputeLatestInvoice(id, 'created'), ...f.disputeLatestInvoice(id, 'won')],
    expect: { status: 'active', is_active: true },
  },
  {
    name: 'a chargeback the merchant loses',
    events: (f, id) => [...paid(f, id), ...f.disputeLatestInvoice(id, 'created'), ...f.disputeLatestInvoice(id, 'lost')],
    expect: { status: 'refunded', is_active: false },
  },
  {
    name: 'an inquiry that escalates to a chargeback',
    events: (f, id) => [...paid(f, id), ...f.disputeLatestInvoice(id, 'inquiry'), ...f.disputeLatestInvoice(id, 'created')],
    expect: { status: 'refunded', is_active: false },
  },
  {
    name: 'a refund of an earlier invoice while the current period is paid',
    events: (f, id) => {
      const first = [...paid(f, id)];
      const january = f.subscriptions.get(id)!.latest_invoice as string;
      return [...first, ...f.renew(id, 'succeeded'), ...f.refundLatestInvoice(id, undefined, january)];
    },
    expect: { status: 'active', is_active: true },
  },
  {
    name: 'the current period refunded and a chargeback won on an earlier invoice',
    events: (f, id) => {
      const first = [...paid(f, id)];
      const january = f.subscriptions.get(id)!.latest_invoice as string;
      return [
        ...first,
        ...f.renew(id, 'succeeded'),
        ...f.disputeLatestInvoice(id, 'created', january),
        ...f.refundLatestInvoice(id),
        ...f.disputeLatestInvoice(id, 'won', january),
      ];
    },
    expect: { status: 'refunded', is_active: false },
  },
];

const COMPARED = ['is_active', 'status', 'store', 'will_renew', 'in_grace_period', 'grace_period_ends_at', 'has_billing_issue',
  'is_sandbox', 'manage_with', 'active_in_both_stores'] as const;

describe('Stripe: any delivery order with duplicates converges', () => {
  let s: StripeStack;
  before(async () => {
    s = await startStripeStack({ functions: ['subscribe', 'stripe-webhook'] });
  });
  after(async () => s?.stop());

  async function run(scenario: Scenario, order: (n: number) => number[]) {
    const user = await s.signedUser();
    const started = await s.call('subscribe', { token: user.token, origin: WEB_ORIGIN, body: {} });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    const subscriptionId = started.body.subscriptionId as string;
    const events = scenario.events(s.stripe, subscriptionId);
    const sequence = order(events.length);
    for (const i of sequence) {
      const res = await s.deliver(events[i]);
      assert.equal(res.status, 200, `${events[i].type}: ${JSON.stringify(res.body)}`);
    }
    const row = (await subscriptionRowOf(s.db, user.id))!;
    // Every run has its own Stripe subscription: its period end is Stripe's, whatever the order.
    const item = s.stripe.subscriptions.get(subscriptionId)!.items.data[0];
    assert.equal(new Date(row.current_period_ends_at).getTime(), item.current_period_end * 1000, `order ${sequence.join(',')}`);
    return { row: Object.fromEntries(COMPARED.map((k) => [k, row[k] instanceof Date ? row[k].toISOString() : row[k]])), events: events.length };
  }

  scenarios.forEach((scenario, n) => {
    test(scenario.name, async () => {
      const reference = await run(scenario, (k) => [...Array(k).keys()]);
      assert.deepEqual([reference.row.status, reference.row.is_active], [scenario.expect.status, scenario.expect.is_active]);
      const orders = deliveryOrders(reference.events, { seed: 2000 + n, exhaustiveUpTo: 4, sample: 24 });
      await inBatches(orders, 4, async (order) => {
        const { row } = await run(scenario, () => order);
        assert.deepEqual(row, reference.row, `delivery order ${order.join(',')}`);
      });
    });
  });
});
