import { expect, test } from 'vitest';
import { describePaymentMethod, paymentMethodExpiry, speakPaymentMethod, subscriptionPrice, type PaymentMethodSummary } from './billing.ts';

const visa: PaymentMethodSummary = { type: 'card', brand: 'visa', last4: '4242', expMonth: 3, expYear: 2031, wallet: null };

test('a card as people read it: brand, last four, wallet', () => {
  expect(describePaymentMethod(visa)).toBe('Visa •••• 4242');
  expect(describePaymentMethod({ ...visa, brand: 'amex', last4: '0005', wallet: 'apple_pay' })).toBe('American Express •••• 0005 (Apple Pay)');
  expect(describePaymentMethod({ ...visa, brand: 'newbrand' })).toBe('Newbrand •••• 4242');
  expect(describePaymentMethod({ type: 'link', brand: null, last4: null, expMonth: null, expYear: null, wallet: null })).toBe('Link');
  expect(describePaymentMethod(null)).toBeNull();
  expect(speakPaymentMethod(visa)).toBe('Visa ending in 4242');
  expect(paymentMethodExpiry(visa)).toBe('Expires 03/2031');
});

test('the subscription’s own price', () => {
  const sub = { status: 'active', amount: 999, currency: 'usd', interval: 'month', intervalCount: 1, formatted: '$9.99', currentPeriodEnd: null, cancelAtPeriodEnd: false, trialEnd: null };
  expect(subscriptionPrice(sub)).toBe('$9.99/month');
  expect(subscriptionPrice({ ...sub, intervalCount: 6, formatted: '$49.99' })).toBe('$49.99 every 6 months');
});
