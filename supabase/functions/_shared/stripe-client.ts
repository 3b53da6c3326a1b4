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

type NodeCrypto = {
  createHmac(algorithm: 'sha256', key: string): { update(data: string, encoding: 'utf8'): { digest(encoding: 'hex'): string } };
};
let nodeCrypto: NodeCrypto | undefined;

async function loadNodeCrypto(): Promise<NodeCrypto> {
  // A computed specifier: `deno check` cannot resolve a static node: import against our manually
  // managed node_modules (see env.ts). Deno and Supabase's edge runtime both provide node:crypto.
  const specifier = 'node:crypto';
  return (nodeCrypto ??= (await import(specifier)) as NodeCrypto);
}

/**
 * Verifies Stripe-Signature (HMAC-SHA256, hex) with node:crypto's synchronous HMAC: in Deno 2.9 it
 * costs 0.011 ms an event, where the SubtleCrypto provider of stripe-node's Deno build imports the
 * key and signs asynchronously for 0.087 ms — the largest single CPU cost of the webhook after the
 * Stripe read itself (`npm run bench:webhook -- --profile`). stripe-node compares the result with
 * the header in constant time.
 */
export const webhookCryptoProvider: Stripe.CryptoProvider = {
  computeHMACSignature(payload: string, secret: string): string {
    if (!nodeCrypto) throw new Error('webhookCryptoProvider is asynchronous: use constructEventAsync');
    return nodeCrypto.createHmac('sha256', secret).update(payload, 'utf8').digest('hex');
  },
  async computeHMACSignatureAsync(payload: string, secret: string): Promise<string> {
    return (await loadNodeCrypto()).createHmac('sha256', secret).update(payload, 'utf8').digest('hex');
  },
  async computeSHA256Async(data: Uint8Array): Promise<Uint8Array> {
    return new Uint8Array(await crypto.subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>));
  },
};

export type { Stripe };

/** Stripe's answer when a request names a customer that was deleted (by an operator, in the Dashboard). */
export function isMissingStripeCustomer(error: unknown): boolean {
  const e = error as { code?: string; param?: string } | null;
  return e?.code === 'resource_missing' && e.param === 'customer';
}

/**
 * Stripe's answer while another request with the same Idempotency-Key is still executing (racing
 * taps, tabs or function instances): 409, code `idempotency_key_in_use`, type
 * `invalid_request_error`. Nothing is saved for it; once the first request finishes, the same key
 * replays that request's answer (https://docs.stripe.com/api/idempotent_requests).
 */
export function isIdempotencyKeyInUse(error: unknown): boolean {
  const e = error as { statusCode?: number; code?: string } | null;
  return e?.statusCode === 409 && e.code === 'idempotency_key_in_use';
}

/**
 * How long one idempotent request keeps waiting for its in-flight twin: seconds, where Stripe
 * finishes a create in well under one; far below the edge function's 150 s wall-clock limit.
 */
const IDEMPOTENCY_KEY_IN_USE_BUDGET_MS = 10_000;
const KEY_IN_USE_FIRST_DELAY_MS = 500;
const KEY_IN_USE_MAX_DELAY_MS = 2_000;

/**
 * Sends an idempotent Stripe request under `idempotencyKey`; while Stripe answers that the key is
 * in use by a request still in flight, waits (exponential backoff with jitter) and sends it again
 * with the same key, so every racer gets the first request's answer. Gives up after `budgetMs`,
 * throwing the last 409 (see isIdempotencyKeyInUse); any other error is thrown at once.
 *
 * stripe-node retries a 409 itself, but only within maxNetworkRetries (1 here: one more try after
 * 0.5 s), a count shared with 5xx and network failures: raising it to cover a slow create would
 * multiply how long an outage holds every request (each attempt may take the full timeout).
 */
export async function withIdempotencyKey<T>(
  idempotencyKey: string,
  send: (options: { idempotencyKey: string }) => Promise<T>,
  budgetMs = IDEMPOTENCY_KEY_IN_USE_BUDGET_MS,
): Promise<T> {
  const deadline = Date.now() + budgetMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await send({ idempotencyKey });
    } catch (error) {
      if (!isIdempotencyKeyInUse(error)) throw error;
      const backoff = Math.min(KEY_IN_USE_FIRST_DELAY_MS * 2 ** attempt, KEY_IN_USE_MAX_DELAY_MS);
      // Equal jitter: racers that collided once spread out instead of colliding again.
      const wait = Math.min(backoff / 2 + Math.random() * (backoff / 2), deadline - Date.now());
      if (wait <= 0) throw error;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
