// Component-test helpers: the app's providers around a component, with a FAKE Supabase client
// (Supabase's servers are out of reach in unit tests) that answers the few calls a page makes.
import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import type { SupabaseClient } from './lib/supabase.ts';
import { AppProvider } from './app-context.tsx';
import { DEFAULT_BRAND, type WebConfig } from './config.ts';
import { RouterProvider } from './lib/router.tsx';
import type { SubscriptionRow } from './domain/subscription.ts';

export const testConfig: WebConfig = {
  supabaseUrl: 'https://project.supabase.test',
  supabasePublishableKey: 'sb_publishable_test',
  stripePublishableKey: 'pk_test_unit',
  brand: DEFAULT_BRAND,
};

export interface FakeSupabaseOptions {
  signedIn?: boolean;
  subscription?: SubscriptionRow | null;
  signInError?: { code: string; message: string; status: number };
}

export function fakeSupabase(options: FakeSupabaseOptions = {}) {
  const user = { id: '5f0c4d4e-6f3a-4c1b-9a51-1f2e3d4c5b6a', email: 'ada@example.test', identities: [{ identity_id: 'i1', provider: 'email', identity_data: { email: 'ada@example.test' } }] };
  const session = options.signedIn ? { access_token: 'token-for-tests', user } : null;
  const calls: string[] = [];
  const client = {
    calls,
    auth: {
      getSession: async () => ({ data: { session } }),
      onAuthStateChange: () => ({ data: { subscription: { unsubscribe() {} } } }),
      signInWithPassword: async (credentials: { email: string }) => {
        calls.push(`signInWithPassword:${credentials.email}`);
        return options.signInError ? { data: {}, error: options.signInError } : { data: { session }, error: null };
      },
      resend: async () => {
        calls.push('resend');
        return { error: null };
      },
      signInWithOAuth: async ({ provider }: { provider: string }) => {
        calls.push(`oauth:${provider}`);
        return { error: null };
      },
    },
    from: (table: string) => ({
      select: () => ({
        maybeSingle: async () => ({ data: table === 'subscriptions' ? options.subscription ?? null : null, error: null }),
      }),
    }),
  };
  return client as unknown as SupabaseClient & { calls: string[] };
}

export function renderPage(ui: ReactElement, { path = '/', supabase = fakeSupabase() } = {}) {
  window.history.replaceState(null, '', path);
  return render(
    <AppProvider config={testConfig} supabase={supabase}>
      <RouterProvider>{ui}</RouterProvider>
    </AppProvider>,
  );
}

export function subscriptionRow(overrides: Partial<SubscriptionRow> = {}): SubscriptionRow {
  return {
    user_id: '5f0c4d4e-6f3a-4c1b-9a51-1f2e3d4c5b6a', is_active: true, status: 'active', store: 'stripe', product_id: 'prod_premium',
    current_period_ends_at: '2026-12-25T10:00:00Z', will_renew: true, in_grace_period: false, grace_period_ends_at: null,
    has_billing_issue: false, is_sandbox: false, is_family_shared: false, manage_with: 'stripe_customer_portal', manage_url: null,
    active_in_both_stores: false, updated_at: '2026-11-25T10:00:00Z', ...overrides,
  };
}
