// Stripe webhook: verify the signature on the raw body, record every event in the ledger, and
// converge each subscription to Stripe's current state (retrieved while processing), so late,
// duplicated or reordered deliveries cannot leave a stale state behind.
//
// Answers: 200 handled/ignored/duplicate · 400 bad signature or malformed event (nothing written)
// · 503 Stripe or the database unavailable (Stripe retries; nothing half-written) · 500 otherwise.
import type Stripe from 'stripe';
import { type DbTime, recordStoreEvent } from '../_shared/billing-db.ts';
import { stripeWebhookConfig } from '../_shared/config.ts';
import { db } from '../_shared/db.ts';
import { isDatabaseUnavailable } from '../_shared/dependency-errors.ts';
import { ApiError, json, readBodyText, respond } from '../_shared/http.ts';
import { stripe, webhookCryptoProvider } from '../_shared/stripe-client.ts';
import { requireEventType, requireId, requireTime } from '../_shared/event-validation.ts';
import { idOf, routeStripeEvent, invoicePeriodEnd } from '../_shared/stripe-mapping.ts';
import { type StripeSyncOutcome, syncStripeSubscription } from '../_shared/stripe-sync.ts';

const MAX_BODY_BYTES = 1024 * 1024;

type Outcome = StripeSyncOutcome;

export function handleStripeWebhook(req: Request): Promise<Response> {
  return respond(async () => {
    if (req.method !== 'POST') throw new ApiError(405, 'method_not_allowed', 'Stripe webhooks are POST requests');
    const event = await verifiedEvent(req);
    try {
      return json(200, { received: true, ...(await processEvent(event)) });
    } catch (error) {
      // Bad input is answered 400 with nothing written; only real failures go on record.
      if (!(error instanceof ApiError)) await recordFailure(event, error);
      throw error;
    }
  });
}

async function verifiedEvent(req: Request): Promise<Stripe.Event> {
  const config = stripeWebhookConfig();
  const signature = req.headers.get('stripe-signature');
  const body = await readBodyText(req, MAX_BODY_BYTES);
  if (!signature) throw new ApiError(400, 'invalid_signature', 'Missing Stripe-Signature header');
  let event: Stripe.Event;
  try {
    event = await stripe().webhooks.constructEventAsync(body, signature, config.signingSecret, config.toleranceSeconds, webhookCryptoProvider);
  } catch (error) {
    if ((error as { type?: string }).type === 'StripeSignatureVerificationError') {
      throw new ApiError(400, 'invalid_signature', `Signature verification failed: ${(error as Error).message}`);
    }
    throw new ApiError(400, 'invalid_event', 'The signed body is not a JSON Stripe event');
  }
  const e = event as Partial<Stripe.Event> | null;
  if (typeof e?.id !== 'string' || !e.id.startsWith('evt_') || typeof e.type !== 'string' || typeof e.created !== 'number' ||
      typeof e.data?.object !== 'object' || e.data.object === null) {
    throw new ApiError(400, 'invalid_event', 'The signed body is not a Stripe event (id, type, created, data.object)');
  }
  // Well-signed is not well-formed: bounds the ledger can hold, checked before anything is written.
  requireId(e.id, 'event id', /^evt_\w+$/);
  requireEventType(e.type);
  requireTime(Number.isSafeInteger(e.created) ? e.created * 1000 : NaN, 'created');
  return event;
}

async function processEvent(event: Stripe.Event): Promise<Outcome> {
  // One round trip: the duplicate check, and the database clock before any read of Stripe (the
  // ordering time of what this event will read; see syncStripeSubscription).
  const [{ seen, now }] = await db()<{ seen: boolean; now: DbTime }[]>`
    select exists (select 1 from billing.store_events where store = 'stripe' and store_event_id = ${event.id} and result <> 'failed') as seen,
           clock_timestamp()::text as now`;
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
        return { result: recorded === 'duplicate' ? 'duplicate' : 'applied' } satisfies Outcome;
      });
    case 'subscription':
      requireId(route.subscriptionId, 'subscription id', /^sub_\w+$/);
      return syncStripeSubscription(ledgerKey(event), route.subscriptionId, null, now);
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
      return syncStripeSubscription(ledgerKey(event), subscriptionId, { chargeId: route.chargeId, invoiceId: invoice.id, periodEnd }, now);
    }
  }
}

function ledgerKey(event: Stripe.Event) {
  return { store: 'stripe' as const, eventId: event.id, eventType: event.type, eventAt: new Date(event.created * 1000) };
}

async function ignore(event: Stripe.Event, reason: string): Promise<Outcome> {
  const recorded = await recordStoreEvent(db(), { ...ledgerKey(event), result: 'ignored', error: reason });
  return recorded === 'duplicate' ? { result: 'duplicate' } : { result: 'ignored', reason };
}

/** Audit trail for a failed attempt, in its own transaction; the redelivery will process it. */
async function recordFailure(event: Stripe.Event, error: unknown): Promise<void> {
  console.error(`Stripe event ${event.id} (${event.type}) failed:`, error);
  if (isDatabaseUnavailable(error)) return;
  try {
    await recordStoreEvent(db(), { ...ledgerKey(event), result: 'failed', error: error instanceof Error ? error.message : String(error) });
  } catch (recordError) {
    console.error('Could not record the failure', recordError);
  }
}
