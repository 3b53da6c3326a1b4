import { afterEach, expect, test } from 'vitest';
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import SignInPage from './SignInPage.tsx';
import { fakeSupabase, renderPage } from '../test-utils.tsx';

afterEach(cleanup);

function submit(email: string, password: string) {
  fireEvent.change(screen.getByLabelText('Email'), { target: { value: email } });
  fireEvent.change(screen.getByLabelText('Password'), { target: { value: password } });
  fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
}

test('a wrong password gets a message people can act on', async () => {
  const supabase = fakeSupabase({ signInError: { code: 'invalid_credentials', message: 'Invalid login credentials', status: 400 } });
  renderPage(<SignInPage />, { path: '/sign-in', supabase });
  submit('ada@example.test', 'nope');
  expect((await screen.findByRole('alert')).textContent).toMatch(/do not match/);
});

test('an unconfirmed email is confirmed right here, with a code', async () => {
  const supabase = fakeSupabase({ signInError: { code: 'email_not_confirmed', message: 'Email not confirmed', status: 400 } });
  renderPage(<SignInPage />, { path: '/sign-in', supabase });
  submit('ada@example.test', 'password1');
  fireEvent.click(await screen.findByRole('button', { name: 'Email me a code' }));
  await screen.findByRole('heading', { name: 'Check your email' });
  expect(screen.getByLabelText('Confirmation code')).toBeTruthy();
  expect(supabase.calls).toContain('resend');
});

test('the reason for the redirect is shown', async () => {
  renderPage(<SignInPage />, { path: '/sign-in?next=%2Fpremium&reason=premium' });
  expect((await screen.findByRole('status')).textContent).toBe('Sign in to open Premium.');
});

test('success goes back where the person came from', async () => {
  renderPage(<SignInPage />, { path: '/sign-in?next=%2Fpremium', supabase: fakeSupabase({ signedIn: true }) });
  submit('ada@example.test', 'password1');
  await waitFor(() => expect(window.location.pathname).toBe('/premium'));
});

test('an off-site next is ignored', async () => {
  renderPage(<SignInPage />, { path: '/sign-in?next=https%3A%2F%2Fevil.example', supabase: fakeSupabase({ signedIn: true }) });
  submit('ada@example.test', 'password1');
  await waitFor(() => expect(window.location.pathname).toBe('/account'));
});
