import { afterEach, expect, test, vi } from 'vitest';
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { SubscriptionCard } from './SubscriptionCard.tsx';
import { fakeSupabase, renderPage, subscriptionRow } from '../test-utils.tsx';

afterEach(cleanup);

test('App Store subscribers get Apple’s manage link, not a portal button', () => {
  renderPage(<SubscriptionCard row={subscriptionRow({ store: 'app_store', manage_with: 'app_store', manage_url: 'https://apps.apple.com/account/subscriptions' })} />);
  expect(screen.getByRole('link', { name: 'Manage in the App Store (opens in a new tab)' }).getAttribute('href')).toBe('https://apps.apple.com/account/subscriptions');
  expect(screen.queryByRole('button', { name: 'Manage billing' })).toBeNull();
});

test('Manage billing asks the portal function for a session and goes there', async () => {
  const fetchMock = vi.fn(async () => new Response(JSON.stringify({ url: 'https://billing.stripe.com/p/session/test_1' }), { status: 200 }));
  vi.stubGlobal('fetch', fetchMock);
  const assign = vi.fn();
  vi.stubGlobal('location', { ...window.location, origin: 'http://app.test', assign });
  renderPage(<SubscriptionCard row={subscriptionRow()} />, { supabase: fakeSupabase({ signedIn: true }) });
  fireEvent.click(screen.getByRole('button', { name: 'Manage billing' }));
  await waitFor(() => expect(assign).toHaveBeenCalledWith('https://billing.stripe.com/p/session/test_1'));
  const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
  expect(url).toBe('https://project.supabase.test/functions/v1/portal');
  expect((init.headers as Record<string, string>).authorization).toBe('Bearer token-for-tests');
  expect(JSON.parse(String(init.body))).toEqual({ returnUrl: 'http://app.test/account' });
});

test('a portal failure is shown, not swallowed', async () => {
  vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ error: { code: 'stripe_unavailable', message: 'Stripe is unavailable right now; please retry' } }), { status: 503 })));
  renderPage(<SubscriptionCard row={subscriptionRow()} />, { supabase: fakeSupabase({ signedIn: true }) });
  fireEvent.click(screen.getByRole('button', { name: 'Manage billing' }));
  expect((await screen.findByRole('alert')).textContent).toContain('Stripe is unavailable right now');
});

const billing = {
  loading: false,
  error: null,
  summary: {
    email: 'ada@example.test',
    paymentMethod: { type: 'card', brand: 'visa', last4: '4242', expMonth: 12, expYear: 2034, wallet: null },
    subscription: { status: 'active', amount: 999, currency: 'usd', interval: 'month', intervalCount: 1, formatted: '$9.99', currentPeriodEnd: '2026-12-25T10:00:00Z', cancelAtPeriodEnd: false, trialEnd: null },
    latestInvoice: { status: 'paid', amountPaid: 999, amountDue: 999, currency: 'usd', formattedPaid: '$9.99', paidAt: '2026-11-25T10:00:00Z', url: 'https://invoice.stripe.com/i/x' },
  },
};

test('a web subscription states its amount, next charge, card and last payment', () => {
  renderPage(<SubscriptionCard row={subscriptionRow()} billing={billing} />, { supabase: fakeSupabase({ signedIn: true }) });
  expect(screen.getByTestId('account-amount').textContent).toBe('$9.99/month');
  expect(screen.getByTestId('account-next-charge').textContent).toBe('$9.99 on December 25, 2026');
  expect(screen.getByTestId('account-payment-method').textContent).toBe('Visa •••• 4242Expires 12/2034');
  expect(screen.getByTestId('account-last-payment').textContent).toContain('$9.99 on November 25, 2026');
  expect(screen.getByRole('button', { name: 'Invoice history' })).toBeTruthy();
});

test('cancelled at period end: no next charge, access until the end', () => {
  renderPage(<SubscriptionCard row={subscriptionRow({ will_renew: false })} billing={billing} />, { supabase: fakeSupabase({ signedIn: true }) });
  expect(screen.queryByTestId('account-next-charge')).toBeNull();
  expect(screen.getByTestId('account-access-until').textContent).toBe('December 25, 2026');
});

test('paying in both stores: a warning with the web and the App Store actions', () => {
  renderPage(<SubscriptionCard row={subscriptionRow({ active_in_both_stores: true })} billing={billing} />, { supabase: fakeSupabase({ signedIn: true }) });
  const warning = screen.getByText('You are paying twice').closest('.notice')!;
  expect(warning.className).toContain('notice--warning');
  expect(warning.querySelector('button')!.textContent).toBe('Manage web billing');
  expect(warning.querySelector('a')!.getAttribute('href')).toBe('https://apps.apple.com/account/subscriptions');
});

test('no subscription: today’s price and a subscribe action', () => {
  renderPage(<SubscriptionCard row={null} price={{ amount: 999, currency: 'usd', interval: 'month', intervalCount: 1, trialPeriodDays: null, productName: 'Premium', formatted: '$9.99' }} />);
  expect(screen.getByTestId('account-price').textContent).toBe('$9.99 per month. Cancel anytime.');
  expect(screen.getByRole('link', { name: 'Subscribe · $9.99/month' }).getAttribute('href')).toBe('/subscribe');
});

test('the summary line and the facts below it name the same day, in the reader’s time zone', () => {
  const zone = process.env.TZ;
  process.env.TZ = 'America/Los_Angeles';
  try {
    // Ends at 3 am UTC on December 25: the evening of December 24 in California.
    const end = '2026-12-25T03:00:00Z';
    const summary = { ...billing.summary, subscription: { ...billing.summary.subscription, currentPeriodEnd: end } };
    renderPage(<SubscriptionCard row={subscriptionRow({ current_period_ends_at: end })} billing={{ ...billing, summary }} />, { supabase: fakeSupabase({ signedIn: true }) });
    expect(screen.getByText('Renews on December 24, 2026.')).toBeTruthy();
    expect(screen.getByTestId('account-next-charge').textContent).toBe('$9.99 on December 24, 2026');
    cleanup();
    renderPage(<SubscriptionCard row={subscriptionRow({ store: 'app_store', manage_with: 'app_store', current_period_ends_at: end })} />);
    expect(screen.getByText('Renews on December 24, 2026.')).toBeTruthy();
    expect(screen.getByText('December 24, 2026')).toBeTruthy();
  } finally {
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
  }
});
