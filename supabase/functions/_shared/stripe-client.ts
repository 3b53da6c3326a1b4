// The Stripe client for Deno: API version pinned, fetch-based HTTP, SubtleCrypto for webhooks.
// Host/port/protocol can point at a local server (tests, local runs) through StripeConfig.api.
import Stripe from 'stripe';
import { stripeConfig } from './config.ts';
import { ApiError } from './http.ts';

/** Pinned explicitly: webhook payloads and SDK types must agree on this version. */
export const STRIPE_API_VERSION = '2026-10-28.endive' as const;

let client: Stripe | undefined;

export function stripe(): Stripe {
  if (client) return client;
  const config = stripeConfig();
  client = new Stripe(config.secretKey, {
    apiVersion: STRIPE_API_VERSION,
    httpClient: Stripe.createFetchHttpClient(),
    maxNetworkRetries: 1,
    timeout: 15_000,
    appInfo: { name: 'one-account-one-subscription' },
    ...(config.api ? { host: config.api.host, port: config.api.port, protocol: config.api.protocol } : {}),
  });
  return client;
}

export const webhookCryptoProvider = Stripe.createSubtleCryptoProvider();

/** Stripe could not answer (network, 5xx, rate limit): the caller should retry later. */
export function isStripeUnavailable(error: unknown): boolean {
  const e = error as { type?: string; statusCode?: number } | null;
  return (
    e?.type === 'StripeConnectionError' ||
    e?.type === 'StripeAPIError' ||
    e?.type === 'StripeRateLimitError' ||
    (typeof e?.statusCode === 'number' && e.statusCode >= 500)
  );
}

export function stripeUnavailable(): ApiError {
  return new ApiError(503, 'stripe_unavailable', 'Stripe is unavailable right now; please retry');
}

export type { Stripe };

/** Stripe's answer when a request names a customer that was deleted (by an operator, in the Dashboard). */
export function isMissingStripeCustomer(error: unknown): boolean {
  const e = error as { code?: string; param?: string } | null;
  return e?.code === 'resource_missing' && e.param === 'customer';
}
