// POST /functions/v1/stripe-webhook — Stripe events (signature-verified; no Supabase JWT).
import { handleStripeWebhook } from './handler.ts';

Deno.serve(handleStripeWebhook);
