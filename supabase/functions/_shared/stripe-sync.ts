// The one way Stripe state reaches the database, for the webhook and for operator refreshes
// (scripts/import-users.ts): whoever applies last has read Stripe last, and the database clock,
// not the caller's, orders what they read.
import type Stripe from 'stripe';
import { applySubscriptionUpdate, type PeriodState, recordStoreEvent } from './billing-db.ts';
import { stripeConfig } from './config.ts';
import { db } from './db.ts';
import { stripe } from './stripe-client.ts';
import { idOf, periodStateOfCharge, subscriptionUpdateFromStripe } from './stripe-mapping.ts';

export type StripeSyncOutcome = { result: 'applied' | 'stale' | 'duplicate' | 'ignored'; reason?: string };
export interface StripeLedgerKey { store: 'stripe'; eventId: string; eventType: string; eventAt: Date }
/** One payment of the subscription whose refund or dispute changed: re-read under the lock. */
export interface PaymentToRead { chargeId: string; invoiceId: string; periodEnd: Date }

/**
 * Applies Stripe's current state of one subscription (and, for a refund or dispute, of the one
 * payment concerned): serialized per subscription, everything read from Stripe under the lock,
 * ordered by the database clock, owner from the row or the customer mapping.
 * `ledger` names the event (a webhook event, or an operator's refresh) in billing.store_events.
 */
export async function syncStripeSubscription(ledger: StripeLedgerKey, subscriptionId: string, payment: PaymentToRead | null): Promise<StripeSyncOutcome> {
  return db().begin(async (tx) => {
    // One event per subscription at a time, and Stripe is read only after the lock: whichever
    // delivery applies last has also read Stripe last, so concurrent deliveries cannot reorder.
    // Its ordering time is taken from the database clock inside this transaction (the update's
    // eventAt is null), never from this machine's clock.
    await tx`select pg_advisory_xact_lock(hashtextextended(${`stripe-subscription:${subscriptionId}`}, 0))`;
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

    const [existing] = await tx<{ user_id: string | null }[]>`
      select user_id from billing.store_subscriptions
      where store = 'stripe' and store_subscription_id = ${sub.id}`;
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
    const update = subscriptionUpdateFromStripe(sub, {
      eventId: ledger.eventId,
      eventType: ledger.eventType,
      userId,
      gracePeriodDays: stripeConfig().gracePeriodDays,
    });
    if (payment) update.period = { id: payment.invoiceId, endsAt: payment.periodEnd, state: await periodStateNow(payment.chargeId), stateAt: null };
    const { result } = await applySubscriptionUpdate(tx, update);
    return { result } satisfies StripeSyncOutcome;
  });
}

/** The charge as Stripe reads now: refunded, charged back (its disputes), or paid. */
async function periodStateNow(chargeId: string): Promise<PeriodState> {
  const charge = await stripe().charges.retrieve(chargeId);
  const disputes = charge.disputed ? (await stripe().disputes.list({ charge: chargeId, limit: 100 })).data : [];
  return periodStateOfCharge(charge, disputes);
}
