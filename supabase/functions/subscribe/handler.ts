// Subscribe on the web.
//   GET  → the price every page shows (public, cacheable for PRICE_CACHE_SECONDS): the same
//          lookup key POST charges, resolved in _shared/stripe-price.ts.
//   POST → (signed-in) creates or reuses the user's incomplete Stripe subscription and returns the
//          client secret the Payment Element confirms. Built for the deferred-intent flow: the page
//          renders wallets and the card form first and calls this only when the person pays.
//          Body `{ amount, currency }` (optionally `interval`, `intervalCount`): the price the page
//          showed. When Stripe would charge anything else → 409 `price_changed` with the new price,
//          before anything is created.
// Refuses with 409 when the user is already entitled, through either store.
import type Stripe from 'stripe';
import type { Sql, TransactionSql } from 'postgres';
import { authenticate, type AuthenticatedUser } from '../_shared/auth.ts';
import { applySubscriptionUpdate } from '../_shared/billing-db.ts';
import { stripeConfig } from '../_shared/config.ts';
import { db } from '../_shared/db.ts';
import { ApiError, json, readJsonObject, respondWithCors } from '../_shared/http.ts';
import { chargesWhatWasShown, currentPrice, PRICE_CACHE_SECONDS, priceChanged, publicPrice, shownPriceFrom, type Price, type ShownPrice } from '../_shared/stripe-price.ts';
import { isIdempotencyKeyInUse, isMissingStripeCustomer, stripe, withIdempotencyKey } from '../_shared/stripe-client.ts';
import { subscriptionUpdateFromStripe } from '../_shared/stripe-mapping.ts';

const MAX_BODY_BYTES = 16 * 1024;
/** Stripe states in which the customer already has (or is fixing) a paid subscription. */
const LIVE_STRIPE_STATUSES = new Set(['active', 'trialing', 'past_due', 'unpaid', 'paused']);

export interface SubscribeResponse {
  subscriptionId: string;
  /** `payment`: confirm with stripe.confirmPayment; `setup`: stripe.confirmSetup ($0 first invoice). */
  intentType: 'payment' | 'setup';
  clientSecret: string;
  status: string;
  amount: number;
  currency: string;
  interval: string;
}

export function handleSubscribe(req: Request): Promise<Response> {
  return respondWithCors(req, 'GET, POST, OPTIONS', async (headers) => {
    if (req.method === 'GET') {
      const response = json(200, publicPrice(await currentPrice()), headers);
      // The same for everyone and read on every page: browsers and CDNs may reuse it briefly.
      response.headers.set('cache-control', `public, max-age=${PRICE_CACHE_SECONDS}`);
      return response;
    }
    if (req.method !== 'POST') throw new ApiError(405, 'method_not_allowed', 'Use GET or POST');

    const user = await authenticate(req);
    const shown = shownPriceFrom(await readJsonObject(req, MAX_BODY_BYTES));
    const result = await subscribe(user, shown);
    return json(200, result, headers);
  });
}

async function subscribe(user: AuthenticatedUser, shown: ShownPrice | undefined): Promise<SubscribeResponse> {
  // Refuse before touching Stripe; checked again under the lock below.
  await refuseIfEntitled(db(), user.id);
  // Read afresh: what Stripe charges now, not what a cache held when the page loaded.
  const price = await currentPrice({ fresh: true });
  if (shown && !chargesWhatWasShown(shown, price)) throw priceChanged(price);
  // Committed on its own: the mapping outlives a failed attempt (racing requests get the same
  // customer from Stripe through the idempotency key, and linking it is idempotent).
  const customerId = await customerFor(db(), user);
  try {
    return await subscribeCustomer(user, customerId, price);
  } catch (error) {
    // An operator deleted the customer in Stripe (the customer.deleted webhook may not have landed,
    // or the create idempotency key replayed the deleted one): start over with a new customer, once.
    if (!isMissingStripeCustomer(error)) throw error;
    return await subscribeCustomer(user, await replaceCustomer(user, customerId), price);
  }
}

async function subscribeCustomer(user: AuthenticatedUser, customerId: string, price: Price): Promise<SubscribeResponse> {
  // One subscribe at a time per user: concurrent taps or tabs get the same subscription.
  return (await db().begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtextextended(${`subscribe:${user.id}`}, 0))`;
    await refuseIfEntitled(tx, user.id);

    const existing = await stripe().subscriptions.list({
      customer: customerId,
      status: 'all',
      limit: 100,
      expand: ['data.latest_invoice.confirmation_secret', 'data.pending_setup_intent'],
    });
    const live = existing.data.find((s) => LIVE_STRIPE_STATUSES.has(s.status));
    if (live) {
      // Our webhook has not caught up yet, or a payment problem is being fixed in the portal.
      throw new ApiError(409, 'already_subscribed', 'You already have a subscription on the web. Manage it from your account page.', {
        store: 'stripe', manageWith: 'stripe_customer_portal', status: live.status,
      });
    }
    const reusable = existing.data.find((s) => s.status === 'incomplete' && s.items.data.some((i) => i.price.id === price.id));
    // Same key for the same attempt: a retried request cannot create a second subscription.
    const subscription = reusable ?? await idempotent(`subscription-create:${customerId}:${price.id}:${existing.data.length}`, (options) =>
      stripe().subscriptions.create({
        customer: customerId,
        items: [{ price: price.id }],
        // The trial GET subscribe announced (Stripe applies a price's own trial only when asked).
        ...(price.trialPeriodDays ? { trial_period_days: price.trialPeriodDays } : {}),
        payment_behavior: 'default_incomplete',
        payment_settings: { save_default_payment_method: 'on_subscription' },
        expand: ['latest_invoice.confirmation_secret', 'pending_setup_intent'],
        metadata: { supabase_user_id: user.id },
      }, options));

    // An unpaid attempt at another price (the lookup key moved since) must not stay payable beside this one.
    for (const other of existing.data) {
      if (other.status === 'incomplete' && other.id !== subscription.id) await stripe().subscriptions.cancel(other.id);
    }

    const secret = clientSecretOf(subscription);
    if (!reusable) await recordCreated(tx, subscription, user.id);
    return {
      subscriptionId: subscription.id,
      ...secret,
      status: subscription.status,
      amount: price.amount,
      currency: price.currency,
      interval: price.interval,
    };
  })) as SubscribeResponse;
}

async function refuseIfEntitled(tx: Sql | TransactionSql, userId: string): Promise<void> {
  const [current] = await tx<{ store: string; manage_with: string; is_active: boolean }[]>`
    select store, manage_with, is_active from public.subscriptions where user_id = ${userId}`;
  if (!current?.is_active) return;
  const where = current.store === 'app_store'
    ? 'You are already subscribed through the App Store on your iPhone. Manage it in Settings › Apple ID › Subscriptions.'
    : 'You are already subscribed on the web. Manage it from your account page.';
  throw new ApiError(409, 'already_subscribed', where, { store: current.store, manageWith: current.manage_with });
}

async function customerFor(tx: Sql | TransactionSql, user: AuthenticatedUser): Promise<string> {
  const [mapped] = await tx<{ stripe_customer_id: string }[]>`
    select stripe_customer_id from billing.stripe_customers where user_id = ${user.id}`;
  if (mapped) return mapped.stripe_customer_id;
  const customer = await createCustomer(user, `customer-create:${user.id}`);
  await tx`select billing.link_stripe_customer(${user.id}, ${customer.id}, ${customer.livemode})`;
  return customer.id;
}

function createCustomer(user: AuthenticatedUser, idempotencyKey: string): Promise<Stripe.Customer> {
  return idempotent(idempotencyKey, (options) =>
    stripe().customers.create({ email: user.email, metadata: { supabase_user_id: user.id } }, options));
}

/**
 * A create under an idempotency key that racing calls share (double taps, several tabs): while the
 * first is still running at Stripe the others wait for it and get its answer. A twin that outlasts
 * the wait is a 503 the page can retry, with a message that says so.
 */
async function idempotent<T>(idempotencyKey: string, send: (options: { idempotencyKey: string }) => Promise<T>): Promise<T> {
  try {
    return await withIdempotencyKey(idempotencyKey, send);
  } catch (error) {
    if (!isIdempotencyKeyInUse(error)) throw error;
    console.warn(`Stripe still running an earlier request with idempotency key ${idempotencyKey}; gave up waiting`);
    throw new ApiError(503, 'stripe_unavailable', 'Stripe is still processing an identical earlier request for your account; please retry in a few seconds');
  }
}

/** A new Stripe customer in place of a deleted one; racing requests converge on the same one. */
async function replaceCustomer(user: AuthenticatedUser, deletedId: string): Promise<string> {
  // Keyed on the deleted customer: a retry reuses the replacement, a later deletion gets a new one.
  const customer = await createCustomer(user, `customer-create:${user.id}:replacing:${deletedId}`);
  await db().begin(async (tx) => {
    await tx`select billing.unlink_stripe_customer(${deletedId})`;
    await tx`select billing.link_stripe_customer(${user.id}, ${customer.id}, ${customer.livemode})`;
  });
  return customer.id;
}

function clientSecretOf(subscription: Stripe.Subscription): Pick<SubscribeResponse, 'intentType' | 'clientSecret'> {
  const invoice = subscription.latest_invoice;
  const paymentSecret = typeof invoice === 'object' && invoice ? invoice.confirmation_secret?.client_secret : undefined;
  if (paymentSecret) return { intentType: 'payment', clientSecret: paymentSecret };
  const setup = subscription.pending_setup_intent;
  if (typeof setup === 'object' && setup?.client_secret) return { intentType: 'setup', clientSecret: setup.client_secret };
  throw new Error(`Stripe returned subscription ${subscription.id} without a confirmation or setup secret`);
}

/**
 * Show "processing" at once; the webhook brings every later state. Rank 0: this state was read
 * before any lock, so it only creates the row and never replaces what a webhook applied.
 */
async function recordCreated(tx: TransactionSql, subscription: Stripe.Subscription, userId: string): Promise<void> {
  await applySubscriptionUpdate(tx, {
    ...subscriptionUpdateFromStripe(subscription, {
      eventId: `subscribe:${subscription.id}`,
      eventType: 'subscribe.created',
      userId,
      gracePeriodDays: stripeConfig().gracePeriodDays,
    }),
    snapshotRank: 0,
  });
}

