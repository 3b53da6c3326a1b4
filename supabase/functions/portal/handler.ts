// /functions/v1/portal — (signed-in) web billing through Stripe.
//   POST → a Stripe customer portal session to manage or cancel the web subscription, see invoices
//          and change the card. The return URL must be on one of our web origins.
//   GET  → the billing summary the account and success pages show (amount, next charge, card brand
//          and last 4, latest invoice, receipt email), read from Stripe on the server: the browser
//          never talks to Stripe's API with a secret, and shows only what this returns.
import type Stripe from 'stripe';
import { authenticate } from '../_shared/auth.ts';
import { stripeConfig, webConfig } from '../_shared/config.ts';
import { db } from '../_shared/db.ts';
import { ApiError, json, readJsonObject, respondWithCors } from '../_shared/http.ts';
import { isMissingStripeCustomer, stripe } from '../_shared/stripe-client.ts';
import { billingSummary } from './billing-summary.ts';

const MAX_BODY_BYTES = 16 * 1024;

export function handlePortal(req: Request): Promise<Response> {
  return respondWithCors(req, 'GET, POST, OPTIONS', async (headers) => {
    const web = webConfig();
    if (req.method !== 'POST' && req.method !== 'GET') throw new ApiError(405, 'method_not_allowed', 'Use GET or POST');

    const user = await authenticate(req);
    const returnUrl = req.method === 'POST' ? allowedReturnUrl((await readJsonObject(req, MAX_BODY_BYTES)).returnUrl, web.appUrl, web.allowedOrigins) : '';

    const [mapped] = await db()<{ stripe_customer_id: string }[]>`
      select stripe_customer_id from billing.stripe_customers where user_id = ${user.id}`;
    const customerId = mapped?.stripe_customer_id;
    if (!customerId) throw new ApiError(404, 'no_billing_account', 'You have no web billing account yet: subscribe first');

    try {
      if (req.method === 'GET') return json(200, await readSummary(customerId), headers);
      const configuration = stripeConfig().portalConfigurationId;
      const session = await stripe().billingPortal.sessions.create({ customer: customerId, return_url: returnUrl, ...(configuration ? { configuration } : {}) });
      return json(200, { url: session.url }, headers);
    } catch (error) {
      // Deleted in Stripe and the customer.deleted webhook not applied yet: same answer as no account.
      if (isMissingStripeCustomer(error)) throw new ApiError(404, 'no_billing_account', 'You have no web billing account: subscribe first');
      throw error;
    }
  });
}

async function readSummary(customerId: string) {
  const [customer, subscriptions] = await Promise.all([
    stripe().customers.retrieve(customerId, { expand: ['invoice_settings.default_payment_method'] }),
    stripe().subscriptions.list({ customer: customerId, status: 'all', limit: 10, expand: ['data.default_payment_method', 'data.latest_invoice'] }),
  ]);
  if ((customer as Stripe.DeletedCustomer).deleted) throw new ApiError(404, 'no_billing_account', 'You have no web billing account: subscribe first');
  return billingSummary(customer as Stripe.Customer, subscriptions.data);
}

export function allowedReturnUrl(value: unknown, appUrl: string, allowedOrigins: string[]): string {
  if (value === undefined || value === null) return `${appUrl}/account`;
  if (typeof value !== 'string') throw new ApiError(400, 'invalid_return_url', 'returnUrl must be a string');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ApiError(400, 'invalid_return_url', 'returnUrl must be an absolute URL');
  }
  if (!allowedOrigins.includes(url.origin) || url.username || url.password) {
    throw new ApiError(400, 'invalid_return_url', 'returnUrl must be on one of this app\'s web origins');
  }
  return url.toString();
}
