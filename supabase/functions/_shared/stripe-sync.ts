// The one way Stripe state reaches the database, for the webhook and for operator refreshes
// (scripts/import-users.ts): the read that started last wins, by the database clock, never the
// caller's.
import type Stripe from 'stripe';
import { applyStripeUpdate, databaseNow, type DbTime, type PeriodState, recordStoreEvent } from './billing-db.ts';
import { stripeConfig } from './config.ts';
import { db } from './db.ts';
import type { ServerTiming } from './server-timing.ts';
import { listDisputesOfCharge, retrieveCharge, retrieveSubscription } from './stripe-read.ts';
import { idOf, periodStateOfCharge, subscriptionUpdateFromStripe } from './stripe-mapping.ts';

export type StripeSyncOutcome = { result: 'applied' | 'stale' | 'duplicate' | 'ignored'; reason?: string };
export interface StripeLedgerKey { store: 'stripe'; eventId: string; eventType: string; eventAt: Date }
/** One payment of the subscription whose refund or dispute changed: re-read with the subscription. */
export interface PaymentToRead { chargeId: string; invoiceId: string; periodEnd: Date }

/**
 * Applies Stripe's current state of one subscription (and, for a refund or dispute, of the one
 * payment concerned), owner from the row or the customer mapping.
 *
 * Ordered by when the read STARTED, by the database clock: a read that started after a change
 * sees it, and every change has an event whose read starts after it, so the read that started
 * last has seen every change — whatever order the reads finish or apply in. This needs no lock
 * and holds no connection while Stripe answers. `readStartedAt` is that start (the webhook takes
 * it with its duplicate check); without it, it is read here. `ledger` names the event (a webhook
 * event, or an operator's refresh) in billing.store_events. `timing` (the webhook's) records the
 * Stripe read and the apply as steps.
 */
export async function syncStripeSubscription(
  ledger: StripeLedgerKey,
  subscriptionId: string,
  payment: PaymentToRead | null,
  readStartedAt?: DbTime,
  timing?: ServerTiming,
): Promise<StripeSyncOutcome> {
  const readAt = readStartedAt ?? await databaseNow(db());
  let sub: Stripe.Subscription;
  let periodState: PeriodState | null;
  try {
    [sub, periodState] = await Promise.all([
      retrieveSubscription(subscriptionId),
      payment ? periodStateNow(payment.chargeId) : null,
    ]);
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return ignore(ledger, `subscription ${subscriptionId} or its charge does not exist in this Stripe account`);
    throw error;
  }
  timing?.step('stripe');
  const update = subscriptionUpdateFromStripe(sub, { eventId: ledger.eventId, eventType: ledger.eventType, userId: null, gracePeriodDays: stripeConfig().gracePeriodDays }, readAt);
  if (payment && periodState) update.period = { id: payment.invoiceId, endsAt: payment.periodEnd, state: periodState, stateAt: readAt };
  // The owner is resolved in the applying statement (applyStripeUpdate), not here.
  const customerId = idOf(sub.customer as string | Stripe.Customer | Stripe.DeletedCustomer);
  const applied = await applyStripeUpdate(db(), update, customerId);
  timing?.step('apply');
  return applied ? { result: applied.result } : ignore(ledger, `customer ${customerId} is not linked to any user`);
}

async function ignore(ledger: StripeLedgerKey, reason: string): Promise<StripeSyncOutcome> {
  const recorded = await recordStoreEvent(db(), { ...ledger, result: 'ignored', error: reason });
  return recorded === 'duplicate' ? { result: 'duplicate' } : { result: 'ignored', reason };
}

/** The charge as Stripe reads now: refunded, charged back (its disputes), or paid. */
async function periodStateNow(chargeId: string): Promise<PeriodState> {
  const charge = await retrieveCharge(chargeId);
  const disputes = charge.disputed ? (await listDisputesOfCharge(chargeId)).data : [];
  return periodStateOfCharge(charge, disputes);
}
