import { afterEach, beforeEach, expect, test } from 'vitest';
import { cleanup, screen } from '@testing-library/react';
import SubscribePage from './SubscribePage.tsx';
import { fakeSupabase, renderPage, subscriptionRow } from '../test-utils.tsx';
import { installFakeStripe } from '../../e2e/fakes/fake-stripe-js.ts';

beforeEach(() => {
  // Stripe.js comes from js.stripe.com; the fake stands in for it, as in the browser tests.
  installFakeStripe(window, { wallets: { googlePay: true } });
});
afterEach(cleanup);

test('signed out: the price, and an account first', async () => {
  renderPage(<SubscribePage />, { path: '/subscribe' });
  expect(await screen.findByText('$9.99/month')).toBeTruthy();
  expect(screen.getByRole('link', { name: 'Create account' }).getAttribute('href')).toBe('/sign-up?next=%2Fsubscribe%3Fnext%3D%252Fpremium');
});

test('subscribed through the App Store: told so, and no payment form', async () => {
  renderPage(<SubscribePage />, { path: '/subscribe', supabase: fakeSupabase({ signedIn: true, subscription: subscriptionRow({ store: 'app_store', manage_with: 'app_store' }) }) });
  expect(await screen.findByText(/subscribed through the App Store on your iPhone/)).toBeTruthy();
  expect(screen.queryByRole('button', { name: 'Subscribe' })).toBeNull();
});

test('not subscribed: wallets and the card form render at once (deferred intent)', async () => {
  renderPage(<SubscribePage />, { path: '/subscribe', supabase: fakeSupabase({ signedIn: true, subscription: null }) });
  expect(await screen.findByRole('button', { name: 'Google Pay' })).toBeTruthy();
  expect(await screen.findByLabelText('Card number')).toBeTruthy();
  expect(screen.getByRole('button', { name: 'Subscribe' })).toBeTruthy();
});
