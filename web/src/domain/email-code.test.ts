import { expect, test } from 'vitest';
import { formatCountdown, isCompleteCode, normalizeCode, RESEND_COOLDOWN_SECONDS, retryAfterSeconds } from './email-code.ts';

test('codes are read the way people paste them', () => {
  expect(normalizeCode(' 123 456 ')).toBe('123456');
  expect(normalizeCode('123-456')).toBe('123456');
  expect(normalizeCode('1234567')).toBe('123456');
  expect(isCompleteCode('123456')).toBe(true);
  expect(isCompleteCode('12345')).toBe(false);
  expect(isCompleteCode('12345a')).toBe(false);
});

test("the wait comes from Supabase Auth's 429 when it names one", () => {
  expect(retryAfterSeconds({ code: 'over_email_send_rate_limit', status: 429, message: 'For security purposes, you can only request this after 42 seconds.' })).toBe(43);
  expect(retryAfterSeconds({ code: 'over_email_send_rate_limit', status: 429, message: 'For security purposes, you can only request this after 0 seconds.' })).toBe(1);
  // The project's hourly email limit names no time.
  expect(retryAfterSeconds({ code: 'over_email_send_rate_limit', status: 429, message: 'Email rate limit exceeded' })).toBe(RESEND_COOLDOWN_SECONDS);
  expect(retryAfterSeconds({ code: 'validation_failed', status: 400, message: 'Unable to validate email address' })).toBeNull();
});

test('countdowns read as m:ss', () => {
  expect(formatCountdown(60)).toBe('1:00');
  expect(formatCountdown(42)).toBe('0:42');
  expect(formatCountdown(0.2)).toBe('0:01');
  expect(formatCountdown(-3)).toBe('0:00');
});
