// Processing of one Stripe event, wherever it came from: a signed webhook delivery
// (stripe-webhook) or Stripe's own event list read back by the scheduled catch-up (reconcile).
// Both go through exactly this: ledger check, routing, a fresh read of Stripe's state, apply — so
// an event applied by one is a duplicate for the other, and every path converges the same way.
import type Stripe from 'stripe';
import { type DbTime, recordStoreEvent } from './billing-db.ts';
import { db } from './db.ts';
import { isDatabaseUnavailable } from './dependency-errors.ts';
import { requireEventType, requireId, requireTime } from './event-validation.ts';
import { ApiError } from './http.ts';
import { stripe } from './stripe-client.ts';
import type { ServerTiming } from './server-timing.ts';
import { idOf, invoicePeriodEnd, routeStripeEvent } from './stripe-mapping.ts';
import { type StripeSyncOutcome, syncStripeSubscription } from './stripe-sync.ts';

/**
 * A Stripe event we can process and record: the fields we use, with bounds the ledger can hold.
 * Well-signed (or read from Stripe's API) is not well-formed: checked before anything is written.
 * Throws 400 `invalid_event`.
 */
export function requireStripeEvent(value: unknown): Stripe.Event {
  const e = value as Partial<Stripe.Event> | null;
  if (typeof e?.id !== 'string' || !e.id.startsWith('evt_') || typeof e.type !== 'string' || typeof e.created !== 'number' ||
      typeof e.data?.object !== 'object' || e.data.object === null) {
    throw new ApiError(400, 'invalid_event', 'Not a Stripe event (id, type, created, data.object)');
  }
  requireId(e.id, 'event id', /^evt_\w+$/);
  requireEventType(e.type);
  requireTime(Number.isSafeInteger(e.created) ? e.created * 1000 : NaN, 'created');
  return e as Stripe.Event;
}

/**
 * Processes one verified, well-formed Stripe event: 'duplicate' when the ledger already holds it
 * (unless it failed), else routes it, re-reads Stripe and applies. A failure other than bad input
 * or a lost database is recorded as 'failed' (the audit trail; a redelivery or the scheduled
 * catch-up processes it again) and rethrown. `timing` (the webhook's) records the steps.
 */
export async function processStripeEvent(event: Stripe.Event, timing?: ServerTiming): Promise<StripeSyncOutcome> {
  try {
    return await routeAndApply(event, timing);
  } catch (error) {
    // Bad input is answered 400 with nothing written; only real failures go on record.
    if (!(error instanceof ApiError)) await recordFailure(event, error);
    throw error;
  }
}

async function routeAndApply(event: Stripe.Event, timing?: ServerTiming): Promise<StripeSyncOutcome> {
  // One round trip: the duplicate check, and the database clock before any read of Stripe (the
  // ordering time of what this event will read; see syncStripeSubscription).
  const [{ seen, now }] = await db()<{ seen: boolean; now: DbTime }[]>`
    select exists (select 1 from billing.store_events where store = 'stripe' and store_event_id = ${event.id} and result <> 'failed') as seen,
           clock_timestamp()::text as now`;
  timing?.step('ledger');
  if (seen) return { result: 'duplicate' };

  const route = routeStripeEvent(event);
  switch (route.kind) {
    case 'ignore':
      return ignore(event, route.reason);
    case 'customer_deleted':
      requireId(route.customerId, 'customer id', /^cus_\w+$/);
      return db().begin(async (tx) => {
        await tx`select billing.unlink_stripe_customer(${route.customerId})`;
        const recorded = await recordStoreEvent(tx, { ...ledgerKey(event), result: 'applied' });
        return { result: recorded === 'duplicate' ? 'duplicate' : 'applied' } satisfies StripeSyncOutcome;
      });
    case 'subscription':
      requireId(route.subscriptionId, 'subscription id', /^sub_\w+$/);
      return syncStripeSubscription(ledgerKey(event), route.subscriptionId, null, now, timing);
    case 'payment': {
      const paymentIntent = route.paymentIntent;
      if (!paymentIntent) return ignore(event, 'the charge has no payment intent');
      requireId(route.chargeId, 'charge id', /^(ch|py)_\w+$/);
      requireId(paymentIntent, 'payment intent id', /^pi_\w+$/);
      // Charges no longer link to invoices; invoice payments do (a link that never changes; the
      // charge itself is re-read with the subscription).
      const payments = await stripe().invoicePayments.list({
        payment: { type: 'payment_intent', payment_intent: paymentIntent },
        expand: ['data.invoice'],
      });
      const invoice = payments.data.map((p) => p.invoice).find((i): i is Stripe.Invoice => typeof i === 'object' && !('deleted' in i && i.deleted));
      const subscriptionId = idOf(invoice?.parent?.subscription_details?.subscription);
      const periodEnd = invoice ? invoicePeriodEnd(invoice) : null;
      if (!invoice?.id || !subscriptionId || !periodEnd) return ignore(event, 'the charge is not for a subscription invoice');
      return syncStripeSubscription(ledgerKey(event), subscriptionId, { chargeId: route.chargeId, invoiceId: invoice.id, periodEnd }, now, timing);
    }
  }
}

function ledgerKey(event: Stripe.Event) {
  return { store: 'stripe' as const, eventId: event.id, eventType: event.type, eventAt: new Date(event.created * 1000) };
}

async function ignore(event: Stripe.Event, reason: string): Promise<StripeSyncOutcome> {
  const recorded = await recordStoreEvent(db(), { ...ledgerKey(event), result: 'ignored', error: reason });
  return recorded === 'duplicate' ? { result: 'duplicate' } : { result: 'ignored', reason };
}

/** Audit trail for a failed attempt, in its own transaction; the next attempt will process it. */
async function recordFailure(event: Stripe.Event, error: unknown): Promise<void> {
  console.error(`Stripe event ${event.id} (${event.type}) failed:`, error);
  if (isDatabaseUnavailable(error)) return;
  try {
    await recordStoreEvent(db(), { ...ledgerKey(event), result: 'failed', error: error instanceof Error ? error.message : String(error) });
  } catch (recordError) {
    console.error('Could not record the failure', recordError);
  }
}
