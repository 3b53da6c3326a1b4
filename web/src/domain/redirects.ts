// Where to send someone after signing in or subscribing (only paths on this site: no open redirect),
// and why they were sent: every redirect carries a reason the next page shows ("Sign in to open
// Premium"). The reason travels as a code, never as text, so a link cannot put words in our mouth.
export function safeNext(value: string | null | undefined, fallback = '/account'): string {
  if (!value || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return fallback;
  return value;
}

export type RedirectReason = 'premium' | 'account' | 'subscribe' | 'checkout-status' | 'needs-subscription';

const SIGN_IN_REASONS: Record<Exclude<RedirectReason, 'needs-subscription'>, string> = {
  premium: 'Sign in to open Premium.',
  account: 'Sign in to see your account.',
  subscribe: 'Sign in or create an account to subscribe.',
  'checkout-status': 'Sign in to see your payment.',
};

const MESSAGES: Record<RedirectReason, string> = {
  ...SIGN_IN_REASONS,
  'needs-subscription': 'Premium needs a subscription. Subscribe to open it.',
};

/** The reason for sending a signed-out person from `path` to sign in. */
export function signInReasonFor(path: string): RedirectReason {
  const pathname = path.split(/[?#]/)[0];
  if (pathname === '/premium' || pathname.startsWith('/premium/')) return 'premium';
  if (pathname === '/subscribe/return') return 'checkout-status';
  if (pathname.startsWith('/subscribe')) return 'subscribe';
  return 'account';
}

/** /sign-in for someone who wanted `next`, with the reason shown there. */
export function signInPath(next: string, reason: RedirectReason = signInReasonFor(next)): string {
  return `/sign-in?next=${encodeURIComponent(safeNext(next))}&reason=${reason}`;
}

/** /subscribe for a signed-in person without a subscription who wanted `next`. */
export function subscribePath(next: string): string {
  return `/subscribe?next=${encodeURIComponent(safeNext(next))}&reason=needs-subscription`;
}

/** The sentence for a `reason` query parameter; nothing for an unknown one. */
export function redirectMessage(reason: string | null | undefined): string | null {
  return reason && Object.hasOwn(MESSAGES, reason) ? MESSAGES[reason as RedirectReason] : null;
}
