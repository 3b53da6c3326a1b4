// Failures of a dependency that a retry can get past. `respond` answers them with 503, so Stripe,
// Apple and our clients retry; every write path runs in one transaction, so nothing is half-written.

// Connection failures and server states of Postgres.
const TRANSIENT_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '53400', '40001', '40P01']);
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN',
  'CONNECT_TIMEOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED',
]);

export function isDatabaseUnavailable(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  if (!code) return false;
  return TRANSIENT_CODES.has(code) || TRANSIENT_SQLSTATES.has(code) || code.startsWith('08');
}

/**
 * Stripe could not answer (network, 5xx, rate limit), or is still running a request with the same
 * idempotency key (409 `idempotency_key_in_use`: nothing was saved, so the same request may be
 * retried). A 400 `idempotency_error` (key reused with other parameters) is not: retrying repeats it.
 */
export function isStripeUnavailable(error: unknown): boolean {
  const e = error as { type?: string; statusCode?: number } | null;
  return (
    e?.type === 'StripeConnectionError' ||
    e?.type === 'StripeAPIError' ||
    e?.type === 'StripeRateLimitError' ||
    (typeof e?.statusCode === 'number' && e.statusCode >= 500)
  );
}
