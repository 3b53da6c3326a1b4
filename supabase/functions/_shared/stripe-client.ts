// The Stripe client for Deno: API version pinned, fetch-based HTTP, SubtleCrypto for webhooks.
// Host/port/protocol can point at a local server (tests, local runs) through StripeConfig.api.
import Stripe from 'stripe';
import { stripeConfig } from './config.ts';

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

export type { Stripe };

/** Stripe's answer when a request names a customer that was deleted (by an operator, in the Dashboard). */
export function isMissingStripeCustomer(error: unknown): boolean {
  const e = error as { code?: string; param?: string } | null;
  return e?.code === 'resource_missing' && e.param === 'customer';
}
