// /functions/v1/web-checkout-link — "Buy on the web" from the iOS app (docs/ios.md, "Buy on the web").
//   GET  → { storefronts: ["USA"] }: the App Store storefronts where the app may show the button
//          (WEB_CHECKOUT_STOREFRONTS). Public, the same for everyone.
//   POST → (signed-in app) body { storefront: "USA" } (StoreKit's Storefront.current?.countryCode):
//          { url, expires_at } — a single-use link, valid for five minutes, that opens the web
//          checkout (/subscribe) in the system browser already signed in as the caller.
//          401 not signed in; 400 bad input (nothing written); 403 `storefront_not_eligible`;
//          409 `already_subscribed` (with store and manageWith) when entitled in either store;
//          409 `no_email_address`; 429 `too_many_links` (Retry-After) past 3 live links or 10 an hour.
//
// Design: our own one-time code, redeemed for a Supabase Auth magic-link token at the last moment.
//
// The alternative was to hand the app a Supabase Auth magic link directly
// (`auth.admin.generateLink({ type: 'magiclink', email })`, its `hashed_token` in the URL for the
// web to redeem with `verifyOtp`). Supabase Auth would then own replay protection, but on its terms:
//   - its lifetime is the project-wide email OTP expiry (supabase/config.toml otp_expiry = 3600 s),
//     not minutes — shortening it would shorten every confirmation and reset email too;
//   - it is the user's recovery token: minting one when the app asks would invalidate a password
//     reset email the person is about to open, for as long as the link sits unused;
//   - the token alone signs anyone in, straight against /auth/v1/verify, so nothing of ours (expiry,
//     "another account is signed in here") could be enforced in front of it.
// So the app gets a code of ours instead:
//   - Replay: 256 random bits, stored only as SHA-256 (private.web_checkout_links), bound to the
//     caller's user id, expiring five minutes after creation by the database's clock, consumed
//     exactly once by web-checkout-exchange under a row lock (a second exchange, concurrent or
//     later, gets 410 `link_expired`). Per person at most 3 live links and 10 an hour.
//   - Phishing: the URL is always WEB_APP_URL + /continue — the request cannot name a destination,
//     so the function can never be made to sign someone in on another site. The code travels in the
//     fragment (#handoff=…), which browsers never send to any server: it is in no request line, no
//     access log and no Referer; the page removes it from the address bar and history before doing
//     anything else, and redeems it by POST. If someone else is signed in in that browser, the
//     exchange refuses (409 `signed_in_as_another_account`) WITHOUT consuming the link and the page
//     asks before switching accounts, so a forwarded link cannot silently replace the session of
//     the person who opens it.
//   - Only at exchange, inside the transaction that consumes the code, does web-checkout-exchange
//     ask Supabase Auth for the magic-link token (admin API, secret key) and hand its hash to the
//     page, which redeems it at once with verifyOtp: a real Supabase session, minted by Auth for the
//     browser (Auth's per-IP verification limits apply to the browser, not to our function). If
//     Auth fails, the transaction rolls back and the link still works.
// What the code does not protect against: someone who holds the link within its five minutes (it
// is a bearer credential, like any sign-in link). The app opens it directly in the browser, never
// shows or shares it, and the person is about to use it.
import type { Sql, TransactionSql } from 'postgres';
import { authenticate } from '../_shared/auth.ts';
import { webConfig } from '../_shared/config.ts';
import { db } from '../_shared/db.ts';
import { ApiError, errorResponse, json, readJsonObject, respondWithCors } from '../_shared/http.ts';
import {
  codeHash,
  handoffUrl,
  isStorefrontCode,
  LINK_TTL_SECONDS,
  MAX_LINKS_PER_HOUR,
  MAX_LIVE_LINKS,
  newCode,
  webCheckoutConfig,
} from '../_shared/web-checkout.ts';

const MAX_BODY_BYTES = 4 * 1024;
/** How long rows stay after expiring (the hourly bound reads the last hour), then they are purged. */
const KEEP_EXPIRED = '1 day';

export interface WebCheckoutLinkResponse {
  url: string;
  expires_at: string;
}

export function handleWebCheckoutLink(req: Request): Promise<Response> {
  return respondWithCors(req, 'GET, POST, OPTIONS', async (headers) => {
    if (req.method === 'GET') {
      const response = json(200, { storefronts: webCheckoutConfig().storefronts }, headers);
      response.headers.set('cache-control', 'public, max-age=300');
      return response;
    }
    if (req.method !== 'POST') throw new ApiError(405, 'method_not_allowed', 'Use GET or POST');

    const user = await authenticate(req);
    const body = await readJsonObject(req, MAX_BODY_BYTES);
    const unknown = Object.keys(body).filter((k) => k !== 'storefront');
    if (unknown.length) throw new ApiError(400, 'invalid_request', `Unexpected field ${unknown[0]}: send only { "storefront" }`);
    if (!isStorefrontCode(body.storefront)) {
      throw new ApiError(400, 'invalid_request', 'storefront must be the App Store storefront code (Storefront.current?.countryCode, e.g. "USA")');
    }
    const storefront = body.storefront;
    const { storefronts } = webCheckoutConfig();
    if (!storefronts.includes(storefront)) {
      throw new ApiError(403, 'storefront_not_eligible', 'Buying on the web is not offered in this App Store country or region');
    }
    const { appUrl } = webConfig();

    const code = newCode();
    const hash = await codeHash(code);
    let expiresAt: Date;
    try {
      expiresAt = await createLink(hash, user.id, storefront);
    } catch (error) {
      if (!(error instanceof TooManyLinks)) throw error;
      const withRetry = new Headers(headers);
      withRetry.set('retry-after', String(error.retryAfterSeconds));
      return errorResponse(error, withRetry);
    }
    const answer: WebCheckoutLinkResponse = { url: handoffUrl(appUrl, code), expires_at: expiresAt.toISOString() };
    return json(200, answer, headers);
  });
}

function createLink(hash: Uint8Array, userId: string, storefront: string): Promise<Date> {
  return db().begin(async (tx) => {
    // One creation at a time per person, so the bound below holds under concurrent taps.
    await tx`select pg_advisory_xact_lock(hashtextextended(${`web-checkout-link:${userId}`}, 0))`;
    await refuseIfNotEligible(tx, userId);
    await refuseIfTooMany(tx, userId);
    const [row] = await tx<{ expires_at: Date }[]>`
      insert into private.web_checkout_links (code_hash, user_id, storefront, expires_at)
      values (${hash}, ${userId}, ${storefront}, now() + make_interval(secs => ${LINK_TTL_SECONDS}))
      returning expires_at`;
    await tx`delete from private.web_checkout_links where expires_at < now() - ${KEEP_EXPIRED}::interval`;
    return row.expires_at;
  }) as Promise<Date>;
}

/** The account must still exist, have an email to sign in with, and not be entitled already. */
async function refuseIfNotEligible(tx: Sql | TransactionSql, userId: string): Promise<void> {
  const [account] = await tx<{ email: string | null; store: string | null; manage_with: string | null; is_active: boolean | null }[]>`
    select u.email, s.store, s.manage_with, s.is_active
    from auth.users u left join public.subscriptions s on s.user_id = u.id
    where u.id = ${userId}`;
  if (!account) throw new ApiError(404, 'account_not_found', 'This account no longer exists');
  if (account.is_active) {
    const where = account.store === 'app_store'
      ? 'You are already subscribed through the App Store.'
      : 'You are already subscribed on the web.';
    throw new ApiError(409, 'already_subscribed', where, { store: account.store, manageWith: account.manage_with });
  }
  if (!account.email) {
    throw new ApiError(409, 'no_email_address', 'This account has no email address, so the web checkout cannot sign it in: subscribe in the app');
  }
}

async function refuseIfTooMany(tx: Sql | TransactionSql, userId: string): Promise<void> {
  const [usage] = await tx<{ live: number; last_hour: number; retry_after: number | null }[]>`
    select count(*) filter (where consumed_at is null and expires_at > now())::int as live,
           count(*)::int as last_hour,
           ceil(extract(epoch from least(
             case when count(*) filter (where consumed_at is null and expires_at > now()) >= ${MAX_LIVE_LINKS}
                  then min(expires_at) filter (where consumed_at is null and expires_at > now()) end,
             case when count(*) >= ${MAX_LINKS_PER_HOUR} then min(created_at) + interval '1 hour' end) - now()))::int as retry_after
    from private.web_checkout_links
    where user_id = ${userId} and created_at > now() - interval '1 hour'`;
  if (usage.live >= MAX_LIVE_LINKS || usage.last_hour >= MAX_LINKS_PER_HOUR) {
    throw new TooManyLinks(Math.max(1, usage.retry_after ?? 60));
  }
}

/** 429, answered with the seconds to wait in Retry-After. */
class TooManyLinks extends ApiError {
  constructor(readonly retryAfterSeconds: number) {
    super(429, 'too_many_links', 'Too many web checkout links: try again in a few minutes');
  }
}
