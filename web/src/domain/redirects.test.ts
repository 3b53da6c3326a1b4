import { expect, test } from 'vitest';
import { redirectMessage, signInPath, signInReasonFor, subscribePath } from './redirects.ts';

test('every redirect to sign-in says why', () => {
  expect(signInPath('/premium')).toBe('/sign-in?next=%2Fpremium&reason=premium');
  expect(redirectMessage(new URLSearchParams(signInPath('/premium').split('?')[1]).get('reason'))).toBe('Sign in to open Premium.');
  expect(signInReasonFor('/account?password=updated')).toBe('account');
  expect(signInReasonFor('/subscribe?next=%2Fpremium')).toBe('subscribe');
  expect(signInReasonFor('/subscribe/return?payment_intent=pi_1')).toBe('checkout-status');
  expect(redirectMessage('checkout-status')).toMatch(/payment/);
});

test('unsubscribed people are sent to subscribe with the reason', () => {
  expect(subscribePath('/premium')).toBe('/subscribe?next=%2Fpremium&reason=needs-subscription');
  expect(redirectMessage('needs-subscription')).toMatch(/Premium needs a subscription/);
});

test('only known reasons are shown: a link cannot choose the words', () => {
  expect(redirectMessage('Your account is locked, call us')).toBeNull();
  expect(redirectMessage('toString')).toBeNull();
  expect(redirectMessage(null)).toBeNull();
  // An off-site next is replaced before it is carried.
  expect(signInPath('https://evil.example')).toBe('/sign-in?next=%2Faccount&reason=account');
});
