// POST /functions/v1/web-checkout-exchange — called by the web app's /continue page (web/src/handoff)
// with the code from a link that web-checkout-link gave the iOS app. Body { code }; Authorization
// optional: the session already open in that browser, if any. The design and its reasons are at the
// top of ../web-checkout-link/handler.ts.
//
// In one transaction, under a lock on the link's row:
//   unknown, already used or expired          → 410 `link_expired` (the same answer for all three)
//   another account signed in in this browser → 409 `signed_in_as_another_account`; the link is NOT
//                                                consumed, so the page can ask, sign out, and retry
//   the same account already signed in       → consumed; 200 { status: "already_signed_in" }
//   nobody signed in                          → consumed; Supabase Auth (admin API, secret key) mints a
//                                                magic-link token for the link's user; 200 { status:
//                                                "sign_in", token_hash, type: "magiclink" }, which the
//                                                page redeems at once with verifyOtp.
// Auth unreachable → 503 `auth_unavailable` and the transaction rolls back: the link still works.
// The code and the token are never logged. Bad input (no code, not a code) → 400, nothing read.
import { authenticate, type AuthenticatedUser } from '../_shared/auth.ts';
import { generateMagicLinkToken } from '../_shared/auth-admin.ts';
import { db } from '../_shared/db.ts';
import { ApiError, json, readJsonObject, respondWithCors } from '../_shared/http.ts';
import { CODE_PATTERN, codeHash } from '../_shared/web-checkout.ts';

const MAX_BODY_BYTES = 4 * 1024;

export type WebCheckoutExchangeResponse =
  | { status: 'sign_in'; token_hash: string; type: 'magiclink' }
  | { status: 'already_signed_in' };

export function handleWebCheckoutExchange(req: Request): Promise<Response> {
  return respondWithCors(req, 'POST, OPTIONS', async (headers) => {
    if (req.method !== 'POST') throw new ApiError(405, 'method_not_allowed', 'Use POST');
    const body = await readJsonObject(req, MAX_BODY_BYTES);
    if (typeof body.code !== 'string' || !CODE_PATTERN.test(body.code)) {
      throw new ApiError(400, 'invalid_request', 'code must be the code from the link (#handoff=…)');
    }
    const caller = await signedInCaller(req);
    const hash = await codeHash(body.code);

    const answer = await db().begin(async (tx): Promise<WebCheckoutExchangeResponse> => {
      const [link] = await tx<{ user_id: string; consumed: boolean; expired: boolean; email: string | null }[]>`
        select l.user_id, l.consumed_at is not null as consumed, l.expires_at <= now() as expired, u.email
        from private.web_checkout_links l join auth.users u on u.id = l.user_id
        where l.code_hash = ${hash}
        for update of l`;
      if (!link || link.consumed || link.expired) {
        throw new ApiError(410, 'link_expired', 'This link was already used or has expired. Go back to the app and tap the button again.');
      }
      if (caller && caller.id !== link.user_id) {
        throw new ApiError(409, 'signed_in_as_another_account',
          'Another account is signed in in this browser. Sign out of it to continue with the account you use in the app.');
      }
      await tx`update private.web_checkout_links set consumed_at = now() where code_hash = ${hash}`;
      if (caller) return { status: 'already_signed_in' };
      if (!link.email) throw new ApiError(409, 'no_email_address', 'This account has no email address to sign in with on the web');
      const token = await generateMagicLinkToken(link.email);
      // GoTrue finds the user by email; an email that moved to someone else must not sign them in.
      if (token.userId !== link.user_id) throw new Error('Supabase Auth issued the sign-in token for another user than the link\'s');
      return { status: 'sign_in', token_hash: token.hashedToken, type: 'magiclink' };
    });
    return json(200, answer, headers);
  });
}

/** The session already open in the browser, if its token is valid; an invalid one signs in nobody. */
async function signedInCaller(req: Request): Promise<AuthenticatedUser | null> {
  if (!req.headers.get('authorization')) return null;
  try {
    return await authenticate(req);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}
