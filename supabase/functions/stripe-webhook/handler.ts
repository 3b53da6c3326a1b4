// Stripe webhook: verify the signature on the raw body, record every event in the ledger, and
// converge each subscription to Stripe's current state (retrieved while processing), so late,
// duplicated or reordered deliveries cannot leave a stale state behind. The processing itself is
// shared with the scheduled catch-up (reconcile): _shared/stripe-events.ts.
//
// Every answer to a verified event carries a Server-Timing header (_shared/server-timing.ts): the
// time spent verifying, checking the ledger, re-reading Stripe and applying.
//
// Answers: 200 handled/ignored/duplicate · 400 bad signature or malformed event (nothing written)
// · 503 Stripe or the database unavailable (Stripe retries; nothing half-written) · 500 otherwise.
import type Stripe from 'stripe';
import { stripeWebhookConfig } from '../_shared/config.ts';
import { ApiError, json, readBodyText, respond } from '../_shared/http.ts';
import { stripe, webhookCryptoProvider } from '../_shared/stripe-client.ts';
import { processStripeEvent, requireStripeEvent } from '../_shared/stripe-events.ts';
import { ServerTiming } from '../_shared/server-timing.ts';

const MAX_BODY_BYTES = 1024 * 1024;

export function handleStripeWebhook(req: Request): Promise<Response> {
  const timing = new ServerTiming();
  return respond(async () => {
    if (req.method !== 'POST') throw new ApiError(405, 'method_not_allowed', 'Stripe webhooks are POST requests');
    const event = await verifiedEvent(req);
    timing.step('verify');
    const outcome = await processStripeEvent(event, timing);
    return json(200, { received: true, ...outcome }, { 'server-timing': timing.header() });
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
  return requireStripeEvent(event);
}
