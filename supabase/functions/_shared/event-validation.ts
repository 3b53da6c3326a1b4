// Bounds on the values of a store event that reach the database. A correct signature proves who
// sent an event, not that its values are sane (a test chain, a key leaked to a test tool, a bug at
// the store): an id the ledger cannot hold or a time outside any plausible range is bad input,
// answered 400 with nothing written, never a 500 that the sender retries forever. Pure.
import { ApiError } from './http.ts';

/** The ledger's limits (billing.store_events / store_subscriptions check constraints). */
export const MAX_ID_LENGTH = 255;
export const MAX_EVENT_TYPE_LENGTH = 100;
/** Store times we accept, in epoch milliseconds: the database refuses anything outside them too. */
export const EARLIEST_STORE_TIME = Date.UTC(2000, 0, 1);
export const LATEST_STORE_TIME = Date.UTC(2200, 0, 1);

// NUL cannot be stored in Postgres text; other control characters have no place in an id.
// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** A UUID (Supabase user ids, App Store notificationUUID and appAccountToken). */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A store identifier: a non-empty string the ledger can hold, optionally of a given shape. */
export function requireId(value: unknown, what: string, shape?: RegExp): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ID_LENGTH || CONTROL.test(value) || (shape && !shape.test(value))) {
    throw new ApiError(400, 'invalid_event', `${what} must be a string of 1 to ${MAX_ID_LENGTH} printable characters${shape ? ` matching ${shape}` : ''}`);
  }
  return value;
}

/** An event type such as `invoice.paid` or `DID_RENEW.BILLING_RECOVERY`. */
export function requireEventType(value: unknown, what = 'event type'): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_EVENT_TYPE_LENGTH || !/^[A-Za-z0-9_.]+$/.test(value)) {
    throw new ApiError(400, 'invalid_event', `${what} must be 1 to ${MAX_EVENT_TYPE_LENGTH} letters, digits, dots or underscores`);
  }
  return value;
}

/** A store time in epoch milliseconds, as a Date within the accepted range. */
export function requireTime(epochMs: unknown, what: string): Date {
  if (typeof epochMs !== 'number' || !Number.isSafeInteger(epochMs) || epochMs < EARLIEST_STORE_TIME || epochMs > LATEST_STORE_TIME) {
    throw new ApiError(400, 'invalid_event', `${what} is not a time between 2000 and 2200`);
  }
  return new Date(epochMs);
}

/** An optional store time: absent (null/undefined) stays null, anything else must be valid. */
export function optionalTime(epochMs: unknown, what: string): Date | null {
  return epochMs === undefined || epochMs === null ? null : requireTime(epochMs, what);
}

/** The values of an App Store transaction that reach the database: its two ids and its expiry. */
export function requireTransaction(t: { originalTransactionId?: unknown; transactionId?: unknown; expiresDate?: unknown }): { originalTransactionId: string; transactionId: string } {
  const originalTransactionId = requireId(t.originalTransactionId, 'originalTransactionId');
  const transactionId = requireId(t.transactionId, 'transactionId');
  optionalTime(t.expiresDate, 'expiresDate');
  return { originalTransactionId, transactionId };
}
