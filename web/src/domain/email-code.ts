// The 6-digit code in the confirmation email ({{ .Token }} in Supabase Auth's "Confirm signup"
// template; config.toml [auth.email] otp_length = 6), and how long to wait before asking for another.
export const CODE_LENGTH = 6;

/** What people paste or type ("123 456", "123-456", " 123456 ") reduced to its digits. */
export function normalizeCode(input: string): string {
  return input.replace(/\D/g, '').slice(0, CODE_LENGTH);
}

export function isCompleteCode(code: string): boolean {
  return new RegExp(`^\\d{${CODE_LENGTH}}$`).test(code);
}

/**
 * Supabase Auth sends one confirmation email per address per `max_frequency` (60 s unless the
 * project changes it), so the page waits as long after each email before offering another.
 */
export const RESEND_COOLDOWN_SECONDS = 60;

/**
 * How long Supabase Auth told us to wait, from its 429 `over_email_send_rate_limit`: "For security
 * purposes, you can only request this after 42 seconds." — or the project's hourly email limit
 * ("Email rate limit exceeded"), which names no time: then a full cooldown.
 */
export function retryAfterSeconds(error: { code?: string; status?: number; message?: string }): number | null {
  if (error.code !== 'over_email_send_rate_limit' && error.status !== 429) return null;
  const seconds = /after (\d+) seconds?/i.exec(error.message ?? '')?.[1];
  // Supabase Auth truncates the time left to whole seconds ("after 42" may mean 42.9): one more,
  // so the button never comes back while a click would still be refused.
  return seconds ? Number(seconds) + 1 : RESEND_COOLDOWN_SECONDS;
}

/** "0:42" — short enough for a button label. */
export function formatCountdown(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** What to say when Supabase Auth refused another email for now. */
export function rateLimitedMessage(waitSeconds: number): string {
  return `Emails to one address are limited. You can ask for a new code in ${formatCountdown(waitSeconds)}; the last one still works.`;
}
