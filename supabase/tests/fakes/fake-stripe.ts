// FAKE Stripe API server, for tests and local runs only. Stripe's servers are out of reach here, so
// this serves the few endpoints our code calls, with the object shapes of API version
// 2026-10-28.endive (periods on subscription items, invoice.parent.subscription_details,
// invoice.confirmation_secret, invoice payments), form-encoded requests, expansion of the paths we
// use, and Idempotency-Key replay. Test controls drive the payment lifecycle the way Stripe would
// (3-D Secure, declines, renewals, cancellations, refunds) and return the events Stripe would send.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';

export const FAKE_STRIPE_API_VERSION = '2026-10-28.endive';
const DAY = 86_400;

type Obj = Record<string, any>; // deno-lint-ignore no-explicit-any

export interface FakeStripeEvent {
  id: string;
  object: 'event';
  api_version: string;
  created: number;
  data: { object: Obj; previous_attributes?: Obj };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  params: Obj;
  idempotencyKey: string | null;
  stripeVersion: string | null;
}

function id(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`;
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

const cryptoProvider = Stripe.createSubtleCryptoProvider();

/** A Stripe-Signature header for a payload, with Stripe's own signing scheme. */
export async function signStripePayload(payload: string, secret: string, timestamp?: number): Promise<string> {
  return Stripe.webhooks.generateTestHeaderStringAsync({ payload, secret, timestamp, cryptoProvider });
}

/** Parses Stripe's form encoding: a[b][0][c]=v → { a: { b: [ { c: 'v' } ] } }. */
export function parseStripeForm(encoded: string): Obj {
  const root: Obj = {};
  for (const [rawKey, value] of new URLSearchParams(encoded)) {
    const path = rawKey.replace(/\]/g, '').split('[');
    let node: Obj = root;
    path.forEach((segment, i) => {
      const last = i === path.length - 1;
      const nextIsIndex = !last && /^\d+$/.test(path[i + 1]);
      const key = Array.isArray(node) ? Number(segment) : segment;
      if (last) node[key as never] = value as never;
      else node = (node[key as never] ??= (nextIsIndex ? [] : {}) as never) as Obj;
    });
  }
  return root;
}

function list(data: Obj[], url: string): Obj {
  return { object: 'list', data, has_more: false, url };
}

function stripeError(status: number, type: string, message: string, extra: Obj = {}) {
  return { status, body: { error: { type, message, ...extra } } };
}

/** An HTTP answer of the fake: status, JSON body, and any headers beyond the ones every answer has. */
type FakeAnswer = { status: number; body: Obj; headers?: Record<string, string> };

/** Parameters in a canonical form (keys sorted), to compare a retried request with the original. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Obj)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export class FakeStripe {
  readonly customers = new Map<string, Obj>();
  readonly products = new Map<string, Obj>();
  readonly prices = new Map<string, Obj>();
  readonly subscriptions = new Map<string, Obj>();
  readonly invoices = new Map<string, Obj>();
  readonly paymentIntents = new Map<string, Obj>();
  readonly charges = new Map<string, Obj>();
  readonly disputes = new Map<string, Obj>();
  readonly invoicePayments = new Map<string, Obj>();
  readonly portalConfigurations = new Map<string, Obj>();
  /** Cards the shopper paid with (a `payment_method` of type card, as Stripe stores it). */
  readonly paymentMethods = new Map<string, Obj>();
  readonly requests: RecordedRequest[] = [];
  /** Every event this fake created, oldest first, whether or not it was delivered: GET /v1/events serves them. */
  readonly events: FakeStripeEvent[] = [];
  /** While set, every API call fails as if Stripe were down (HTTP 503 api_error). */
  unavailable = false;
  /** Billing mode for new subscriptions: flexible (default since clover) schedules cancellation with cancel_at. */
  billingMode: 'flexible' | 'classic' = 'flexible';
  /** When set, events caused through the API (Stripe.js confirming a payment) are delivered here, signed, in order. */
  webhook?: { url: string; secret: string };
  readonly deliveries: { event: string; status: number }[] = [];
  private deliveryChain: Promise<void> = Promise.resolve();
  /**
   * Artificial processing time of every POST, in ms. While a POST runs, its Idempotency-Key is in
   * flight: another POST with that key gets Stripe's 409 `idempotency_key_in_use`.
   */
  postLatencyMs = 0;
  /** Artificial time to answer a GET, in ms (Stripe's reads take tens of milliseconds). */
  readLatencyMs = 0;
  /** Saved answers by Idempotency-Key (Stripe scopes keys to the account, not to an endpoint). */
  private readonly idempotent = new Map<string, { request: string; status: number; body: Obj }>();
  /** Idempotency-Keys of POSTs still executing. */
  private readonly inFlight = new Set<string>();
  private server?: Server;
  private clock = Math.floor(Date.now() / 1000);
  port = 0;

  /** Stripe's clock for this fake (seconds); test controls move it forward. */
  now(): number {
    return this.clock;
  }
  advance(seconds: number): void {
    this.clock += seconds;
  }

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', resolve);
    });
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Environment variables that point our Stripe client at this fake. */
  env(): Record<string, string> {
    return { STRIPE_SECRET_KEY: 'sk_test_fake', STRIPE_API_HOST: '127.0.0.1', STRIPE_API_PORT: String(this.port), STRIPE_API_PROTOCOL: 'http' };
  }

  // ---- fixtures -----------------------------------------------------------------------------

  /** The product and $9.99/month price with its lookup key, as scripts/stripe-setup.ts creates them. */
  seedPremiumPrice(lookupKey = 'premium_monthly', unitAmount = 999): Obj {
    const product = this.createProduct({ name: 'Premium' });
    return this.createPrice({ product: product.id, unit_amount: String(unitAmount), currency: 'usd', recurring: { interval: 'month' }, lookup_key: lookupKey });
  }

  // ---- HTTP ---------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://fake');
    const params = req.method === 'GET' || req.method === 'DELETE' ? parseStripeForm(url.search.slice(1)) : parseStripeForm(Buffer.concat(chunks).toString());
    const idempotencyKey = (req.headers['idempotency-key'] as string | undefined) ?? null;
    this.requests.push({ method: req.method ?? '', path: url.pathname, params, idempotencyKey, stripeVersion: (req.headers['stripe-version'] as string) ?? null });

    let result: FakeAnswer;
    // Stripe.js calls the API from the browser with the publishable key and a client secret.
    const publishable = typeof params.key === 'string' && params.key.startsWith('pk_test_') && /^\/v1\/(payment_intents|setup_intents)\//.test(url.pathname);
    if (req.method === 'OPTIONS') {
      result = { status: 204, body: {} };
    } else if (this.unavailable) {
      result = stripeError(503, 'api_error', 'Fake Stripe is unavailable');
    } else if (!publishable && !/^Bearer sk_test_/.test(req.headers.authorization ?? '')) {
      result = stripeError(401, 'invalid_request_error', 'Invalid API Key provided');
    } else if (req.method === 'POST') {
      result = await this.post(url.pathname, params, idempotencyKey);
    } else {
      if (req.method === 'GET' && this.readLatencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.readLatencyMs).unref());
      result = this.execute(req.method ?? 'GET', url.pathname, params);
    }
    res.writeHead(result.status, {
      'content-type': 'application/json', 'request-id': id('req'),
      ...(idempotencyKey && req.method === 'POST' ? { 'idempotency-key': idempotencyKey } : {}),
      ...result.headers,
      'access-control-allow-origin': '*', 'access-control-allow-headers': '*',
    });
    res.end(result.status === 204 ? undefined : JSON.stringify(result.body));
  }

  /**
   * A POST through Stripe's idempotency layer (https://docs.stripe.com/api/idempotent_requests,
   * https://docs.stripe.com/error-low-level#idempotency). With an Idempotency-Key:
   * - while a request with the key is still executing, another gets 409 `idempotency_key_in_use`
   *   (type `invalid_request_error`, no Stripe-Should-Retry header); nothing is saved for it, so it
   *   may be retried with the same key;
   * - once the first finished, its saved answer is replayed, marked `Idempotent-Replayed: true`;
   * - the key sent to another endpoint or with other parameters gets 400 `idempotency_error`.
   */
  private async post(path: string, params: Obj, key: string | null): Promise<FakeAnswer> {
    if (!key) {
      await this.processing();
      return this.execute('POST', path, params);
    }
    if (this.inFlight.has(key)) {
      return stripeError(409, 'invalid_request_error',
        `There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): ${key}. Please try again later.`,
        { code: 'idempotency_key_in_use', doc_url: 'https://stripe.com/docs/error-codes/idempotency-key-in-use' });
    }
    const request = `POST ${path} ${canonical(params)}`;
    const saved = this.idempotent.get(key);
    if (saved && saved.request !== request) {
      return stripeError(400, 'idempotency_error',
        `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`);
    }
    if (saved) return { status: saved.status, body: saved.body, headers: { 'idempotent-replayed': 'true' } };
    this.inFlight.add(key);
    try {
      await this.processing();
      const result = this.execute('POST', path, params);
      if (result.status < 500) this.idempotent.set(key, { request, ...result });
      return result;
    } finally {
      this.inFlight.delete(key);
    }
  }

  /** Holds a POST in flight for postLatencyMs (the timer does not keep the test process alive). */
  private processing(): Promise<void> {
    const ms = this.postLatencyMs;
    return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms).unref()) : Promise.resolve();
  }

  private execute(method: string, path: string, params: Obj): FakeAnswer {
    try {
      return { status: 200, body: this.route(method, path, params) };
    } catch (error) {
      return (error as { status?: number; body?: Obj }).status
        ? (error as FakeAnswer)
        : stripeError(500, 'api_error', String(error));
    }
  }

  private route(method: string, path: string, p: Obj): Obj {
    const parts = path.split('/').filter(Boolean); // ['v1', resource, id?, action?]
    if (parts[0] === '_fake' && method === 'POST') return { events: this.control(parts[2], parts[3], p) };
    const [, resource, objectId, action] = parts;
    const key = `${method} ${resource}${objectId ? '/:id' : ''}${action ? `/${action}` : ''}`;
    const expand: string[] = Object.values(p.expand ?? {});
    switch (key) {
      case 'POST customers':
        return this.createCustomer(p);
      case 'GET customers/:id': {
        const customer = clone(this.must(this.customers, objectId, 'customer'));
        const pm = customer.invoice_settings.default_payment_method;
        if (expand.includes('invoice_settings.default_payment_method') && pm) customer.invoice_settings.default_payment_method = clone(this.paymentMethods.get(pm));
        return customer;
      }
      case 'GET payment_methods/:id':
        return clone(this.must(this.paymentMethods, objectId, 'payment_method'));
      case 'DELETE customers/:id': {
        this.must(this.customers, objectId, 'customer');
        this.deleteCustomer(objectId); // Stripe cancels the customer's subscriptions too
        return { id: objectId, object: 'customer', deleted: true };
      }
      case 'POST products':
        return this.createProduct(p);
      case 'GET products':
        return list([...this.products.values()].filter((x) => p.active === undefined || String(x.active) === p.active).map(clone), '/v1/products');
      case 'POST prices':
        return this.createPrice(p);
      case 'POST prices/:id':
        return this.updatePrice(objectId, p);
      case 'GET prices':
        return list(this.listPrices(p).map((price) => (expand.includes('data.product') ? { ...clone(price), product: clone(this.products.get(price.product)) } : clone(price))), '/v1/prices');
      case 'POST subscriptions':
        return this.render(this.createSubscription(p), expand);
      case 'GET subscriptions':
        return list(
          [...this.subscriptions.values()]
            .filter((s) => !p.customer || s.customer === p.customer)
            // Without a status filter Stripe lists every subscription that is not canceled.
            .filter((s) => (p.status ? p.status === 'all' || s.status === p.status : s.status !== 'canceled'))
            .map((s) => this.render(s, expand.map((e) => e.replace(/^data\./, '')))),
          '/v1/subscriptions',
        );
      case 'GET subscriptions/:id':
        return this.render(this.must(this.subscriptions, objectId, 'subscription'), expand);
      case 'POST subscriptions/:id':
        return this.render(this.updateSubscription(objectId, p), expand);
      case 'DELETE subscriptions/:id':
        return this.render(this.cancelSubscription(objectId).subscription, expand);
      case 'GET charges/:id':
        return clone(this.must(this.charges, objectId, 'charge'));
      case 'GET disputes':
        return list(
          [...this.disputes.values()]
            .filter((d) => (!p.charge || d.charge === p.charge) && (!p.payment_intent || d.payment_intent === p.payment_intent))
            .sort((a, b) => b.created - a.created)
            .map(clone),
          '/v1/disputes',
        );
      case 'GET invoices/:id':
        return this.renderInvoice(this.must(this.invoices, objectId, 'invoice'), expand);
      case 'GET events':
        return this.listEvents(p);
      case 'GET events/:id':
        return clone(this.must(new Map(this.events.map((e) => [e.id, e])), objectId, 'event'));
      case 'GET invoice_payments': {
        const matches = [...this.invoicePayments.values()].filter(
          (ip) => (!p.invoice || ip.invoice === p.invoice) && (!p.payment?.payment_intent || ip.payment.payment_intent === p.payment.payment_intent),
        );
        return list(matches.map((ip) => (expand.includes('data.invoice') ? { ...clone(ip), invoice: this.renderInvoice(this.invoices.get(ip.invoice)!, []) } : clone(ip))), '/v1/invoice_payments');
      }
    }
    if (resource === 'payment_intents' && objectId) return this.paymentIntentRoute(method, objectId, action, p);
    if (resource === 'billing_portal' && objectId === 'configurations') {
      if (method === 'GET' && !action) return list([...this.portalConfigurations.values()].map(clone), '/v1/billing_portal/configurations');
      if (method === 'POST' && !action) return this.createPortalConfiguration(p);
      if (method === 'POST' && action) return this.updatePortalConfiguration(action, p);
    }
    if (resource === 'billing_portal' && objectId === 'sessions' && method === 'POST') return this.createPortalSession(p);
    throw stripeError(404, 'invalid_request_error', `Unrecognized request URL (${method}: ${path}). The fake serves only what this project calls.`);
  }

  /** `param` names the request field, as Stripe does: `id` for the path, `customer` for a body field. */
  private must(map: Map<string, Obj>, key: string, what: string, param = 'id'): Obj {
    const value = map.get(key);
    if (!value) throw stripeError(param === 'id' ? 404 : 400, 'invalid_request_error', `No such ${what}: '${key}'`, { code: 'resource_missing', param });
    return value;
  }

  // ---- resources ----------------------------------------------------------------------------

  private createCustomer(p: Obj): Obj {
    const customer = {
      id: id('cus'), object: 'customer', address: null, balance: 0, created: this.now(), currency: null, default_source: null,
      delinquent: false, description: p.description ?? null, email: p.email ?? null, invoice_prefix: randomBytes(4).toString('hex').toUpperCase(),
      invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
      livemode: false, metadata: p.metadata ?? {}, name: p.name ?? null, phone: null, preferred_locales: [], shipping: null,
      tax_exempt: 'none', test_clock: null,
    };
    this.customers.set(customer.id, customer);
    return clone(customer);
  }

  createProduct(p: Obj): Obj {
    const product = {
      id: id('prod'), object: 'product', active: p.active !== 'false', created: this.now(), default_price: null, description: p.description ?? null,
      images: [], livemode: false, marketing_features: [], metadata: p.metadata ?? {}, name: p.name, package_dimensions: null,
      shippable: null, statement_descriptor: null, tax_code: null, type: 'service', unit_label: null, updated: this.now(), url: null,
    };
    this.products.set(product.id, product);
    return clone(product);
  }

  createPrice(p: Obj): Obj {
    let productId = p.product;
    if (!productId && p.product_data) productId = this.createProduct(p.product_data).id;
    this.must(this.products, productId, 'product');
    if (p.lookup_key) {
      const holder = [...this.prices.values()].find((x) => x.lookup_key === p.lookup_key);
      if (holder && p.transfer_lookup_key !== 'true') {
        throw stripeError(400, 'invalid_request_error', `A price (\`${holder.id}\`) already uses that lookup key.`, { code: 'lookup_key_exists', param: 'lookup_key' });
      }
      if (holder) holder.lookup_key = null;
    }
    const unitAmount = Number(p.unit_amount);
    const price = {
      id: id('price'), object: 'price', active: p.active !== 'false', billing_scheme: 'per_unit', created: this.now(), currency: p.currency,
      custom_unit_amount: null, livemode: false, lookup_key: p.lookup_key ?? null, metadata: p.metadata ?? {}, nickname: p.nickname ?? null,
      product: productId,
      recurring: p.recurring ? { interval: p.recurring.interval, interval_count: Number(p.recurring.interval_count ?? 1), meter: null, trial_period_days: p.recurring.trial_period_days ? Number(p.recurring.trial_period_days) : null, usage_type: 'licensed' } : null,
      tax_behavior: p.tax_behavior ?? 'unspecified', tiers_mode: null, transform_quantity: null, type: p.recurring ? 'recurring' : 'one_time',
      unit_amount: unitAmount, unit_amount_decimal: String(unitAmount),
    };
    this.prices.set(price.id, price);
    return clone(price);
  }

  private updatePrice(priceId: string, p: Obj): Obj {
    const price = this.must(this.prices, priceId, 'price');
    if (p.active !== undefined) price.active = p.active === 'true';
    if (p.lookup_key !== undefined) {
      const holder = [...this.prices.values()].find((x) => x.lookup_key === p.lookup_key && x.id !== priceId);
      if (holder && p.transfer_lookup_key !== 'true') throw stripeError(400, 'invalid_request_error', 'lookup key in use', { code: 'lookup_key_exists' });
      if (holder) holder.lookup_key = null;
      price.lookup_key = p.lookup_key;
    }
    return clone(price);
  }

  private listPrices(p: Obj): Obj[] {
    const keys: string[] = Object.values(p.lookup_keys ?? {});
    return [...this.prices.values()]
      .filter((price) => keys.length === 0 || keys.includes(price.lookup_key))
      .filter((price) => p.active === undefined || String(price.active) === p.active)
      .filter((price) => !p.product || price.product === p.product);
  }

  private createSubscription(p: Obj): Obj {
    const customer = this.must(this.customers, p.customer, 'customer', 'customer');
    const price = this.must(this.prices, p.items?.[0]?.price, 'price', 'items[0][price]');
    if (p.payment_behavior !== 'default_incomplete') {
      throw stripeError(400, 'invalid_request_error', 'This fake only supports payment_behavior=default_incomplete');
    }
    const start = this.now();
    const subId = id('sub');
    const item = this.subscriptionItem(subId, price, start);
    const sub: Obj = {
      id: subId, object: 'subscription', application: null, application_fee_percent: null,
      automatic_tax: { disabled_reason: null, enabled: false, liability: null }, billing_cycle_anchor: start,
      billing_mode: { type: this.billingMode, ...(this.billingMode === 'flexible' ? { flexible: { proration_discounts: 'included' } } : {}), updated_at: start },
      billing_thresholds: null, cancel_at: null, cancel_at_period_end: false, canceled_at: null,
      cancellation_details: { comment: null, feedback: null, reason: null }, collection_method: 'charge_automatically',
      created: start, currency: price.currency, customer: customer.id, customer_account: null, days_until_due: null,
      default_payment_method: null, default_source: null, default_tax_rates: [], description: null, discounts: [], ended_at: null,
      invoice_settings: { account_tax_ids: null, issuer: { type: 'self' } },
      items: { object: 'list', data: [item], has_more: false, total_count: 1, url: `/v1/subscription_items?subscription=${subId}` },
      latest_invoice: null, livemode: false, metadata: p.metadata ?? {}, next_pending_invoice_item_invoice: null, on_behalf_of: null,
      pause_collection: null,
      payment_settings: { payment_method_options: null, payment_method_types: null, save_default_payment_method: p.payment_settings?.save_default_payment_method ?? 'off' },
      pending_invoice_item_interval: null, pending_setup_intent: null, pending_update: null, schedule: null, start_date: start,
      status: 'incomplete', test_clock: null, transfer_data: null, trial_end: null, trial_settings: { end_behavior: { missing_payment_method: 'create_invoice' } }, trial_start: null,
    };
    this.subscriptions.set(sub.id, sub);
    sub.latest_invoice = this.createInvoice(sub, 'subscription_create').id;
    return sub;
  }

  private subscriptionItem(subId: string, price: Obj, start: number): Obj {
    return {
      id: id('si'), object: 'subscription_item', billing_thresholds: null, created: start,
      current_period_end: start + 30 * DAY, current_period_start: start, current_trial: null, discounts: [], metadata: {},
      plan: { id: price.id, object: 'plan', active: true, amount: price.unit_amount, amount_decimal: String(price.unit_amount), billing_scheme: 'per_unit', created: price.created, currency: price.currency, interval: price.recurring.interval, interval_count: 1, livemode: false, metadata: {}, meter: null, nickname: null, product: price.product, tiers_mode: null, transform_usage: null, trial_period_days: null, usage_type: 'licensed' },
      price: clone(price), quantity: 1, subscription: subId, tax_rates: [],
    };
  }

  private createInvoice(sub: Obj, billingReason: string): Obj {
    const item = sub.items.data[0];
    const amount = item.price.unit_amount;
    const invoiceId = id('in');
    const pi = {
      id: id('pi'), object: 'payment_intent', amount, amount_capturable: 0, amount_received: 0, canceled_at: null,
      capture_method: 'automatic_async', client_secret: '', confirmation_method: 'automatic', created: this.now(), currency: sub.currency,
      customer: sub.customer, description: 'Subscription creation', last_payment_error: null, latest_charge: null, livemode: false,
      metadata: {}, next_action: null, payment_method: null, status: 'requires_payment_method',
    };
    pi.client_secret = `${pi.id}_secret_${randomBytes(12).toString('hex')}`;
    this.paymentIntents.set(pi.id, pi);
    const invoice: Obj = {
      id: invoiceId, object: 'invoice', account_country: 'US', account_name: 'Fake Stripe Account', amount_due: amount, amount_overpaid: 0,
      amount_paid: 0, amount_remaining: amount, amount_shipping: 0, attempt_count: 0, attempted: false, auto_advance: true,
      billing_reason: billingReason, collection_method: 'charge_automatically', created: this.now(), currency: sub.currency,
      customer: sub.customer, customer_email: this.customers.get(sub.customer)?.email ?? null, description: null,
      hosted_invoice_url: `https://invoice.stripe.com/i/fake/${invoiceId}`, last_finalization_error: null,
      lines: {
        object: 'list', has_more: false, url: `/v1/invoices/${invoiceId}/lines`,
        data: [{
          id: id('il'), object: 'line_item', amount, currency: sub.currency, description: `1 × ${item.price.product}`, discount_amounts: [],
          discountable: true, discounts: [], invoice: invoiceId, livemode: false, metadata: {},
          parent: { invoice_item_details: null, subscription_item_details: { invoice_item: null, proration: false, proration_details: { credited_items: null }, subscription: sub.id, subscription_item: item.id }, type: 'subscription_item_details' },
          period: { end: item.current_period_end, start: item.current_period_start },
          pretax_credit_amounts: [], pricing: { price_details: { price: item.price.id, product: item.price.product }, type: 'price_details', unit_amount_decimal: String(amount) },
          quantity: 1, subscription: sub.id, taxes: [],
        }],
      },
      livemode: false, metadata: {}, next_payment_attempt: null, number: `FAKE-${this.invoices.size + 1}`,
      parent: { quote_details: null, subscription_details: { metadata: clone(sub.metadata), subscription: sub.id }, type: 'subscription_details' },
      period_end: item.current_period_start, period_start: item.current_period_start,
      status: 'open', status_transitions: { finalized_at: this.now(), marked_uncollectible_at: null, paid_at: null, voided_at: null },
      subtotal: amount, total: amount,
      // internal, removed when rendered
      _payment_intent: pi.id,
    };
    this.invoices.set(invoiceId, invoice);
    return invoice;
  }

  private renderInvoice(invoice: Obj, expand: string[]): Obj {
    const { _payment_intent, ...visible } = clone(invoice);
    if (expand.includes('confirmation_secret') && invoice.status === 'open') {
      visible.confirmation_secret = { client_secret: this.paymentIntents.get(_payment_intent)!.client_secret, type: 'payment_intent' };
    } else if (expand.includes('confirmation_secret')) {
      visible.confirmation_secret = null;
    }
    return visible;
  }

  private render(sub: Obj, expand: string[]): Obj {
    const out = clone(sub);
    const invoiceExpands = expand.filter((e) => e.startsWith('latest_invoice')).map((e) => e.replace(/^latest_invoice\.?/, ''));
    if (invoiceExpands.length && sub.latest_invoice) out.latest_invoice = this.renderInvoice(this.invoices.get(sub.latest_invoice)!, invoiceExpands);
    if (expand.includes('default_payment_method') && sub.default_payment_method) out.default_payment_method = clone(this.paymentMethods.get(sub.default_payment_method));
    return out;
  }

  private updateSubscription(subId: string, p: Obj): Obj {
    const sub = this.must(this.subscriptions, subId, 'subscription');
    if (sub.status === 'canceled') throw stripeError(400, 'invalid_request_error', 'A canceled subscription can only update its cancellation_details and metadata.');
    if (p.cancel_at_period_end !== undefined) {
      sub.cancel_at_period_end = p.cancel_at_period_end === 'true';
      sub.canceled_at = sub.cancel_at_period_end ? this.now() : null;
    }
    if (p.metadata) sub.metadata = { ...sub.metadata, ...p.metadata };
    return sub;
  }

  private cancelSubscription(subId: string): { subscription: Obj } {
    const sub = this.must(this.subscriptions, subId, 'subscription');
    sub.status = 'canceled';
    sub.canceled_at = sub.canceled_at ?? this.now();
    sub.ended_at = this.now();
    sub.cancellation_details = { comment: null, feedback: null, reason: 'cancellation_requested' };
    return { subscription: sub };
  }

  private createPortalSession(p: Obj): Obj {
    this.must(this.customers, p.customer, 'customer', 'customer');
    return {
      id: id('bps'), object: 'billing_portal.session', configuration: [...this.portalConfigurations.keys()][0] ?? id('bpc'),
      created: this.now(), customer: p.customer, flow: null, livemode: false, locale: p.locale ?? null, on_behalf_of: null,
      return_url: p.return_url ?? null, url: `https://billing.stripe.com/p/session/test_${randomBytes(16).toString('hex')}`,
    };
  }

  private createPortalConfiguration(p: Obj): Obj {
    const config = {
      id: id('bpc'), object: 'billing_portal.configuration', active: true, application: null,
      business_profile: p.business_profile ?? { headline: null, privacy_policy_url: null, terms_of_service_url: null },
      created: this.now(), default_return_url: p.default_return_url ?? null, features: p.features ?? {},
      is_default: this.portalConfigurations.size === 0, livemode: false, login_page: { enabled: false, url: null },
      metadata: p.metadata ?? {}, name: p.name ?? null, updated: this.now(),
    };
    this.portalConfigurations.set(config.id, config);
    return clone(config);
  }

  private updatePortalConfiguration(configId: string, p: Obj): Obj {
    const config = this.must(this.portalConfigurations, configId, 'billing_portal.configuration');
    Object.assign(config, { ...p, updated: this.now() });
    return clone(config);
  }

  // ---- Stripe.js: confirming a payment from the browser ------------------------------------------

  /** Test card numbers, as Stripe's test mode treats them. */
  static readonly cards = { success: '4242424242424242', declined: '4000000000000002', threeDSecure: '4000002500003155' };

  private paymentIntentRoute(method: string, piId: string, action: string | undefined, p: Obj): Obj {
    const pi = this.must(this.paymentIntents, piId, 'payment_intent');
    if (p.client_secret !== undefined && p.client_secret !== pi.client_secret) {
      throw stripeError(400, 'invalid_request_error', 'The client_secret provided does not match the client_secret associated with the PaymentIntent.');
    }
    const invoice = [...this.invoices.values()].find((i) => i._payment_intent === piId)!;
    const sub = this.subscriptions.get(invoice.parent.subscription_details.subscription)!;
    if (method === 'GET' && !action) return clone(pi);
    if (method === 'POST' && action === 'confirm') {
      const number = String(p.payment_method_data?.card?.number ?? '').replace(/\s/g, '');
      if (number === FakeStripe.cards.declined) {
        this.deliver(this.payFirstInvoice(sub.id, 'declined'));
        throw stripeError(402, 'card_error', 'Your card was declined.', { code: 'card_declined', decline_code: 'generic_decline', payment_intent: clone(pi) });
      }
      if (number === FakeStripe.cards.threeDSecure) {
        this.deliver(this.payFirstInvoice(sub.id, 'requires_action'));
        return clone(pi);
      }
      if (number !== FakeStripe.cards.success) {
        throw stripeError(402, 'card_error', 'Your card number is incorrect.', { code: 'incorrect_number' });
      }
      pi.payment_method = this.createCardPaymentMethod(number, pi.customer);
      this.deliver(this.payFirstInvoice(sub.id, 'succeeded'));
      return clone(pi);
    }
    if (method === 'POST' && action === 'authenticate') {
      // FAKE-only: the outcome of the 3-D Secure challenge the fake Stripe.js shows.
      if (p.outcome === 'succeeded') this.deliver(this.settleInvoice(sub, invoice, 'active'));
      else Object.assign(pi, { status: 'requires_payment_method', next_action: null, last_payment_error: { code: 'payment_intent_authentication_failure', type: 'card_error', message: 'We are unable to authenticate your payment method. Please choose a different payment method and try again.' } });
      return clone(pi);
    }
    throw stripeError(404, 'invalid_request_error', `Unrecognized request URL (${method}: /v1/payment_intents/${piId}/${action ?? ''})`);
  }

  /** The card a shopper typed, stored as Stripe stores it (brand and last 4 digits, never the number). */
  createCardPaymentMethod(number: string, customer: string | null): string {
    const brand = number.startsWith('4') ? 'visa' : number.startsWith('5') ? 'mastercard' : number.startsWith('3') ? 'amex' : 'unknown';
    const pm = {
      id: id('pm'), object: 'payment_method', allow_redisplay: 'unspecified', billing_details: { address: null, email: null, name: null, phone: null },
      card: {
        brand, checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' }, country: 'US', display_brand: brand,
        exp_month: 12, exp_year: new Date().getUTCFullYear() + 8, funding: 'credit', last4: number.slice(-4), networks: { available: [brand], preferred: null }, wallet: null,
      },
      created: this.now(), customer, livemode: false, metadata: {}, type: 'card',
    };
    this.paymentMethods.set(pm.id, pm);
    return pm.id;
  }

  /** Sends events to the configured webhook, signed, one after another (as Stripe would, but in order). */
  deliver(events: FakeStripeEvent[]): void {
    const target = this.webhook;
    if (!target) return;
    for (const event of events) {
      this.deliveryChain = this.deliveryChain.then(async () => {
        const payload = JSON.stringify(event);
        const res = await fetch(target.url, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': await signStripePayload(payload, target.secret) }, body: payload })
          .catch(() => ({ status: 0 }));
        this.deliveries.push({ event: event.type, status: res.status });
      });
    }
  }

  /**
   * FAKE-only HTTP controls, for the local sandbox (`npm run simulate`), which runs in another
   * process: POST /_fake/subscriptions/<id>/<pay|renew|recover|schedule_cancellation|end>.
   * They move the subscription as Stripe would and return the events Stripe would send.
   */
  private control(subId: string, action: string, p: Obj): FakeStripeEvent[] {
    switch (action) {
      case 'pay':
        return this.payFirstInvoice(subId, (p.outcome ?? 'succeeded') as 'succeeded');
      case 'renew':
        return this.renew(subId, (p.outcome ?? 'succeeded') as 'succeeded');
      case 'recover':
        return this.recover(subId);
      case 'schedule_cancellation':
        return this.scheduleCancellation(subId);
      case 'end':
        return this.endSubscription(subId, (p.when ?? 'period_end') as 'period_end');
      case 'refund':
        return this.refundLatestInvoice(subId);
      default:
        throw stripeError(404, 'invalid_request_error', `Unknown fake control ${action}`);
    }
  }

  // ---- lifecycle controls (what a customer, the bank or Stripe's clock would do) --------------

  event(type: string, object: Obj, previousAttributes?: Obj): FakeStripeEvent {
    const data: FakeStripeEvent['data'] = { object: type.startsWith('invoice.') ? this.renderInvoice(object, []) : clone(object) };
    if (previousAttributes) data.previous_attributes = previousAttributes;
    const event: FakeStripeEvent = {
      id: id('evt'), object: 'event', api_version: FAKE_STRIPE_API_VERSION, created: this.now(), data, livemode: false,
      pending_webhooks: 1, request: { id: null, idempotency_key: null }, type,
    };
    this.events.push(clone(event));
    return event;
  }

  /**
   * GET /v1/events with Stripe's list semantics (https://docs.stripe.com/api/events/list,
   * https://docs.stripe.com/api/pagination): newest first; `created` as a number or a range
   * (gt/gte/lt/lte); `type` (with `*` wildcards) or `types[]` (up to 20), not both; `limit` 1–100
   * (default 10); `starting_after` (older than that event) or `ending_before` (newer than it: the
   * page closest to it), not both; `has_more` says whether more lie beyond the page in that direction.
   */
  private listEvents(p: Obj): Obj {
    if (p.type !== undefined && p.types !== undefined) throw stripeError(400, 'invalid_request_error', 'You may only specify one of these parameters: type, types.');
    if (p.starting_after !== undefined && p.ending_before !== undefined) {
      throw stripeError(400, 'invalid_request_error', 'You may only specify one of these parameters: ending_before, starting_after.');
    }
    const limit = p.limit === undefined ? 10 : Number(p.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      throw stripeError(400, 'invalid_request_error', 'This value must be greater than or equal to 1 and less than or equal to 100.', { param: 'limit' });
    }
    const types: string[] | null = p.types === undefined ? null : Object.values(p.types);
    if (types && types.length > 20) throw stripeError(400, 'invalid_request_error', 'You may pass at most 20 types.', { param: 'types' });
    const pattern = typeof p.type === 'string' ? new RegExp(`^${p.type.split('*').map((s: string) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`) : null;
    const created = p.created;
    const inRange = (t: number) => {
      if (created === undefined) return true;
      if (typeof created !== 'object') return t === Number(created);
      return (created.gt === undefined || t > Number(created.gt)) && (created.gte === undefined || t >= Number(created.gte))
        && (created.lt === undefined || t < Number(created.lt)) && (created.lte === undefined || t <= Number(created.lte));
    };
    // Position in Stripe's order: by creation time, then by creation order within a second.
    const order = new Map(this.events.map((e, i) => [e.id, i]));
    const newestFirst = (a: FakeStripeEvent, b: FakeStripeEvent) => b.created - a.created || order.get(b.id)! - order.get(a.id)!;
    const matching = this.events
      .filter((e) => inRange(e.created) && (!types || types.includes(e.type)) && (!pattern || pattern.test(e.type)))
      .sort(newestFirst);
    const anchorId = p.starting_after ?? p.ending_before;
    let page: FakeStripeEvent[];
    let hasMore: boolean;
    if (anchorId === undefined) {
      page = matching.slice(0, limit);
      hasMore = matching.length > limit;
    } else {
      const anchor = this.events.find((e) => e.id === anchorId);
      if (!anchor) {
        throw stripeError(400, 'invalid_request_error', `No such event: '${anchorId}'`, { code: 'resource_missing', param: p.starting_after ? 'starting_after' : 'ending_before' });
      }
      if (p.starting_after !== undefined) {
        const older = matching.filter((e) => newestFirst(anchor, e) < 0);
        page = older.slice(0, limit);
        hasMore = older.length > limit;
      } else {
        const newer = matching.filter((e) => newestFirst(e, anchor) < 0);
        page = newer.slice(Math.max(0, newer.length - limit));
        hasMore = newer.length > limit;
      }
    }
    return { object: 'list', data: page.map(clone), has_more: hasMore, url: '/v1/events' };
  }

  /** The customer submits the payment form for the first invoice. */
  payFirstInvoice(subId: string, outcome: 'succeeded' | 'requires_action' | 'declined'): FakeStripeEvent[] {
    const sub = this.must(this.subscriptions, subId, 'subscription');
    const invoice = this.invoices.get(sub.latest_invoice)!;
    const pi = this.paymentIntents.get(invoice._payment_intent)!;
    invoice.attempt_count += 1;
    invoice.attempted = true;
    if (outcome === 'requires_action') {
      pi.status = 'requires_action';
      pi.payment_method = this.createCardPaymentMethod(FakeStripe.cards.threeDSecure, pi.customer);
      pi.next_action = { type: 'use_stripe_sdk', use_stripe_sdk: { type: 'three_d_secure_redirect' } };
      return [this.event('invoice.payment_action_required', invoice)];
    }
    if (outcome === 'declined') {
      pi.status = 'requires_payment_method';
      pi.last_payment_error = { code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.', type: 'card_error' };
      return [this.event('invoice.payment_failed', invoice)];
    }
    return this.settleInvoice(sub, invoice, 'active');
  }

  private settleInvoice(sub: Obj, invoice: Obj, statusAfter: string): FakeStripeEvent[] {
    const pi = this.paymentIntents.get(invoice._payment_intent)!;
    const charge = {
      id: id('ch'), object: 'charge', amount: pi.amount, amount_captured: pi.amount, amount_refunded: 0, balance_transaction: id('txn'),
      billing_details: { address: null, email: null, name: null, phone: null }, captured: true, created: this.now(), currency: pi.currency,
      customer: pi.customer, description: pi.description, disputed: false, failure_code: null, failure_message: null, livemode: false,
      metadata: {}, outcome: { network_status: 'approved_by_network', reason: null, risk_level: 'normal', seller_message: 'Payment complete.', type: 'authorized' },
      paid: true, payment_intent: pi.id, payment_method: pi.payment_method ?? sub.default_payment_method ?? this.createCardPaymentMethod(FakeStripe.cards.success, pi.customer), receipt_url: null, refunded: false, refunds: null, status: 'succeeded',
    };
    this.charges.set(charge.id, charge);
    Object.assign(pi, { status: 'succeeded', amount_received: pi.amount, latest_charge: charge.id, last_payment_error: null, next_action: null });
    Object.assign(invoice, { status: 'paid', amount_paid: invoice.amount_due, amount_remaining: 0, attempted: true });
    invoice.status_transitions.paid_at = this.now();
    const payment = {
      id: id('inpay'), object: 'invoice_payment', amount_paid: invoice.amount_due, amount_requested: invoice.amount_due, created: this.now(),
      currency: invoice.currency, invoice: invoice.id, is_default: true, livemode: false,
      payment: { payment_intent: pi.id, type: 'payment_intent' }, status: 'paid', status_transitions: { canceled_at: null, paid_at: this.now() },
    };
    this.invoicePayments.set(payment.id, payment);
    const previous = { status: sub.status };
    sub.status = statusAfter;
    sub.default_payment_method = charge.payment_method;
    return [this.event('invoice.paid', invoice), this.event('customer.subscription.updated', sub, previous)];
  }

  /** Stripe's clock reaches the period end: the period moves on and the renewal invoice is charged. */
  renew(subId: string, outcome: 'succeeded' | 'failed'): FakeStripeEvent[] {
    const sub = this.must(this.subscriptions, subId, 'subscription');
    const item = sub.items.data[0];
    this.clock = Math.max(this.clock, item.current_period_end) + 60;
    const previous = { items: clone(sub.items) };
    item.current_period_start = item.current_period_end;
    item.current_period_end = item.current_period_start + 30 * DAY;
    const invoice = this.createInvoice(sub, 'subscription_cycle');
    sub.latest_invoice = invoice.id;
    const periodEvent = this.event('customer.subscription.updated', sub, previous);
    if (outcome === 'succeeded') return [periodEvent, ...this.settleInvoice(sub, invoice, 'active')];
    invoice.attempt_count += 1;
    invoice.attempted = true;
    invoice.next_payment_attempt = this.now() + 3 * DAY;
    const pi = this.paymentIntents.get(invoice._payment_intent)!;
    pi.last_payment_error = { code: 'card_declined', decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.', type: 'card_error' };
    sub.status = 'past_due';
    return [periodEvent, this.event('invoice.payment_failed', invoice), this.event('customer.subscription.updated', sub, { status: 'active' })];
  }

  /** A retry (or the customer updating their card) pays the open renewal invoice. */
  recover(subId: string): FakeStripeEvent[] {
    const sub = this.must(this.subscriptions, subId, 'subscription');
    this.advance(2 * DAY);
    return this.settleInvoice(sub, this.invoices.get(sub.latest_invoice)!, 'active');
  }

  /** The customer cancels in the portal: at period end. */
  scheduleCancellation(subId: string): FakeStripeEvent[] {
    const sub = this.must(this.subscriptions, subId, 'subscription');
    this.advance(DAY);
    const previous = { cancel_at: sub.cancel_at, cancel_at_period_end: sub.cancel_at_period_end, canceled_at: sub.canceled_at };
    if (sub.billing_mode.type === 'flexible') sub.cancel_at = sub.items.data[0].current_period_end;
    else sub.cancel_at_period_end = true;
    sub.canceled_at = this.now();
    sub.cancellation_details = { comment: null, feedback: null, reason: 'cancellation_requested' };
    return [this.event('customer.subscription.updated', sub, previous)];
  }

  /** The scheduled end arrives, or the merchant cancels now. */
  endSubscription(subId: string, when: 'period_end' | 'now'): FakeStripeEvent[] {
    const sub = this.must(this.subscriptions, subId, 'subscription');
    if (when === 'period_end') this.clock = Math.max(this.clock, sub.items.data[0].current_period_end);
    else this.advance(60);
    this.cancelSubscription(subId);
    return [this.event('customer.subscription.deleted', sub)];
  }

  /** The charge that paid an invoice (default: the subscription's latest). */
  private chargeOf(subId: string, invoiceId?: string): { invoice: Obj; pi: Obj; charge: Obj } {
    const sub = this.must(this.subscriptions, subId, 'subscription');
    const invoice = this.must(this.invoices, invoiceId ?? sub.latest_invoice, 'invoice');
    const pi = this.paymentIntents.get(invoice._payment_intent)!;
    return { invoice, pi, charge: this.charges.get(pi.latest_charge)! };
  }

  /** Refunds the charge that paid an invoice (the latest unless named; fully unless an amount is given). */
  refundLatestInvoice(subId: string, amount?: number, invoiceId?: string): FakeStripeEvent[] {
    const { charge } = this.chargeOf(subId, invoiceId);
    this.advance(3600);
    const previous = { amount_refunded: charge.amount_refunded, refunded: charge.refunded };
    charge.amount_refunded = Math.min(charge.amount, charge.amount_refunded + (amount ?? charge.amount));
    charge.refunded = charge.amount_refunded === charge.amount;
    return [this.event('charge.refunded', charge, previous)];
  }

  /**
   * The cardholder disputes the charge of an invoice (the latest unless named). 'created' opens a
   * chargeback (needs_response), 'inquiry' an inquiry (warning_needs_response); 'won' / 'lost'
   * close the chargeback, 'inquiry_closed' the inquiry (warning_closed). As Stripe does, an inquiry
   * that escalates becomes a new dispute; here 'created' after 'inquiry' opens one.
   */
  disputeLatestInvoice(subId: string, phase: 'created' | 'won' | 'lost' | 'inquiry' | 'inquiry_closed', invoiceId?: string): FakeStripeEvent[] {
    const { pi, charge } = this.chargeOf(subId, invoiceId);
    this.advance(3600);
    const inquiry = phase === 'inquiry' || phase === 'inquiry_closed';
    const opening = phase === 'created' || phase === 'inquiry';
    const disputeId = `dp_${inquiry ? 'inq_' : ''}${pi.id.slice(3)}`;
    let dispute = this.disputes.get(disputeId);
    if (opening || !dispute) {
      dispute = {
        id: disputeId, object: 'dispute', amount: pi.amount, balance_transactions: [], charge: charge.id, created: this.now(), currency: pi.currency,
        evidence_details: { due_by: this.now() + 7 * DAY, has_evidence: false, past_due: false, submission_count: 0 },
        is_charge_refundable: inquiry, livemode: false, metadata: {}, payment_intent: pi.id, reason: 'fraudulent',
        status: inquiry ? 'warning_needs_response' : 'needs_response',
      };
      this.disputes.set(disputeId, dispute);
      charge.disputed = true;
    }
    if (!opening) dispute.status = phase === 'inquiry_closed' ? 'warning_closed' : phase;
    return [this.event(opening ? 'charge.dispute.created' : 'charge.dispute.closed', dispute)];
  }

  /** The merchant deletes the customer: Stripe cancels its subscriptions too. */
  deleteCustomer(customerId: string): FakeStripeEvent[] {
    const customer = this.must(this.customers, customerId, 'customer');
    this.advance(60);
    const events = [...this.subscriptions.values()]
      .filter((s) => s.customer === customerId && s.status !== 'canceled')
      .map((s) => {
        this.cancelSubscription(s.id);
        return this.event('customer.subscription.deleted', s);
      });
    this.customers.delete(customerId);
    return [this.event('customer.deleted', customer), ...events];
  }

  /** A secret-key POST to this fake's own HTTP API (`resource`: e.g. 'customers'), as a merchant's server sends it: setup for tests and benchmarks. */
  async apiPost(resource: string, params: Record<string, string>): Promise<Obj> {
    const res = await fetch(`http://127.0.0.1:${this.port}/v1/${resource}`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk_test_fake', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params).toString(),
    });
    const body = await res.json();
    if (!res.ok) throw new Error(`fake Stripe ${resource}: ${res.status} ${JSON.stringify(body)}`);
    return body;
  }

  /**
   * Drops the recorded requests, deliveries and the event log (GET /v1/events then lists only later
   * events). For long benchmarks: the history only grows, and a heap that grows makes every full
   * collection of the process serving this fake longer — a stall of its answers.
   */
  forgetHistory(): void {
    this.requests.length = 0;
    this.events.length = 0;
    this.deliveries.length = 0;
  }

  requestsTo(method: string, pathPrefix: string): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && r.path.startsWith(pathPrefix));
  }
}
