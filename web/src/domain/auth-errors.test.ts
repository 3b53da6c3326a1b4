import { expect, test } from 'vitest';
import { friendlyAuthError } from './auth-errors.ts';
import { safeNext } from './redirects.ts';

test('auth errors people can act on', () => {
  expect(friendlyAuthError({ code: 'invalid_credentials', message: 'Invalid login credentials' })).toMatch(/do not match/);
  expect(friendlyAuthError({ code: 'email_not_confirmed' })).toMatch(/confirm your email/);
  expect(friendlyAuthError({ code: 'identity_already_exists' })).toMatch(/another account/);
  expect(friendlyAuthError({ message: 'Failed to fetch' })).toMatch(/cannot reach/);
  expect(friendlyAuthError({ code: 'something_new', message: 'Server said no' })).toBe('Server said no');
  expect(friendlyAuthError(null)).toBe('');
});

test('redirects stay on this site', () => {
  expect(safeNext('/premium')).toBe('/premium');
  expect(safeNext('/subscribe?next=%2Fpremium')).toBe('/subscribe?next=%2Fpremium');
  for (const bad of ['https://evil.example', '//evil.example', '/\\evil.example', 'javascript:alert(1)', '', null]) {
    expect(safeNext(bad)).toBe('/account');
  }
});
