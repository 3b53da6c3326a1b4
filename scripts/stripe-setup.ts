// Sets up the Stripe side in your own account (test or live, from STRIPE_SECRET_KEY), idempotently:
//   * the product and its $9.99/month price carrying the lookup key the subscribe function uses;
//   * a customer portal configuration (cancel at period end, update payment method, invoices);
//   * prints the webhook URL to register, with the exact event list.
// Running it again changes nothing; changing PRICE_AMOUNT_CENTS moves the lookup key to a new price
// (existing subscribers keep theirs, as Stripe prices are immutable).
//
//   STRIPE_SECRET_KEY=sk_test_… SUPABASE_URL=https://<ref>.supabase.co WEB_APP_URL=https://app.example \
//     npx tsx scripts/stripe-setup.ts
import Stripe from 'stripe';
import { DEFAULT_PRICE_LOOKUP_KEY } from '../supabase/functions/_shared/config.ts';
import { STRIPE_API_VERSION } from '../supabase/functions/_shared/stripe-client.ts';
import { STRIPE_WEBHOOK_EVENTS } from '../supabase/functions/_shared/stripe-mapping.ts';

const APP_TAG = 'one-account-one-subscription';

function env(name: string, fallback?: string): string {
  const value = process.env[name]?.trim() || fallback;
  if (!value) {
    console.error(`Missing environment variable ${name}`);
    process.exit(2);
  }
  return value;
}

function client(): Stripe {
  const host = process.env.STRIPE_API_HOST;
  return new Stripe(env('STRIPE_SECRET_KEY'), {
    apiVersion: STRIPE_API_VERSION,
    maxNetworkRetries: 2,
    appInfo: { name: APP_TAG },
    ...(host ? { host, port: Number(env('STRIPE_API_PORT', '443')), protocol: env('STRIPE_API_PROTOCOL', 'https') as 'http' | 'https' } : {}),
  });
}

interface Plan {
  lookupKey: string;
  productName: string;
  amount: number;
  currency: string;
  interval: 'day' | 'week' | 'month' | 'year';
}

async function ensurePrice(stripe: Stripe, plan: Plan): Promise<{ price: Stripe.Price; action: string }> {
  const existing = (await stripe.prices.list({ lookup_keys: [plan.lookupKey], expand: ['data.product'] })).data[0];
  const matches = (p: Stripe.Price) =>
    p.active && p.unit_amount === plan.amount && p.currency === plan.currency && p.recurring?.interval === plan.interval && p.recurring.interval_count === 1;
  if (existing && matches(existing)) return { price: existing, action: 'unchanged' };

  let productId = existing ? (typeof existing.product === 'string' ? existing.product : existing.product.id) : undefined;
  if (!productId) {
    const products = await stripe.products.list({ active: true, limit: 100 });
    productId = products.data.find((p) => p.metadata.app === APP_TAG)?.id;
  }
  if (!productId) {
    productId = (await stripe.products.create({ name: plan.productName, metadata: { app: APP_TAG } }, { idempotencyKey: `${APP_TAG}:product:${plan.lookupKey}` })).id;
  }
  const price = await stripe.prices.create({
    product: productId,
    currency: plan.currency,
    unit_amount: plan.amount,
    recurring: { interval: plan.interval },
    lookup_key: plan.lookupKey,
    transfer_lookup_key: Boolean(existing),
    metadata: { app: APP_TAG },
  }, { idempotencyKey: `${APP_TAG}:price:${plan.lookupKey}:${plan.amount}:${plan.currency}:${plan.interval}:${existing?.id ?? 'new'}` });
  return { price, action: existing ? `replaced ${existing.id} (the lookup key moved to the new price)` : 'created' };
}

function desiredPortal(returnUrl: string): Stripe.BillingPortal.ConfigurationCreateParams {
  return {
    name: 'Premium subscription',
    default_return_url: returnUrl,
    features: {
      subscription_cancel: {
        enabled: true,
        mode: 'at_period_end',
        cancellation_reason: { enabled: true, options: ['too_expensive', 'missing_features', 'unused', 'switched_service', 'other'] },
      },
      payment_method_update: { enabled: true },
      invoice_history: { enabled: true },
      customer_update: { enabled: true, allowed_updates: ['email', 'name', 'address'] },
    },
    metadata: { app: APP_TAG },
  };
}

function portalMatches(config: Stripe.BillingPortal.Configuration, wanted: Stripe.BillingPortal.ConfigurationCreateParams): boolean {
  const f = config.features;
  const w = wanted.features;
  return (
    config.active &&
    config.default_return_url === wanted.default_return_url &&
    String(f.subscription_cancel?.enabled) === String(w.subscription_cancel?.enabled) &&
    f.subscription_cancel?.mode === w.subscription_cancel?.mode &&
    String(f.payment_method_update?.enabled) === String(w.payment_method_update?.enabled) &&
    String(f.invoice_history?.enabled) === String(w.invoice_history?.enabled)
  );
}

async function ensurePortal(stripe: Stripe, returnUrl: string): Promise<{ id: string; action: string }> {
  const wanted = desiredPortal(returnUrl);
  const configs = await stripe.billingPortal.configurations.list({ limit: 100 });
  const ours = configs.data.find((c) => c.metadata?.app === APP_TAG);
  if (ours && portalMatches(ours, wanted)) return { id: ours.id, action: 'unchanged' };
  if (ours) {
    await stripe.billingPortal.configurations.update(ours.id, { ...wanted, active: true });
    return { id: ours.id, action: 'updated' };
  }
  const created = await stripe.billingPortal.configurations.create(wanted, { idempotencyKey: `${APP_TAG}:portal:${returnUrl}` });
  return { id: created.id, action: 'created' };
}

async function main() {
  const stripe = client();
  const plan: Plan = {
    lookupKey: env('STRIPE_PRICE_LOOKUP_KEY', DEFAULT_PRICE_LOOKUP_KEY),
    productName: env('PRODUCT_NAME', 'Premium'),
    amount: Number(env('PRICE_AMOUNT_CENTS', '999')),
    currency: env('PRICE_CURRENCY', 'usd').toLowerCase(),
    interval: env('PRICE_INTERVAL', 'month') as Plan['interval'],
  };
  if (!Number.isInteger(plan.amount) || plan.amount <= 0) throw new Error('PRICE_AMOUNT_CENTS must be a positive integer');
  const webAppUrl = env('WEB_APP_URL', 'http://127.0.0.1:5173').replace(/\/+$/, '');
  const supabaseUrl = env('SUPABASE_URL', 'http://127.0.0.1:54321').replace(/\/+$/, '');
  const live = env('STRIPE_SECRET_KEY').includes('_live_');

  const { price, action: priceAction } = await ensurePrice(stripe, plan);
  const portal = await ensurePortal(stripe, `${webAppUrl}/account`);
  const webhookUrl = `${supabaseUrl}/functions/v1/stripe-webhook`;
  const events = [...STRIPE_WEBHOOK_EVENTS];

  console.log(`Stripe account mode: ${live ? 'LIVE' : 'test'} (API version ${STRIPE_API_VERSION})`);
  console.log(`Price ${price.id} "${plan.lookupKey}" ${(plan.amount / 100).toFixed(2)} ${plan.currency.toUpperCase()}/${plan.interval}: ${priceAction}`);
  console.log(`Customer portal configuration ${portal.id}: ${portal.action}`);
  console.log(`  set STRIPE_PORTAL_CONFIGURATION=${portal.id} for the portal function to use it`);
  console.log(`\nRegister this webhook endpoint (Dashboard › Developers › Webhooks, API version ${STRIPE_API_VERSION}):`);
  console.log(`  URL:    ${webhookUrl}`);
  console.log(`  Events: ${events.join(', ')}`);
  console.log(`Then set its signing secret: npx supabase secrets set STRIPE_WEBHOOK_SECRET=whsec_…`);
  console.log(`\nLocal development with the Stripe CLI:`);
  console.log(`  stripe listen --events ${events.join(',')} --forward-to ${supabaseUrl}/functions/v1/stripe-webhook`);
  console.log(JSON.stringify({ priceId: price.id, priceAction, portalConfigurationId: portal.id, portalAction: portal.action, webhookUrl, events }));
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
