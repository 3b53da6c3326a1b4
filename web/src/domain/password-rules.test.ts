import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { parse } from 'smol-toml';
import { PASSWORD_POLICY, passwordAcceptable, passwordProblem, passwordRules } from './password-rules.ts';

test('the page enforces the rule Supabase Auth is configured with (supabase/config.toml)', () => {
  const config = parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../../../supabase/config.toml'), 'utf8')) as { auth: { minimum_password_length: number; password_requirements: string } };
  expect(PASSWORD_POLICY).toEqual({ minimumLength: config.auth.minimum_password_length, requirements: config.auth.password_requirements });
});

test('each rule is checked as people type', () => {
  expect(passwordRules('').map((r) => r.met)).toEqual([false, false, false]);
  expect(passwordRules('abc').map((r) => [r.id, r.met])).toEqual([['length', false], ['letter', true], ['digit', false]]);
  expect(passwordRules('12345678').map((r) => [r.id, r.met])).toEqual([['length', true], ['letter', false], ['digit', true]]);
  expect(passwordAcceptable('correct-horse-42')).toBe(true);
  expect(passwordAcceptable('Abcdefg1')).toBe(true);
  expect(passwordAcceptable('Abcdef1')).toBe(false);
  // Letters beyond a–z do not count, as for GoTrue's letters_digits.
  expect(passwordAcceptable('éééééé12')).toBe(false);
});

test('the error names what is missing', () => {
  expect(passwordProblem('abc')).toBe('Your password needs at least 8 characters and a number.');
  expect(passwordProblem('')).toBe('Your password needs at least 8 characters, a letter and a number.');
  expect(passwordProblem('abcdefg1')).toBe('');
});
