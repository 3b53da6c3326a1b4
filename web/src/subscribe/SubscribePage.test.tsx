import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import SubscribePage from './SubscribePage.tsx';
import { fakeSupabase, renderPage, subscriptionRow } from '../test-utils.tsx';
import { installFakeStripe } from '../../e2e/fakes/fake-stripe-js.ts';
import { forgetPrice } from './usePrice.ts';
import type { Price } from './price.ts';

const PRICE: Price = { amount: 999, currency: 'usd', interval: 'month', intervalCount: 1, trialPeriodDays: null, productName: 'Premium', formatted: '$9.99' };
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** The functions' HTTP answers, by method and name (Supabase's gateway is out of reach here). */
function serve(routes: Record<string, (init: RequestInit) => Response>) {
  const calls: { key: string; body: unknown }[] = [];
  const fetchMock = vi.fn(async (url: string, init: RequestInit = {}) => {
    const key = `${init.method ?? 'GET'} ${new URL(url).pathname.replace('/functions/v1/', '')}`;
    calls.push({ key, body: init.body ? JSON.parse(String(init.body)) : undefined });
    const route = routes[key];
    if (!route) throw new Error(`unexpected ${key}`);
    return route(init);
  });
  vi.stubGlobal('fetch', fetchMock);
  return calls;
}

beforeEach(() => {
  forgetPrice();
  // Stripe.js comes from js.stripe.com; the fake stands in for it, as in the browser tests.
  installFakeStripe(window, { wallets: { googlePay: true } });
});
afterEach(cleanup);

test('signed out: the price from GET subscribe, and an account first', async () => {
  const calls = serve({ 'GET subscribe': () => json(200, PRICE) });
  renderPage(<SubscribePage />, { path: '/subscribe' });
  expect((await screen.findByTestId('summary-price')).textContent).toBe('$9.99permonth');
  expect(screen.getByTestId('due-today').textContent).toBe('$9.99');
  expect(screen.getByRole('link', { name: 'Create account' }).getAttribute('href')).toBe('/sign-up?next=%2Fsubscribe%3Fnext%3D%252Fpremium');
  expect(calls.map((c) => c.key)).toEqual(['GET subscribe']);
});

test('another price from the server is the price shown: nothing is built in', async () => {
  serve({ 'GET subscribe': () => json(200, { ...PRICE, amount: 1499, formatted: '$14.99', interval: 'year' }) });
  renderPage(<SubscribePage />, { path: '/subscribe' });
  expect((await screen.findByTestId('summary-price')).textContent).toBe('$14.99peryear');
  expect(screen.getByTestId('renewal-terms').textContent).toMatch(/^Then \$14\.99 every year, renews on /);
});

test('a free trial: nothing due today, and when the first charge comes', async () => {
  serve({ 'GET subscribe': () => json(200, { ...PRICE, trialPeriodDays: 7 }) });
  renderPage(<SubscribePage />, { path: '/subscribe', supabase: fakeSupabase({ signedIn: true, subscription: null }) });
  expect((await screen.findByTestId('due-today')).textContent).toBe('$0.00');
  expect(screen.getByTestId('renewal-terms').textContent).toMatch(/^Then \$9\.99 every month from .+\. Cancel anytime in Account before then and you pay nothing\.$/);
  expect(await screen.findByRole('button', { name: 'Start 7-day free trial' })).toBeTruthy();
});

test('the price cannot be loaded: nothing is sold, and a retry', async () => {
  let up = false;
  serve({ 'GET subscribe': () => (up ? json(200, PRICE) : json(503, { error: { code: 'stripe_unavailable', message: 'Stripe is unavailable right now; please retry' } })) });
  renderPage(<SubscribePage />, { path: '/subscribe', supabase: fakeSupabase({ signedIn: true, subscription: null }) });
  expect((await screen.findByRole('alert')).textContent).toContain('We could not load the price right now.');
  expect(screen.queryByLabelText('Card number')).toBeNull();
  up = true;
  fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
  expect(await screen.findByTestId('summary-price')).toBeTruthy();
});

test('subscribed through the App Store: told so, linked to Account, and no payment form', async () => {
  serve({ 'GET subscribe': () => json(200, PRICE) });
  renderPage(<SubscribePage />, { path: '/subscribe', supabase: fakeSupabase({ signedIn: true, subscription: subscriptionRow({ store: 'app_store', manage_with: 'app_store' }) }) });
  expect(await screen.findByText(/subscribed through the App Store on your iPhone/)).toBeTruthy();
  expect(screen.getByRole('link', { name: 'Go to Account' }).getAttribute('href')).toBe('/account');
  expect(screen.queryByRole('button', { name: /^Subscribe/ })).toBeNull();
});

test('not subscribed: wallets, the card form, and a pay button that states the amount', async () => {
  serve({ 'GET subscribe': () => json(200, PRICE) });
  renderPage(<SubscribePage />, { path: '/subscribe', supabase: fakeSupabase({ signedIn: true, subscription: null }) });
  expect(await screen.findByRole('button', { name: 'Google Pay' })).toBeTruthy();
  expect(await screen.findByLabelText('Card number')).toBeTruthy();
  expect(screen.getByRole('button', { name: 'Subscribe · $9.99/month' })).toBeTruthy();
  expect(screen.getByRole('link', { name: /^Terms/ }).getAttribute('href')).toBe('https://certgames.com/terms');
});

test('POST subscribe sends the price shown; price_changed shows the new one and confirms nothing', async () => {
  const newer = { ...PRICE, amount: 1299, formatted: '$12.99' };
  const calls = serve({
    'GET subscribe': () => json(200, PRICE),
    'POST subscribe': () => json(409, { error: { code: 'price_changed', message: 'The price is now $12.99/month.', price: newer } }),
  });
  renderPage(<SubscribePage />, { path: '/subscribe', supabase: fakeSupabase({ signedIn: true, subscription: null }) });
  fireEvent.input(await screen.findByLabelText('Card number'), { target: { value: '4242424242424242' } });
  fireEvent.input(screen.getByLabelText('Expiration date'), { target: { value: '12 / 34' } });
  fireEvent.input(screen.getByLabelText('Security code'), { target: { value: '123' } });
  await waitFor(() => expect((screen.getByRole('button', { name: 'Subscribe · $9.99/month' }) as HTMLButtonElement).disabled).toBe(false));
  fireEvent.click(screen.getByRole('button', { name: 'Subscribe · $9.99/month' }));

  const notice = await screen.findByText('The price has changed');
  expect(notice.closest('.notice')!.textContent).toContain('It went from $9.99/month to $12.99/month. Nothing was charged.');
  // Focus moves in an effect after the notice renders.
  await waitFor(() => expect(document.activeElement).toBe(notice.closest('.notice')));
  expect(screen.getByRole('button', { name: 'Subscribe · $12.99/month' })).toBeTruthy();
  expect(screen.getByTestId('due-today').textContent).toBe('$12.99');
  expect(calls.find((c) => c.key === 'POST subscribe')!.body).toEqual({ amount: 999, currency: 'usd', interval: 'month', intervalCount: 1 });
});
