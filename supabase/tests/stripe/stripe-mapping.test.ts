// Pure Stripe mapping: routing of events and normalization of subscription states.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type Stripe from 'stripe';
import {
  invoicePeriodEnd,
  normalizedStatus,
  periodStateOfCharge,
  routeStripeEvent,
  STRIPE_WEBHOOK_EVENTS,
  subscriptionUpdateFromStripe,
  UnsupportedStripeState,
  willRenew,
} from '../../functions/_shared/stripe-mapping.ts';

const T0 = 1_780_000_000; // seconds

function subscription(overrides: Partial<Stripe.Subscription> = {}, items: Partial<Stripe.SubscriptionItem>[] = [{}]): Stripe.Subscription {
  return {
    id: 'sub_1', object: 'subscription', status: 'active', customer: 'cus_1', livemode: false,
    cancel_at: null, cancel_at_period_end: false, canceled_at: null, ended_at: null, metadata: {},
    items: {
      object: 'list', has_more: false, url: '/v1/subscription_items',
      data: items.map((i, n) => ({
        id: `si_${n}`, object: 'subscription_item', current_period_start: T0, current_period_end: T0 + 30 * 86_400,
        price: { id: 'price_1', product: 'prod_1', lookup_key: 'premium_monthly' }, ...i,
      })),
    },
    ...overrides,
  } as unknown as Stripe.Subscription;
}

function event(type: string, object: object): Stripe.Event {
  return { id: 'evt_1', object: 'event', type, created: T0, data: { object } } as unknown as Stripe.Event;
}

const ctx = { eventId: 'evt_1', eventType: 'customer.subscription.updated', userId: 'u1', gracePeriodDays: 7 };

describe('routeStripeEvent', () => {
  test('subscription events route to their subscription', () => {
    for (const type of ['customer.subscription.created', 'customer.subscription.updated', 'customer.subscription.deleted', 'customer.subscription.paused', 'customer.subscription.resumed']) {
      assert.deepEqual(routeStripeEvent(event(type, subscription())), { kind: 'subscription', subscriptionId: 'sub_1' });
    }
  });

  test('invoice events reach the subscription through parent.subscription_details', () => {
    const invoice = { id: 'in_1', object: 'invoice', parent: { type: 'subscription_details', subscription_details: { subscription: 'sub_9', metadata: {} } } };
    for (const type of ['invoice.paid', 'invoice.payment_failed', 'invoice.payment_action_required']) {
      assert.deepEqual(routeStripeEvent(event(type, invoice)), { kind: 'subscription', subscriptionId: 'sub_9' });
    }
    assert.equal(routeStripeEvent(event('invoice.paid', { id: 'in_2', object: 'invoice', parent: null })).kind, 'ignore');
    // An endpoint still on a pre-basil API version sends the old top-level field.
    assert.deepEqual(routeStripeEvent(event('invoice.paid', { id: 'in_3', object: 'invoice', subscription: 'sub_old' })), { kind: 'subscription', subscriptionId: 'sub_old' });
  });

  test('a partial refund is not news about the period', () => {
    assert.deepEqual(routeStripeEvent(event('charge.refunded', { id: 'ch_1', refunded: false })), { kind: 'ignore', reason: 'partial refund' });
  });

  test('customer.deleted and everything else', () => {
    assert.deepEqual(routeStripeEvent(event('customer.deleted', { id: 'cus_1', object: 'customer' })), { kind: 'customer_deleted', customerId: 'cus_1' });
    assert.equal(routeStripeEvent(event('payment_intent.created', { id: 'pi_1' })).kind, 'ignore');
  });

  test('the registered event list is exactly what routes somewhere', () => {
    for (const type of STRIPE_WEBHOOK_EVENTS) {
      const object = type.startsWith('invoice.') ? { parent: { subscription_details: { subscription: 'sub_1' } } }
        : type === 'charge.refunded' ? { refunded: true } : type.startsWith('charge.dispute.') ? { id: 'dp_1', charge: 'ch_1', status: 'won' } : { id: 'x_1' };
      assert.notEqual(routeStripeEvent(event(type, object)).kind, 'ignore', type);
    }
  });
});

describe('normalizedStatus', () => {
  const start = new Date(T0 * 1000);
  const cases: [string, number, string, Date | null][] = [
    ['incomplete', 7, 'incomplete', null],
    ['incomplete_expired', 7, 'expired', null],
    ['trialing', 7, 'trialing', null],
    ['active', 7, 'active', null],
    ['past_due', 7, 'in_grace_period', new Date((T0 + 7 * 86_400) * 1000)],
    ['past_due', 0, 'past_due', null],
    ['unpaid', 7, 'past_due', null],
    ['canceled', 7, 'expired', null],
    ['paused', 7, 'paused', null],
  ];
  for (const [stripeStatus, grace, status, graceEnd] of cases) {
    test(`${stripeStatus} (grace ${grace} days) → ${status}`, () => {
      assert.deepEqual(normalizedStatus(subscription({ status: stripeStatus as Stripe.Subscription.Status }), start, grace), { status, gracePeriodExpiresAt: graceEnd });
    });
  }
  test('an unknown status is refused, not guessed', () => {
    assert.throws(() => normalizedStatus(subscription({ status: 'frozen' as never }), start, 7), UnsupportedStripeState);
  });
});

describe('willRenew', () => {
  test('renews unless cancellation is scheduled either way, or it ended', () => {
    assert.equal(willRenew(subscription()), true);
    assert.equal(willRenew(subscription({ cancel_at_period_end: true })), false);
    assert.equal(willRenew(subscription({ cancel_at: T0 + 30 * 86_400 })), false); // flexible billing mode
    assert.equal(willRenew(subscription({ status: 'canceled' })), false);
    assert.equal(willRenew(subscription({ status: 'incomplete_expired' })), false);
  });
});

describe('subscriptionUpdateFromStripe', () => {
  test('the period end is the latest item period end; sandbox follows livemode', () => {
    const update = subscriptionUpdateFromStripe(subscription({ livemode: true }, [{}, { current_period_end: T0 + 31 * 86_400 }]), ctx);
    assert.equal(update.expiresAt?.getTime(), (T0 + 31 * 86_400) * 1000);
    assert.equal(update.isSandbox, false);
    assert.equal(update.store, 'stripe');
    // Ordered by the database clock under the subscription's lock, never by this machine's clock.
    assert.equal(update.eventAt, null);
    assert.equal(update.currentPeriodEndsAt?.getTime(), (T0 + 31 * 86_400) * 1000);
    assert.equal(update.productId, 'prod_1');
  });

  test('an expanded product yields its id', () => {
    const update = subscriptionUpdateFromStripe(subscription({}, [{ price: { id: 'price_1', product: { id: 'prod_x', name: 'Premium' } } as never }]), ctx);
    assert.equal(update.productId, 'prod_x');
  });

  test('an immediate cancellation keeps the period end as the period to match refunds against', () => {
    const update = subscriptionUpdateFromStripe(subscription({ status: 'canceled', ended_at: T0 + 86_400 }), ctx);
    assert.equal(update.currentPeriodEndsAt?.getTime(), (T0 + 30 * 86_400) * 1000);
  });

  test('an immediate cancellation expires at ended_at, not at the period end', () => {
    const update = subscriptionUpdateFromStripe(subscription({ status: 'canceled', ended_at: T0 + 86_400 }), ctx);
    assert.deepEqual([update.status, update.expiresAt?.getTime()], ['expired', (T0 + 86_400) * 1000]);
  });

  test('grace end only with the grace status', () => {
    const update = subscriptionUpdateFromStripe(subscription({ status: 'past_due' }), ctx);
    assert.equal(update.status, 'in_grace_period');
    assert.equal(update.gracePeriodExpiresAt?.getTime(), (T0 + 7 * 86_400) * 1000);
    assert.equal(subscriptionUpdateFromStripe(subscription(), ctx).gracePeriodExpiresAt, null);
  });
});

test('a charge as Stripe reads it: refunded, charged back, or paid (inquiries and won disputes move no money)', () => {
  assert.equal(periodStateOfCharge({ refunded: true }, []), 'refunded');
  assert.equal(periodStateOfCharge({ refunded: false }, []), 'paid');
  for (const status of ['needs_response', 'under_review', 'lost'] as const) {
    assert.equal(periodStateOfCharge({ refunded: false }, [{ status }]), 'charged_back', status);
  }
  for (const status of ['warning_needs_response', 'warning_under_review', 'warning_closed', 'won', 'prevented'] as const) {
    assert.equal(periodStateOfCharge({ refunded: false }, [{ status: status as Stripe.Dispute.Status }]), 'paid', status);
  }
  // An inquiry that escalated to a chargeback: the chargeback counts.
  assert.equal(periodStateOfCharge({ refunded: false }, [{ status: 'warning_closed' }, { status: 'needs_response' }]), 'charged_back');
});

test('refund and dispute events route to a re-read of their charge', () => {
  const event = (type: string, object: object) => ({ type, data: { object } }) as unknown as Stripe.Event;
  assert.deepEqual(routeStripeEvent(event('charge.refunded', { id: 'ch_1', refunded: true, payment_intent: 'pi_1' })), { kind: 'payment', chargeId: 'ch_1', paymentIntent: 'pi_1' });
  assert.equal(routeStripeEvent(event('charge.refunded', { id: 'ch_1', refunded: false, payment_intent: 'pi_1' })).kind, 'ignore');
  for (const type of ['charge.dispute.created', 'charge.dispute.updated', 'charge.dispute.closed', 'charge.dispute.funds_withdrawn', 'charge.dispute.funds_reinstated']) {
    assert.deepEqual(routeStripeEvent(event(type, { id: 'dp_1', charge: 'ch_1', payment_intent: 'pi_1', status: 'warning_closed' })), { kind: 'payment', chargeId: 'ch_1', paymentIntent: 'pi_1' }, type);
  }
});

test('invoicePeriodEnd reads the subscription lines', () => {
  const invoice = {
    lines: { data: [
      { parent: { subscription_item_details: { subscription: 'sub_1' } }, period: { start: T0, end: T0 + 30 * 86_400 } },
      { parent: null, subscription: null, period: { start: T0, end: T0 + 99 * 86_400 } },
    ] },
  } as unknown as Stripe.Invoice;
  assert.equal(invoicePeriodEnd(invoice)?.getTime(), (T0 + 30 * 86_400) * 1000);
  assert.equal(invoicePeriodEnd({ lines: { data: [] } } as unknown as Stripe.Invoice), null);
});
