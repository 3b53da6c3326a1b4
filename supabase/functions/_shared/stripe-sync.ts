// The one way Stripe state reaches the database, for the webhook and for operator refreshes
// (scripts/import-users.ts): whoever applies last has read Stripe last.
import type Stripe from 'stripe';
import { applySubscriptionUpdate, recordStoreEvent } from './billing-db.ts';
import { stripeConfig } from './config.ts';
import { db } from './db.ts';
import { stripe } from './stripe-client.ts';
import { idOf, subscriptionUpdateFromStripe } from './stripe-mapping.ts';

export type StripeSyncOutcome = { result: 'applied' | 'stale' | 'duplicate' | 'ignored'; reason?: string };
export interface StripeLedgerKey { store: 'stripe'; eventId: string; eventType: string; eventAt: Date }
/**
 * A full refund or chargeback of the invoice for the period ending then; 'reinstate': a chargeback
 * the merchant won, so that period grants access again; null: no news about payments.
 */
export type PaymentNews = { refundedPeriodEnd: Date | null } | 'reinstate' | null;

/**
 * Applies Stripe's current state of one subscription: serialized per subscription, read from Stripe
 * under the lock, owner from the row or the customer mapping, a refunded period kept refunded.
 * `ledger` names the event (a webhook event, or an operator's refresh) in billing.store_events.
 */
export async function syncStripeSubscription(ledger: StripeLedgerKey, subscriptionId: string, refund: PaymentNews): Promise<StripeSyncOutcome> {
  return db().begin(async (tx) => {
    // One event per subscription at a time, and Stripe is read only after the lock: whichever
    // delivery applies last has also read Stripe last, so concurrent deliveries cannot reorder.
    await tx`select pg_advisory_xact_lock(hashtextextended(${`stripe-subscription:${subscriptionId}`}, 0))`;
    // The ordering time is when we saw Stripe's state: every event re-reads the subscription, so
    // the latest observation is always the most current.
    const observedAt = new Date();
    let sub: Stripe.Subscription;
    try {
      sub = await stripe().subscriptions.retrieve(subscriptionId);
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) {
        const reason = `subscription ${subscriptionId} does not exist in this Stripe account`;
        await recordStoreEvent(tx, { ...ledger, result: 'ignored', error: reason });
        return { result: 'ignored', reason } satisfies StripeSyncOutcome;
      }
      throw error;
    }

    const [existing] = await tx<{ user_id: string | null; status: string; expires_at: Date | null }[]>`
      select user_id, status::text, expires_at from billing.store_subscriptions
      where store = 'stripe' and store_subscription_id = ${sub.id}
      for update`;
    // A linked subscription keeps its owner even after its customer is deleted.
    let userId = existing?.user_id ?? null;
    const customerId = idOf(sub.customer as string | Stripe.Customer | Stripe.DeletedCustomer);
    if (!userId && customerId) {
      const [mapping] = await tx<{ user_id: string }[]>`select user_id from billing.stripe_customers where stripe_customer_id = ${customerId}`;
      userId = mapping?.user_id ?? null;
    }
    if (!userId) {
      const reason = `customer ${customerId} is not linked to any user`;
      await recordStoreEvent(tx, { ...ledger, result: 'ignored', error: reason });
      return { result: 'ignored', reason } satisfies StripeSyncOutcome;
    }
    // Stripe's subscription does not show refunds: a refunded period stays refunded.
    const refundedPeriodEnd = refund === 'reinstate' ? null
      : refund?.refundedPeriodEnd ?? (existing?.status === 'refunded' ? existing.expires_at : null);
    const update = subscriptionUpdateFromStripe(sub, {
      eventId: ledger.eventId,
      eventType: ledger.eventType,
      observedAt,
      userId,
      gracePeriodDays: stripeConfig().gracePeriodDays,
      refundedPeriodEnd,
    });
    const { result } = await applySubscriptionUpdate(tx, update);
    return { result } satisfies StripeSyncOutcome;
  });
}
