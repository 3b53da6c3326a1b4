import { describe, expect, test } from 'vitest';
import { canSubscribe, describeSubscription, formatPrice } from './subscription.ts';
import { subscriptionRow } from '../test-utils.tsx';

describe('describeSubscription', () => {
  test('no row: offer to subscribe', () => {
    expect(describeSubscription(null)).toMatchObject({ headline: 'No subscription', action: { kind: 'subscribe' } });
  });
  test('active on the web and renewing: manage billing in the portal', () => {
    const s = describeSubscription(subscriptionRow(), 'en-US');
    expect(s).toMatchObject({ headline: 'Premium is active', tone: 'good', storeLabel: 'Billed on the web', action: { kind: 'portal', label: 'Manage billing' } });
    expect(s.detail).toBe('Renews on December 25, 2026.');
  });
  test('canceled at period end: says when it ends', () => {
    expect(describeSubscription(subscriptionRow({ will_renew: false }), 'en-US').detail).toBe('Ends on December 25, 2026; it will not renew.');
  });
  test('App Store: managed in the App Store, with Apple’s link', () => {
    const s = describeSubscription(subscriptionRow({ store: 'app_store', manage_with: 'app_store', manage_url: 'https://apps.apple.com/account/subscriptions' }));
    expect(s.storeLabel).toBe('Managed in the App Store on your iPhone');
    expect(s.action).toEqual({ kind: 'app_store', label: 'Manage in the App Store', url: 'https://apps.apple.com/account/subscriptions' });
  });
  test('grace period: still active, warns, offers the fix where the subscription lives', () => {
    const s = describeSubscription(subscriptionRow({ status: 'in_grace_period', in_grace_period: true, has_billing_issue: true, grace_period_ends_at: '2026-12-01T00:00:00Z' }), 'en-US');
    expect(s).toMatchObject({ headline: 'Payment problem', tone: 'warning', action: { kind: 'portal', label: 'Update payment method' } });
    expect(s.detail).toContain('December 1, 2026');
  });
  test('past due, refunded, revoked, processing, ended', () => {
    expect(describeSubscription(subscriptionRow({ status: 'past_due', is_active: false })).headline).toBe('Payment failed');
    expect(describeSubscription(subscriptionRow({ status: 'refunded', is_active: false })).headline).toBe('Refunded');
    expect(describeSubscription(subscriptionRow({ status: 'revoked', is_active: false, store: 'app_store' })).headline).toBe('Access removed');
    expect(describeSubscription(subscriptionRow({ status: 'incomplete', is_active: false })).headline).toBe('Payment processing');
    expect(describeSubscription(subscriptionRow({ status: 'expired', is_active: false })).headline).toBe('Subscription ended');
  });
  test('paying twice is called out', () => {
    expect(describeSubscription(subscriptionRow({ active_in_both_stores: true })).warning).toMatch(/paying twice/);
  });
});

test('canSubscribe: never a second subscription, never instead of fixing a payment', () => {
  expect(canSubscribe(null)).toBe(true);
  expect(canSubscribe(subscriptionRow())).toBe(false);
  expect(canSubscribe(subscriptionRow({ store: 'app_store' }))).toBe(false);
  expect(canSubscribe(subscriptionRow({ status: 'past_due', is_active: false }))).toBe(false);
  expect(canSubscribe(subscriptionRow({ status: 'paused', is_active: false }))).toBe(false);
  expect(canSubscribe(subscriptionRow({ status: 'expired', is_active: false }))).toBe(true);
  expect(canSubscribe(subscriptionRow({ status: 'incomplete', is_active: false }))).toBe(true);
});

test('formatPrice', () => {
  expect(formatPrice(999, 'usd', 'month', 'en-US')).toBe('$9.99/month');
});
