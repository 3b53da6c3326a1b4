// A Stripe webhook stack on its OWN embedded Postgres 17, for tests that take the database away
// (the shared test cluster serves other test files concurrently and must never go down).
//
// One cluster, two migrated databases cloned from one template: `app`, which the webhook under
// test writes and which loses its server, and `reference`, which a second webhook process fills
// with the same events and no outage — the state `app` must converge to.
import { randomBytes, randomUUID } from 'node:crypto';
import postgres, { type Sql } from 'postgres';
import { startLocalPostgres, type LocalPostgres } from '../../../scripts/lib/local-postgres.ts';
import { prepareMigratedDatabase } from '../../../scripts/lib/supabase-compat.ts';
import { FakeStripe, signStripePayload, type FakeStripeEvent } from '../fakes/fake-stripe.ts';
import { TEST_SUPABASE_URL } from './access-tokens.ts';
import { startEdgeFunction, type RunningFunction } from './edge-function.ts';
import { insertAuthUser } from './test-database.ts';

/** What a delivery came back with: an HTTP status, or how the connection failed. */
export type DeliveryOutcome = number | `network error: ${string}` | 'timeout';

export interface OutageStack {
  pg: LocalPostgres;
  stripe: FakeStripe;
  /** The webhook whose database goes away. */
  webhook: RunningFunction;
  /** The webhook on the reference database (never loses it). */
  referenceWebhook: RunningFunction;
  app: Sql;
  reference: Sql;
  subscriptionIds: string[];
  deliver(fn: RunningFunction, event: FakeStripeEvent, timeoutMs?: number): Promise<DeliveryOutcome>;
  /**
   * The billing state both databases must agree on: no row ids and no wall-clock times (the
   * webhook stamps each event with when it read Stripe, which differs between two runs).
   */
  billingState(sql: Sql): Promise<unknown>;
  stop(): Promise<void>;
}

const TEMPLATE = 'resilience_template';

export async function startOutageStack(options: { customers: number }): Promise<OutageStack> {
  const passwords = { postgres: randomBytes(12).toString('hex'), authenticator: randomBytes(12).toString('hex') };
  const pg = await startLocalPostgres({ unsafeFast: true });
  const cleanups: (() => Promise<unknown>)[] = [() => pg.stop()];
  const stopAll = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  };
  try {
    await prepareMigratedDatabase(pg, TEMPLATE, passwords);
    const admin = postgres(pg.adminUrl, { max: 1, onnotice: () => {} });
    try {
      for (const name of ['app', 'reference']) await admin.unsafe(`create database ${name} template ${TEMPLATE} owner postgres`);
    } finally {
      await admin.end();
    }
    const appUrl = pg.urlFor('app', 'postgres', passwords.postgres);
    const referenceUrl = pg.urlFor('reference', 'postgres', passwords.postgres);
    // The test's own connections: they too see the outage, and must not keep the test alive.
    const app = postgres(appUrl, { max: 2, onnotice: () => {}, idle_timeout: 1, connect_timeout: 5 });
    const reference = postgres(referenceUrl, { max: 2, onnotice: () => {}, idle_timeout: 1 });
    cleanups.push(() => app.end({ timeout: 1 }), () => reference.end({ timeout: 1 }));

    const stripe = await new FakeStripe().start();
    // Reads take as long as Stripe's do, so webhooks are still in flight when the database dies.
    stripe.readLatencyMs = 40;
    cleanups.push(() => stripe.stop());
    const price = stripe.seedPremiumPrice();

    // The same users and customer links in both databases; subscriptions in the fake Stripe.
    const subscriptionIds: string[] = [];
    for (let i = 0; i < options.customers; i++) {
      const userId = randomUUID();
      const customer = await stripe.apiPost('customers', { email: `u${i}@example.test`, 'metadata[supabase_user_id]': userId });
      const sub = await stripe.apiPost('subscriptions', {
        customer: customer.id, 'items[0][price]': price.id, payment_behavior: 'default_incomplete',
        'payment_settings[save_default_payment_method]': 'on_subscription',
      });
      subscriptionIds.push(sub.id);
      for (const sql of [app, reference]) {
        await insertAuthUser(sql, { id: userId, email: `u${i}@example.test` });
        await sql`select billing.link_stripe_customer(${userId}, ${customer.id}, false)`;
      }
    }

    const webhookSecret = `whsec_${randomBytes(24).toString('hex')}`;
    const env = (dbUrl: string): Record<string, string> => ({
      SUPABASE_DB_URL: dbUrl,
      SUPABASE_URL: TEST_SUPABASE_URL,
      STRIPE_WEBHOOK_SECRET: webhookSecret,
      STRIPE_PRICE_LOOKUP_KEY: 'premium_monthly',
      ...stripe.env(),
    });
    const webhook = await startEdgeFunction('stripe-webhook', env(appUrl));
    cleanups.push(() => webhook.stop());
    const referenceWebhook = await startEdgeFunction('stripe-webhook', env(referenceUrl));
    cleanups.push(() => referenceWebhook.stop());

    return {
      pg, stripe, webhook, referenceWebhook, app, reference, subscriptionIds,
      async deliver(fn, event, timeoutMs = 20_000) {
        const payload = JSON.stringify(event);
        try {
          const res = await fetch(fn.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': await signStripePayload(payload, webhookSecret) },
            body: payload,
            signal: AbortSignal.timeout(timeoutMs),
          });
          await res.arrayBuffer();
          return res.status;
        } catch (error) {
          if ((error as Error).name === 'TimeoutError') return 'timeout';
          const cause = (error as { cause?: { code?: string; message?: string } }).cause;
          return `network error: ${cause?.code ?? cause?.message ?? (error as Error).message}`;
        }
      },
      async billingState(sql) {
        const subscriptions = await sql`
          select store::text, store_subscription_id, user_id, product_id, status::text, expires_at, will_renew,
                 grace_period_expires_at, is_sandbox, is_family_shared, latest_payload
          from billing.store_subscriptions order by store_subscription_id`;
        // Processed either way: whether an event's read of Stripe was the newest (applied) or was
        // overtaken by a read that started later (stale) depends on timing, not on the outage.
        const events = await sql`
          select e.store::text, e.store_event_id, e.event_type, e.error, s.store_subscription_id,
                 case when e.result in ('applied', 'stale') then 'processed' else e.result::text end as result
          from billing.store_events e left join billing.store_subscriptions s on s.id = e.subscription_id
          order by e.store_event_id`;
        const customers = await sql`select user_id, stripe_customer_id from billing.stripe_customers order by stripe_customer_id`;
        return JSON.parse(JSON.stringify({ subscriptions, events, customers }));
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
