// The /continue page (Buy on the web from the iOS app) with a FAKE auth client and the exchange
// function's answers stubbed at fetch; the real functions and GoTrue flow run in web/e2e/handoff.test.ts.
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import HandoffPage from './HandoffPage.tsx';
import { readHandoffCode, resetHandoffForTests, takeHandoffCode } from './handoff.ts';
import { AppProvider } from '../app-context.tsx';
import { RouterProvider } from '../lib/router.tsx';
import { testConfig } from '../test-utils.tsx';
import type { SupabaseClient } from '../lib/supabase.ts';

const CODE = `wcl_${'a'.repeat(43)}`;
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** A FAKE auth client: a session (or none), and what verifyOtp / signOut were asked. */
function fakeAuth(email: string | null) {
  let session = email ? { access_token: `token-of-${email}`, user: { id: 'u1', email } } : null;
  const calls: string[] = [];
  const client = {
    auth: {
      getSession: async () => ({ data: { session } }),
      onAuthStateChange: () => ({ data: { subscription: { unsubscribe() {} } } }),
      signOut: async (options: { scope: string }) => {
        calls.push(`signOut:${options.scope}`);
        session = null;
        return { error: null };
      },
      verifyOtp: async (params: { token_hash: string; type: string }) => {
        calls.push(`verifyOtp:${params.type}:${params.token_hash}`);
        session = { access_token: 'token-of-app-user', user: { id: 'u2', email: 'app@example.test' } };
        return { data: { session }, error: null };
      },
    },
  };
  return { client: client as unknown as SupabaseClient, calls };
}

function exchangeAnswers(answers: Response[]) {
  const requests: { authorization: string | null; body: unknown }[] = [];
  vi.stubGlobal('fetch', vi.fn(async (url: string, init: RequestInit) => {
    expect(url).toBe(`${testConfig.supabaseUrl}/functions/v1/web-checkout-exchange`);
    requests.push({ authorization: new Headers(init.headers).get('authorization'), body: JSON.parse(String(init.body)) });
    return answers.shift()!;
  }));
  return requests;
}

function renderAt(url: string, client: SupabaseClient) {
  window.history.replaceState(null, '', url);
  return render(
    <AppProvider config={testConfig} supabase={client}>
      <RouterProvider><HandoffPage /></RouterProvider>
    </AppProvider>,
  );
}

beforeEach(resetHandoffForTests);
afterEach(cleanup);

test('the code is read from the fragment only, and must look like one', () => {
  expect(readHandoffCode(`#handoff=${CODE}`)).toBe(CODE);
  expect(readHandoffCode(`#handoff=${CODE}x`)).toBeNull();
  expect(readHandoffCode('#handoff=')).toBeNull();
  expect(readHandoffCode(`#code=${CODE}`)).toBeNull();
});

test('the fragment leaves the address bar and the history entry before anything else', () => {
  window.history.replaceState(null, '', `/continue?x=1#handoff=${CODE}`);
  expect(takeHandoffCode()).toBe(CODE);
  expect(window.location.href).not.toContain(CODE);
  expect(window.location.pathname + window.location.search + window.location.hash).toBe('/continue?x=1');
  expect(takeHandoffCode()).toBe(CODE);
});

test('signed out: the code is exchanged, the token redeemed, and on to /subscribe', async () => {
  const requests = exchangeAnswers([json(200, { status: 'sign_in', token_hash: 'hash-1', type: 'magiclink' })]);
  const { client, calls } = fakeAuth(null);
  renderAt(`/continue#handoff=${CODE}`, client);
  await waitFor(() => expect(window.location.pathname).toBe('/subscribe'));
  expect(requests).toEqual([{ authorization: null, body: { code: CODE } }]);
  expect(calls).toEqual(['verifyOtp:magiclink:hash-1']);
});

test('another account signed in: asks first; "Sign out and continue" signs out locally, then redeems', async () => {
  const requests = exchangeAnswers([
    json(409, { error: { code: 'signed_in_as_another_account', message: 'Another account is signed in' } }),
    json(200, { status: 'sign_in', token_hash: 'hash-2', type: 'magiclink' }),
  ]);
  const { client, calls } = fakeAuth('other@example.test');
  renderAt(`/continue#handoff=${CODE}`, client);
  expect(await screen.findByText('You are signed in here as other@example.test.')).toBeTruthy();
  expect(calls).toEqual([]);
  expect(window.location.pathname).toBe('/continue');
  fireEvent.click(screen.getByRole('button', { name: 'Sign out and continue' }));
  await waitFor(() => expect(window.location.pathname).toBe('/subscribe'));
  expect(calls).toEqual(['signOut:local', 'verifyOtp:magiclink:hash-2']);
  expect(requests.map((r) => r.authorization)).toEqual(['Bearer token-of-other@example.test', null]);
});

test('a used or expired link: says to tap the button in the app again, with sign-in as a way out', async () => {
  exchangeAnswers([json(410, { error: { code: 'link_expired', message: 'This link was already used or has expired.' } })]);
  renderAt(`/continue#handoff=${CODE}`, fakeAuth(null).client);
  expect(await screen.findByRole('heading', { name: 'This link no longer works' })).toBeTruthy();
  expect(screen.getByRole('link', { name: 'Sign in here instead' }).getAttribute('href')).toBe('/sign-in?next=%2Fsubscribe');
});

test('no code at all: nothing is sent', async () => {
  const requests = exchangeAnswers([]);
  renderAt('/continue', fakeAuth(null).client);
  expect(await screen.findByRole('heading', { name: 'This link is incomplete' })).toBeTruthy();
  expect(requests).toEqual([]);
});

test('the server unreachable: a retry with the same code', async () => {
  const requests = exchangeAnswers([
    json(503, { error: { code: 'auth_unavailable', message: 'Sign-in is unavailable right now; please try again' } }),
    json(200, { status: 'sign_in', token_hash: 'hash-3', type: 'magiclink' }),
  ]);
  renderAt(`/continue#handoff=${CODE}`, fakeAuth(null).client);
  expect(await screen.findByText('Sign-in is unavailable right now; please try again')).toBeTruthy();
  fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
  await waitFor(() => expect(window.location.pathname).toBe('/subscribe'));
  expect(requests.map((r) => r.body)).toEqual([{ code: CODE }, { code: CODE }]);
});
