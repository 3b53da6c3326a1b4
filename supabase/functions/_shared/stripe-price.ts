// The one price we sell, resolved on the server from its lookup key (STRIPE_PRICE_LOOKUP_KEY).
// Everything that states or charges the price goes through here: `GET subscribe` (what every page
// shows) and `POST subscribe` (what Stripe charges), so the two cannot disagree. Clients never send
// a price id; the page sends back the amount it showed, and `POST subscribe` refuses to charge
// anything else (`price_changed`).
import type Stripe from 'stripe';
import { stripeConfig } from './config.ts';
import { ApiError } from './http.ts';
import { stripe } from './stripe-client.ts';

export interface Price {
  id: string;
  lookupKey: string;
  /** Minor units (cents). */
  amount: number;
  currency: string;
  interval: Stripe.Price.Recurring.Interval;
  intervalCount: number;
  /** Free days before the first charge (the price's `recurring.trial_period_days`), or null. */
  trialPeriodDays: number | null;
  productId: string;
  productName: string | null;
}

/** The answer of `GET subscribe`: what a page needs to state the price, and nothing internal. */
export interface PublicPrice {
  amount: number;
  currency: string;
  interval: string;
  intervalCount: number;
  trialPeriodDays: number | null;
  productName: string;
  /** The amount formatted for display ("$9.99"), in the currency's own minor units. */
  formatted: string;
}

/** What a page showed (the body of `POST subscribe`). */
export interface ShownPrice {
  amount: number;
  currency: string;
  interval?: string;
  intervalCount?: number;
}

/**
 * How long a resolved price is reused for `GET subscribe` (in this isolate, and by browsers through
 * Cache-Control). A change in Stripe shows on pages within about twice this; a page that showed the
 * old price meanwhile is refused by `POST subscribe`, which always reads Stripe afresh.
 */
export const PRICE_CACHE_SECONDS = 60;

let cached: { price: Price; at: number } | undefined;

/**
 * The active recurring price under the lookup key. `fresh`: read Stripe now (what `POST subscribe`
 * charges must be what Stripe holds this moment); otherwise reuse a read younger than the cache time.
 */
export async function currentPrice(options: { fresh?: boolean } = {}): Promise<Price> {
  if (!options.fresh && cached && Date.now() - cached.at < PRICE_CACHE_SECONDS * 1000) return cached.price;
  const lookupKey = stripeConfig().priceLookupKey;
  const list = await stripe().prices.list({ lookup_keys: [lookupKey], active: true, expand: ['data.product'], limit: 2 });
  const price = list.data[0];
  if (list.data.length !== 1 || !price.recurring || price.unit_amount === null) {
    throw new ApiError(500, 'config_error',
      `Expected exactly one active recurring price with lookup key "${lookupKey}" in Stripe (run scripts/stripe-setup.ts)`);
  }
  const product = price.product as string | Stripe.Product | Stripe.DeletedProduct;
  const resolved: Price = {
    id: price.id,
    lookupKey,
    amount: price.unit_amount,
    currency: price.currency,
    interval: price.recurring.interval,
    intervalCount: price.recurring.interval_count ?? 1,
    trialPeriodDays: price.recurring.trial_period_days ?? null,
    productId: typeof product === 'string' ? product : product.id,
    productName: typeof product === 'object' && 'name' in product ? product.name : null,
  };
  cached = { price: resolved, at: Date.now() };
  return resolved;
}

/** "$9.99", "¥1,000": the amount in the currency's minor units, as Stripe stores it. */
export function formatAmount(amount: number, currency: string): string {
  const format = new Intl.NumberFormat('en-US', { style: 'currency', currency: currency.toUpperCase() });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(amount / 10 ** digits);
}

/** "$9.99/month", "$24.99 every 3 months". */
export function describePrice(price: Pick<Price, 'amount' | 'currency' | 'interval' | 'intervalCount'>): string {
  const amount = formatAmount(price.amount, price.currency);
  return price.intervalCount === 1 ? `${amount}/${price.interval}` : `${amount} every ${price.intervalCount} ${price.interval}s`;
}

export function publicPrice(price: Price): PublicPrice {
  return {
    amount: price.amount,
    currency: price.currency,
    interval: price.interval,
    intervalCount: price.intervalCount,
    trialPeriodDays: price.trialPeriodDays,
    productName: price.productName ?? 'Premium',
    formatted: formatAmount(price.amount, price.currency),
  };
}

const INTERVALS = new Set(['day', 'week', 'month', 'year']);

/**
 * The price the page showed, from the body of `POST subscribe`: `{ amount, currency }` (and
 * optionally `interval`, `intervalCount`), or undefined when the caller sent none (a server-side
 * caller that shows no price). Malformed values are a 400 before anything is written.
 */
export function shownPriceFrom(body: Record<string, unknown>): ShownPrice | undefined {
  const { amount, currency, interval, intervalCount } = body;
  if (amount === undefined && currency === undefined && interval === undefined && intervalCount === undefined) return undefined;
  if (!Number.isSafeInteger(amount) || (amount as number) < 0) {
    throw new ApiError(400, 'invalid_request', 'amount must be the price shown, in minor units (a whole number, e.g. 999 for $9.99)');
  }
  if (typeof currency !== 'string' || !/^[a-z]{3}$/i.test(currency)) {
    throw new ApiError(400, 'invalid_request', 'currency must be the three-letter ISO code of the price shown (e.g. "usd")');
  }
  if (interval !== undefined && (typeof interval !== 'string' || !INTERVALS.has(interval))) {
    throw new ApiError(400, 'invalid_request', 'interval must be one of day, week, month, year');
  }
  if (intervalCount !== undefined && (!Number.isSafeInteger(intervalCount) || (intervalCount as number) < 1)) {
    throw new ApiError(400, 'invalid_request', 'intervalCount must be a whole number of at least 1');
  }
  return { amount: amount as number, currency: currency.toLowerCase(), interval: interval as string | undefined, intervalCount: intervalCount as number | undefined };
}

/** Whether charging `price` is charging what the page showed. */
export function chargesWhatWasShown(shown: ShownPrice, price: Price): boolean {
  return shown.amount === price.amount
    && shown.currency === price.currency.toLowerCase()
    && (shown.interval === undefined || shown.interval === price.interval)
    && (shown.intervalCount === undefined || shown.intervalCount === price.intervalCount);
}

/** 409 `price_changed`, carrying the price the server would charge now, so the page can show it. */
export function priceChanged(price: Price): ApiError {
  return new ApiError(409, 'price_changed',
    `The price is now ${describePrice(price)}. Nothing was charged; review the new price and subscribe again.`,
    { price: publicPrice(price) });
}
