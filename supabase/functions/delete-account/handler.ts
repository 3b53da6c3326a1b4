// POST /functions/v1/delete-account — the signed-in person deletes their account (App Store
// guideline 5.1.1(v)), from the web or the iOS app. Body (optional): { "appleAuthorizationCode":
// "<fresh Sign in with Apple authorization code>" } — sent by the iOS app so we can revoke the
// person's Apple tokens, as Apple requires.
//
// Order: everything outside our database first (Apple token revocation, Stripe cancellation), then
// one transaction that removes the user and their data. If Apple or Stripe cannot be reached we
// answer 503 and delete nothing, so a retry finishes the job. The store ledger keeps its events
// (it holds no personal data); subscription rows are unlinked and their raw payloads dropped.
import type Stripe from 'stripe';
import { authenticate } from '../_shared/auth.ts';
import { signInWithAppleConfig } from '../_shared/config.ts';
import { db } from '../_shared/db.ts';
import { ApiError, json, readJsonObject, respondWithCors } from '../_shared/http.ts';
import { stripe } from '../_shared/stripe-client.ts';
import { AppleIdError, revokeAppleTokens } from '../_shared/apple-id.ts';

const MAX_BODY_BYTES = 16 * 1024;
const APPLE_MANAGE_URL = 'https://apps.apple.com/account/subscriptions';

export function handleDeleteAccount(req: Request): Promise<Response> {
  return respondWithCors(req, 'POST, OPTIONS', async (headers) => {
    if (req.method !== 'POST') throw new ApiError(405, 'method_not_allowed', 'Use POST');
    const user = await authenticate(req);
    const body = await readJsonObject(req, MAX_BODY_BYTES);
    const code = body.appleAuthorizationCode;
    if (code !== undefined && (typeof code !== 'string' || code.length === 0 || code.length > 2048)) {
      throw new ApiError(400, 'invalid_request', 'appleAuthorizationCode must be the authorization code string from Sign in with Apple');
    }

    const sql = db();
    const [state] = await sql<{ exists: boolean; customer_id: string | null; stripe_subscriptions: string[]; app_store_active: boolean }[]>`
      select exists (select 1 from auth.users where id = ${user.id}) as exists,
             (select stripe_customer_id from billing.stripe_customers where user_id = ${user.id}) as customer_id,
             coalesce((select array_agg(store_subscription_id) from billing.store_subscriptions
                        where user_id = ${user.id} and store = 'stripe' and status not in ('expired', 'refunded', 'revoked')), '{}') as stripe_subscriptions,
             -- Any App Store subscription Apple will bill again (the view shows only one row per user).
             exists (select 1 from billing.store_subscriptions s where s.user_id = ${user.id} and s.store = 'app_store' and s.will_renew
                       and (billing.is_entitled(s.status, s.expires_at, s.grace_period_expires_at, now()) or s.status = 'past_due')) as app_store_active`;
    if (!state.exists) throw new ApiError(404, 'account_not_found', 'There is no account to delete (it may already have been deleted).');

    // 1. Apple: revoke the person's Sign in with Apple tokens.
    let appleTokenRevoked = false;
    if (typeof code === 'string') {
      const apple = signInWithAppleConfig();
      if (!apple) throw new ApiError(500, 'config_error', 'Sign in with Apple credentials (APPLE_SIGN_IN_*) are needed to revoke Apple tokens');
      try {
        await revokeAppleTokens(apple, code);
        appleTokenRevoked = true;
      } catch (error) {
        if (error instanceof AppleIdError && error.status === 400) {
          throw new ApiError(400, 'invalid_request', 'Apple refused the authorization code (expired or already used): sign in with Apple again and retry');
        }
        throw new ApiError(503, 'apple_unavailable', 'Apple could not be reached to revoke your Sign in with Apple tokens; nothing was deleted, please retry');
      }
    }

    // 2. Stripe: end web subscriptions at once, then remove the customer (payment methods and details).
    const canceled: string[] = [];
    for (const id of state.stripe_subscriptions) {
      try {
        await stripe().subscriptions.cancel(id, { prorate: false });
      } catch (error) {
        // Already canceled or gone in Stripe: nothing left to end.
        if ((error as { statusCode?: number }).statusCode !== 404 && !/canceled subscription/i.test((error as Error).message)) throw error;
      }
      canceled.push(id);
    }
    if (state.customer_id) {
      await stripe().customers.del(state.customer_id).catch((error: Stripe.errors.StripeError) => {
        if (error.statusCode !== 404) throw error;
      });
    }

    // 3. Our data, in one transaction.
    await sql.begin(async (tx) => {
      await tx`update billing.store_subscriptions set user_id = null, latest_payload = null where user_id = ${user.id}`;
      await tx`delete from billing.stripe_customers where user_id = ${user.id}`;
      await tx`delete from auth.users where id = ${user.id}`; // profile and identities go with it
    });

    return json(200, {
      deleted: true,
      stripe: { canceledSubscriptions: canceled, customerDeleted: Boolean(state.customer_id) },
      appleTokenRevoked,
      appStore: state.app_store_active
        ? {
          mustCancelInAppStore: true,
          message: 'Your App Store subscription is billed by Apple and continues until you cancel it: Settings › your name › Subscriptions.',
          manageUrl: APPLE_MANAGE_URL,
        }
        : { mustCancelInAppStore: false },
    }, headers);
  });
}
