// The session follows the subscription: a page that reads a row its access token's `entitlements`
// claim no longer matches refreshes the session once, and never loops. Supabase Auth is a FAKE
// (its servers are out of reach here) that, like the real one with our custom access token hook,
// puts the row as it stands into each token it issues.
import { afterEach, expect, test } from 'vitest';
import { act, cleanup, render, screen, waitFor } from '@testing-library/react';
import { AppProvider } from '../app-context.tsx';
import { testConfig, subscriptionRow } from '../test-utils.tsx';
import type { SubscriptionRow } from '../domain/subscription.ts';
import { useSubscription } from './useSubscription.ts';
import { createClaimFollower, tokenIsBehind, tokenPayload } from './claim-follower.ts';

afterEach(cleanup);

const USER_ID = '5f0c4d4e-6f3a-4c1b-9a51-1f2e3d4c5b6a';
const seconds = (iso: string | null) => (iso === null ? undefined : Math.floor(Date.parse(iso) / 1000));

/** A JWT-shaped token (the signature is irrelevant to the client, which never trusts the claim). */
function jwt(payload: Record<string, unknown>): string {
  const part = (o: unknown) => btoa(JSON.stringify(o)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  return `${part({ alg: 'ES256', typ: 'JWT' })}.${part(payload)}.c2ln`;
}

/** What the hook writes for a row (supabase/migrations/20261129120100_access_token_hook.sql). */
function claimFor(row: SubscriptionRow | null): Record<string, unknown> {
  if (!row) return { active: false };
  const claim: Record<string, unknown> = {
    active: row.is_active, status: row.status, store: row.store, product_id: row.product_id,
    expires_at: seconds(row.current_period_ends_at), will_renew: row.will_renew,
  };
  if (row.in_grace_period) claim.grace_period_ends_at = seconds(row.grace_period_ends_at);
  return claim;
}

/** A FAKE Supabase client: the row the Data API returns now, and Auth issuing tokens from it. */
function fakeClient(options: { row: SubscriptionRow | null; tokenRow: SubscriptionRow | null; hook?: boolean; refreshFails?: boolean }) {
  const state = { row: options.row, refreshes: 0, reads: 0 };
  const issue = (row: SubscriptionRow | null) => jwt({ sub: USER_ID, role: 'authenticated', ...(options.hook === false ? {} : { entitlements: claimFor(row) }) });
  let session = { access_token: issue(options.tokenRow), user: { id: USER_ID, email: 'ada@example.test' } };
  const client = {
    auth: {
      getSession: async () => ({ data: { session } }),
      onAuthStateChange: () => ({ data: { subscription: { unsubscribe() {} } } }),
      refreshSession: async () => {
        state.refreshes++;
        if (options.refreshFails) return { data: { session: null }, error: { message: 'network' } };
        session = { ...session, access_token: issue(state.row) };
        return { data: { session }, error: null };
      },
    },
    from: () => ({ select: () => ({ maybeSingle: async () => { state.reads++; return { data: state.row, error: null }; } }) }),
  };
  return { client: client as never, state, token: () => session.access_token };
}

function Reader() {
  const { row, refresh } = useSubscription();
  return (
    <div>
      <p>{row ? `${row.status} ${row.is_active ? 'active' : 'inactive'}` : 'no row'}</p>
      <button onClick={() => void refresh()}>read again</button>
    </div>
  );
}

async function renderReader(client: never) {
  render(<AppProvider config={testConfig} supabase={client}><Reader /></AppProvider>);
  await screen.findByRole('button', { name: 'read again' });
}

const readAgain = () => act(async () => screen.getByRole('button', { name: 'read again' }).click());
const pause = (ms: number) => act(() => new Promise((r) => setTimeout(r, ms)));

test('a row the token does not match yet (just paid): one refresh, and the new token says active', async () => {
  const paid = subscriptionRow({ current_period_ends_at: new Date(Date.now() + 30 * 86_400_000).toISOString() });
  const fake = fakeClient({ row: paid, tokenRow: null });
  expect(tokenIsBehind(fake.token(), paid, new Date())).toBe(true);
  await renderReader(fake.client);
  await waitFor(() => expect(fake.state.refreshes).toBe(1), { timeout: 3000 });
  expect(tokenPayload(fake.token())?.entitlements).toMatchObject({ active: true, status: 'active', store: 'stripe' });
  // Reads after the refresh find the token in step: no further refresh (no loop).
  await readAgain();
  await readAgain();
  await pause(900);
  expect(fake.state.reads).toBeGreaterThanOrEqual(3);
  expect(fake.state.refreshes).toBe(1);
});

test('a token already in step is left alone', async () => {
  const row = subscriptionRow({ current_period_ends_at: new Date(Date.now() + 86_400_000).toISOString() });
  const fake = fakeClient({ row, tokenRow: row });
  await renderReader(fake.client);
  await readAgain();
  await pause(900);
  expect(fake.state.refreshes).toBe(0);
});

test('the row changes while the page is open (refund): the next read refreshes once', async () => {
  const row = subscriptionRow({ current_period_ends_at: new Date(Date.now() + 86_400_000).toISOString() });
  const fake = fakeClient({ row, tokenRow: row });
  await renderReader(fake.client);
  fake.state.row = { ...row, status: 'refunded', is_active: false, updated_at: new Date().toISOString() };
  await readAgain();
  await screen.findByText('refunded inactive');
  await waitFor(() => expect(fake.state.refreshes).toBe(1), { timeout: 3000 });
  expect(tokenPayload(fake.token())?.entitlements).toMatchObject({ active: false, status: 'refunded' });
});

test('a burst of reads is one refresh', async () => {
  const paid = subscriptionRow({ current_period_ends_at: new Date(Date.now() + 86_400_000).toISOString() });
  const fake = fakeClient({ row: paid, tokenRow: null });
  await renderReader(fake.client);
  for (let i = 0; i < 5; i++) await readAgain();
  await waitFor(() => expect(fake.state.refreshes).toBe(1), { timeout: 3000 });
  await pause(900);
  expect(fake.state.refreshes).toBe(1);
});

test('no claim in the token (hook not enabled): nothing to follow, never refreshes', async () => {
  const paid = subscriptionRow({ current_period_ends_at: new Date(Date.now() + 86_400_000).toISOString() });
  const fake = fakeClient({ row: paid, tokenRow: null, hook: false });
  await renderReader(fake.client);
  await readAgain();
  await pause(900);
  expect(fake.state.refreshes).toBe(0);
});

test('a refresh that cannot help (Auth unreachable) is not retried for the same row: no loop', async () => {
  const paid = subscriptionRow({ current_period_ends_at: new Date(Date.now() + 86_400_000).toISOString() });
  const fake = fakeClient({ row: paid, tokenRow: null, refreshFails: true });
  await renderReader(fake.client);
  await waitFor(() => expect(fake.state.refreshes).toBe(1), { timeout: 3000 });
  for (let i = 0; i < 3; i++) await readAgain();
  await pause(900);
  expect(fake.state.refreshes).toBe(1);
});

test('time passing alone is not a change: a period that ended with no event needs no refresh', () => {
  const ended = subscriptionRow({ is_active: false, current_period_ends_at: new Date(Date.now() - 60_000).toISOString() });
  // Issued while it was active; the row now reads inactive because the period is over.
  const token = jwt({ entitlements: claimFor({ ...ended, is_active: true }) });
  expect(tokenIsBehind(token, ended, new Date())).toBe(false);
});

test('the follower debounces and stops when disposed', async () => {
  let refreshes = 0;
  const follower = createClaimFollower(async () => void refreshes++, { delayMs: 50 });
  const row = subscriptionRow({ current_period_ends_at: new Date(Date.now() + 86_400_000).toISOString() });
  follower.observe(jwt({ entitlements: { active: false } }), USER_ID, row);
  follower.dispose();
  await new Promise((r) => setTimeout(r, 120));
  expect(refreshes).toBe(0);
  follower.observe(jwt({ entitlements: { active: false } }), USER_ID, row);
  await new Promise((r) => setTimeout(r, 120));
  expect(refreshes).toBe(1);
});
