// "Buy on the web" from the iOS app, web side: the app opens `/continue#handoff=<code>` in the
// system browser (a link from the web-checkout-link function, single-use, five minutes); this page
// redeems the code with web-checkout-exchange and signs the browser in as the app's account
// (docs/ios.md, "Buy on the web").
//
// The code is in the fragment, which the browser never sends to a server (no request line, no
// access log, no Referer). takeHandoffCode() reads it once and removes it from the address bar and
// the history entry before anything else runs; the exchange sends it in a POST body.
import { FunctionError, requestFunction } from '../lib/functions.ts';
import type { WebConfig } from '../config.ts';

/** The fragment parameter web-checkout-link puts the code in (its _shared/web-checkout.ts HANDOFF_PARAM). */
export const HANDOFF_PARAM = 'handoff';
export const HANDOFF_PATH = '/continue';
const CODE = /^wcl_[A-Za-z0-9_-]{43}$/;

/** The code in a fragment (`#handoff=wcl_…`), or null when there is none or it is malformed. */
export function readHandoffCode(hash: string): string | null {
  const code = new URLSearchParams(hash.replace(/^#/, '')).get(HANDOFF_PARAM);
  return code && CODE.test(code) ? code : null;
}

let taken: string | null = null;

/**
 * The code of the link this page was opened with. The fragment is removed at once: the address
 * bar, the history entry and anything that reads location afterwards see `/continue` only. Later
 * calls return the same code (React may mount the page twice; a second exchange would find the
 * link used) until a new link arrives in the fragment (a link opened in a tab already on /continue).
 */
export function takeHandoffCode(): string | null {
  const hash = window.location.hash;
  if (new URLSearchParams(hash.replace(/^#/, '')).has(HANDOFF_PARAM)) {
    taken = readHandoffCode(hash);
    window.history.replaceState(window.history.state, '', window.location.pathname + window.location.search);
  }
  return taken;
}

/** Tests only: forget the code read by takeHandoffCode(). */
export function resetHandoffForTests(): void {
  taken = null;
}

export type ExchangeAnswer =
  | { status: 'sign_in'; token_hash: string; type: 'magiclink' }
  | { status: 'already_signed_in' };

/**
 * POST web-checkout-exchange { code }, with the session already open in this browser (if any), so
 * the server can refuse to replace another person's session. Errors are FunctionErrors with the
 * function's stable codes (`link_expired`, `signed_in_as_another_account`, …); `network` when the
 * server cannot be reached.
 */
export async function exchangeHandoff(config: Pick<WebConfig, 'supabaseUrl' | 'supabasePublishableKey'>, code: string, accessToken?: string): Promise<ExchangeAnswer> {
  const body = await requestFunction<Record<string, unknown> | null>(config, 'web-checkout-exchange', { method: 'POST', body: { code }, accessToken });
  if (body?.status === 'already_signed_in') return { status: 'already_signed_in' };
  if (body?.status === 'sign_in' && typeof body.token_hash === 'string' && body.type === 'magiclink') return body as unknown as ExchangeAnswer;
  throw new FunctionError(200, 'internal_error', 'Something went wrong. Please try again.');
}
