import { expect, test } from 'vitest';
import { amountDueToday, billedPhrase, firstRenewal, formatMoney, perInterval, samePrice, type Price } from './price.ts';
import { nextStepAfterDecline, payLabel } from './CheckoutForm.tsx';
import { renewalTerms } from './OrderSummary.tsx';
import { productTitle } from './product.ts';

const monthly: Price = { amount: 999, currency: 'usd', interval: 'month', intervalCount: 1, trialPeriodDays: null, productName: 'Premium', formatted: '$9.99' };

test('money in each currency’s minor units', () => {
  expect(formatMoney(999, 'usd')).toBe('$9.99');
  expect(formatMoney(0, 'usd')).toBe('$0.00');
  expect(formatMoney(1000, 'jpy')).toBe('¥1,000');
  expect(formatMoney(999, 'EUR')).toBe('€9.99');
});

test('the recurring phrases', () => {
  expect(perInterval(monthly)).toBe('$9.99/month');
  expect(perInterval({ ...monthly, intervalCount: 3, formatted: '$24.99' })).toBe('$24.99 every 3 months');
  expect(billedPhrase(monthly)).toBe('Monthly');
  expect(billedPhrase({ interval: 'year', intervalCount: 1 })).toBe('Yearly');
  expect(billedPhrase({ interval: 'week', intervalCount: 2 })).toBe('Every 2 weeks');
});

test('first renewal follows Stripe’s calendar: the same day next month, or that month’s last day', () => {
  const on = (iso: string, price: Partial<Price> = {}) => firstRenewal({ ...monthly, ...price }, new Date(iso)).toISOString().slice(0, 10);
  expect(on('2026-11-29T15:00:00Z')).toBe('2026-12-29');
  expect(on('2027-01-31T10:00:00Z')).toBe('2027-02-28');
  expect(on('2028-01-31T10:00:00Z')).toBe('2028-02-29'); // a leap year
  expect(on('2026-12-15T10:00:00Z', { intervalCount: 3 })).toBe('2027-03-15');
  expect(on('2028-02-29T10:00:00Z', { interval: 'year' })).toBe('2029-02-28');
  expect(on('2026-11-29T15:00:00Z', { interval: 'week' })).toBe('2026-12-06');
  expect(on('2026-11-29T15:00:00Z', { trialPeriodDays: 7 })).toBe('2026-12-06');
});

test('due today: the price, or nothing during a free trial', () => {
  expect(amountDueToday(monthly)).toBe(999);
  expect(amountDueToday({ ...monthly, trialPeriodDays: 14 })).toBe(0);
});

test('the renewal terms of the order summary', () => {
  const now = new Date('2026-11-29T15:00:00Z');
  expect(renewalTerms(monthly, now)).toBe('Then $9.99 every month, renews on December 29, 2026. Cancel anytime in Account.');
  expect(renewalTerms({ ...monthly, trialPeriodDays: 7 }, now)).toBe('Then $9.99 every month from December 6, 2026. Cancel anytime in Account before then and you pay nothing.');
});

test('the same price is the same amount, currency and interval', () => {
  expect(samePrice(monthly, { ...monthly, currency: 'USD' })).toBe(true);
  expect(samePrice(monthly, { ...monthly, amount: 1299 })).toBe(false);
  expect(samePrice(monthly, { ...monthly, interval: 'year' })).toBe(false);
  expect(samePrice(monthly, { ...monthly, intervalCount: 2 })).toBe(false);
});

test('the pay button and the next step after a decline', () => {
  expect(payLabel(monthly)).toBe('Subscribe · $9.99/month');
  expect(payLabel({ ...monthly, trialPeriodDays: 7 })).toBe('Start 7-day free trial');
  expect(nextStepAfterDecline({ applePay: true, googlePay: false, link: true })).toBe('Try another card or Apple Pay.');
  expect(nextStepAfterDecline({ applePay: false, googlePay: true, link: true })).toBe('Try another card or Google Pay.');
  expect(nextStepAfterDecline({ applePay: false, googlePay: false, link: true })).toBe('Try another card or Link.');
  expect(nextStepAfterDecline(false)).toBe('Try another card.');
  expect(nextStepAfterDecline(null)).toBe('Try another card.');
});

test('the product title says the brand once', () => {
  expect(productTitle('CertGames', 'Premium')).toBe('CertGames Premium');
  expect(productTitle('CertGames', 'CertGames Premium')).toBe('CertGames Premium');
});
