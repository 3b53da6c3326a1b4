// POST /functions/v1/app-store-sync — the iOS app sends each verified StoreKit 2 transaction
// ({ "signedTransaction": "<jwsRepresentation>" }) after a purchase, from Transaction.updates and on
// restore. We verify it, apply its state, link the original transaction to the caller (or apply the
// transfer policy when another account owns it), and return the caller's subscriptions row so the
// app can unlock at once.
import { authenticate } from '../_shared/auth.ts';
import { applySubscriptionUpdate } from '../_shared/billing-db.ts';
import { appleConfig } from '../_shared/config.ts';
import { db } from '../_shared/db.ts';
import type { Tables } from '../_shared/database.types.ts';
import { ApiError, json, readJsonObject, respond } from '../_shared/http.ts';
import { verifyTransaction } from '../_shared/app-store-verify.ts';
import { accountTokenOf, mayTransferToCaller, subscriptionUpdateFromAppStore } from '../_shared/app-store-mapping.ts';
import { requireTime, requireTransaction } from '../_shared/event-validation.ts';

const MAX_BODY_BYTES = 64 * 1024;

type ClaimOutcome = 'linked' | 'already_owned' | 'owned_by_other' | 'transferred' | 'not_found';

export function handleAppStoreSync(req: Request): Promise<Response> {
  return respond(async () => {
    if (req.method !== 'POST') throw new ApiError(405, 'method_not_allowed', 'Use POST');
    const user = await authenticate(req);
    const body = await readJsonObject(req, MAX_BODY_BYTES);
    if (typeof body.signedTransaction !== 'string') {
      throw new ApiError(400, 'invalid_request', 'Expected {"signedTransaction": "<StoreKit 2 jwsRepresentation>"}');
    }
    const config = appleConfig();
    const { transaction, environment } = await verifyTransaction(body.signedTransaction);
    const { originalTransactionId } = requireTransaction(transaction);
    const signedAt = requireTime(transaction.signedDate, 'signedDate');
    if (!config.productIds.includes(transaction.productId ?? '')) {
      throw new ApiError(400, 'unknown_product', `Product ${transaction.productId} is not a subscription sold by this app`);
    }

    const claim = await db().begin(async (tx) => {
      const [existing] = await tx<Pick<Tables<{ schema: 'billing' }, 'store_subscriptions'>, 'user_id' | 'will_renew'>[]>`
        select user_id, will_renew from billing.store_subscriptions
        where store = 'app_store' and store_subscription_id = ${originalTransactionId}
        for update`;
      // The purchase's appAccountToken names its buyer when it is one of our users.
      const token = accountTokenOf(transaction);
      const [tokenUser] = token ? await tx<{ id: string }[]>`select id from auth.users where id = ${token}` : [];
      // Without an owner or a buyer token the row stays unowned here; the claim below links it.
      const firstOwner = existing?.user_id ?? tokenUser?.id ?? null;
      // A transaction alone is a statement about its own period (paid, or refunded: the app also
      // sends refunds of earlier periods from Transaction.updates); it never overrides what Apple's
      // notifications said about the whole subscription (grace, billing retry, renewal).
      const update = subscriptionUpdateFromAppStore(transaction, undefined, {
        eventId: `transaction:${transaction.transactionId}:${transaction.signedDate}`,
        eventType: 'app.transaction_sync',
        at: signedAt,
        userId: firstOwner,
        snapshotRank: 0,
        // A transaction alone does not say whether it renews: keep what we know, else a fresh purchase renews.
        fallbackWillRenew: existing?.will_renew ?? true,
        payload: { transaction, source: 'app-store-sync' },
      });
      await applySubscriptionUpdate(tx, update);
      const transfer = mayTransferToCaller(config.transferPolicy, tokenUser?.id ?? null, existing?.user_id ?? null);
      const [outcome] = await tx<{ outcome: ClaimOutcome; previous_user_id: string | null }[]>`
        select * from billing.claim_subscription('app_store', ${originalTransactionId}, ${user.id}, ${transfer}, 'in-app sync')`;
      // This call made the link when the caller did not own it before.
      return outcome.outcome === 'already_owned' && existing?.user_id !== user.id ? { ...outcome, outcome: 'linked' as const } : outcome;
    });

    if (claim.outcome === 'owned_by_other') {
      throw new ApiError(409, 'owned_by_another_account',
        'This App Store subscription belongs to another account. Sign in with the account that bought it to use it.',
        { originalTransactionId });
    }
    // Typed from the generated schema (database.types.ts): the row both apps read.
    const [row] = await db()<Tables<'subscriptions'>[]>`select * from public.subscriptions where user_id = ${user.id}`;
    return json(200, { outcome: claim.outcome, environment, originalTransactionId, subscription: row ?? null });
  });
}
