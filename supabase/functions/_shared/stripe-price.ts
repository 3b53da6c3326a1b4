// The one price we sell, resolved on the server from its lookup key (STRIPE_PRICE_LOOKUP_KEY).
// Clients never send a price or an amount.
import type Stripe from 'stripe';
import { stripeConfig } from './config.ts';
import { ApiError } from './http.ts';
import { stripe } from './stripe-client.ts';

export interface Price {
  id: string;
  lookupKey: string;
  amount: number;
  currency: string;
  interval: string;
  productId: string;
  productName: string | null;
}

const TTL_MS = 5 * 60_000;
let cached: { price: Price; at: number } | undefined;

export async function currentPrice(): Promise<Price> {
  if (cached && Date.now() - cached.at < TTL_MS) return cached.price;
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
    productId: typeof product === 'string' ? product : product.id,
    productName: typeof product === 'object' && 'name' in product ? product.name : null,
  };
  cached = { price: resolved, at: Date.now() };
  return resolved;
}
