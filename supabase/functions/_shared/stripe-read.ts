// Reads of Stripe objects on the webhook's hot path (a subscription, a charge, a charge's disputes)
// with one fetch each, instead of stripe-node's request pipeline.
//
// Why: every webhook event re-reads its subscription from Stripe (see stripe-sync.ts), so this GET
// is the most frequent thing the function does. Measured in Deno 2.9 against a local server
// (same JSON, same machine), stripe-node 23's `subscriptions.retrieve` costs ≈ 240 µs of CPU a
// call and a plain fetch + JSON.parse ≈ 90 µs: the SDK's request building, telemetry, user-agent
// serialisation and response wrapping are ≈ 10% of the webhook's whole CPU per event (and the
// garbage that drives its tail latency). Writes, where the SDK's idempotency handling and typed
// parameters matter, keep using stripe-node (stripe-client.ts).
//
// Same contract as the SDK for what callers look at: the answer is Stripe's JSON (typed with the
// SDK's types, same pinned API version), and a failure throws a StripeReadError carrying the
// SDK's `type` names and `statusCode`, so dependency-errors.ts (503: Stripe retries the webhook)
// and the 404 handling in stripe-sync.ts treat both alike. Same retry rule as stripe-node with
// maxNetworkRetries = 1: one more try after a connection failure, a 409, a 5xx, or whenever Stripe
// sets `Stripe-Should-Retry: true`; never when it says `false`.
import type Stripe from 'stripe';
import { stripeConfig } from './config.ts';
import { STRIPE_API_VERSION } from './stripe-client.ts';

const TIMEOUT_MS = 15_000;
const RETRY_DELAY_MS = 500;

export type StripeReadErrorType =
  | 'StripeConnectionError'
  | 'StripeAPIError'
  | 'StripeRateLimitError'
  | 'StripeInvalidRequestError'
  | 'StripeAuthenticationError'
  | 'StripePermissionError';

export class StripeReadError extends Error {
  constructor(
    message: string,
    readonly type: StripeReadErrorType,
    readonly statusCode: number | undefined,
    readonly code?: string,
    readonly param?: string,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = type;
  }
}

export function errorTypeOfStatus(status: number): StripeReadErrorType {
  if (status === 400 || status === 404 || status === 409) return 'StripeInvalidRequestError';
  if (status === 401) return 'StripeAuthenticationError';
  if (status === 403) return 'StripePermissionError';
  if (status === 429) return 'StripeRateLimitError';
  return 'StripeAPIError';
}

let baseUrl: string | undefined;
let headers: Record<string, string> | undefined;

function endpoint(path: string): string {
  if (!baseUrl) {
    const { api } = stripeConfig();
    baseUrl = api ? `${api.protocol}://${api.host}:${api.port}` : 'https://api.stripe.com';
  }
  return baseUrl + path;
}

function requestHeaders(): Record<string, string> {
  return (headers ??= {
    authorization: `Bearer ${stripeConfig().secretKey}`,
    'stripe-version': STRIPE_API_VERSION,
    'user-agent': 'one-account-one-subscription (stripe-read)',
    accept: 'application/json',
  });
}

/** One GET of the Stripe API, e.g. stripeGet<Stripe.Subscription>(`/v1/subscriptions/${id}`). */
export async function stripeGet<T>(path: string, query?: Record<string, string>): Promise<T> {
  const url = query ? `${endpoint(path)}?${new URLSearchParams(query)}` : endpoint(path);
  for (let attempt = 0; ; attempt++) {
    let response: Response;
    try {
      response = await fetch(url, { headers: requestHeaders(), signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (error) {
      if (attempt === 0) {
        await pause();
        continue;
      }
      throw new StripeReadError(`Could not reach Stripe: ${(error as Error).message}`, 'StripeConnectionError', undefined);
    }
    if (response.ok) return (await response.json()) as T;
    const shouldRetry = response.headers.get('stripe-should-retry');
    const retry = shouldRetry === 'true' || (shouldRetry !== 'false' && (response.status === 409 || response.status >= 500));
    const failure = await errorOf(response);
    if (attempt === 0 && retry) {
      await pause();
      continue;
    }
    throw failure;
  }
}

async function errorOf(response: Response): Promise<StripeReadError> {
  const body = await response.json().catch(() => null) as { error?: { message?: string; code?: string; param?: string } } | null;
  const e = body?.error;
  return new StripeReadError(
    e?.message ?? `Stripe answered ${response.status}`,
    errorTypeOfStatus(response.status),
    response.status,
    e?.code,
    e?.param,
    response.headers.get('request-id') ?? undefined,
  );
}

function pause(): Promise<void> {
  // Equal jitter around stripe-node's first retry delay.
  return new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS / 2 + Math.random() * (RETRY_DELAY_MS / 2)));
}

export const retrieveSubscription = (id: string) => stripeGet<Stripe.Subscription>(`/v1/subscriptions/${encodeURIComponent(id)}`);
export const retrieveCharge = (id: string) => stripeGet<Stripe.Charge>(`/v1/charges/${encodeURIComponent(id)}`);
export const listDisputesOfCharge = (chargeId: string) =>
  stripeGet<Stripe.ApiList<Stripe.Dispute>>('/v1/disputes', { charge: chargeId, limit: '100' });
