import { afterEach, expect, test, vi } from 'vitest';
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { SubscriptionCard } from './SubscriptionCard.tsx';
import { fakeSupabase, renderPage, subscriptionRow } from '../test-utils.tsx';

afterEach(cleanup);

test('App Store subscribers get Apple’s manage link, not a portal button', () => {
  renderPage(<SubscriptionCard row={subscriptionRow({ store: 'app_store', manage_with: 'app_store', manage_url: 'https://apps.apple.com/account/subscriptions' })} />);
  expect(screen.getByRole('link', { name: 'Manage in the App Store' }).getAttribute('href')).toBe('https://apps.apple.com/account/subscriptions');
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
