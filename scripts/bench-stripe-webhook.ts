// Benchmark: the real stripe-webhook function under Deno, on loopback, with concurrent senders.
//
//   npm run bench:webhook                          # 200 events/s for 20 s, then max throughput
//   npm run bench:webhook -- --rate 300 --seconds 30 --subscriptions 400
//
// Everything runs on this machine: embedded Postgres 17 (migrated), the FAKE Stripe API (the
// function retrieves each subscription from it, as it would from Stripe), the function under Deno,
// and the load generator. Each event is signed with Stripe's real scheme before the clock starts.
// Reports: latency p50/p90/p99 at a fixed arrival rate (open loop), the maximum events/s with
// concurrent senders (closed loop), and the cost of a duplicate delivery. Results also go to
// bench-results/bench-stripe-webhook.json.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { startLocalPostgres } from './lib/local-postgres.ts';
import { prepareMigratedDatabase } from './lib/supabase-compat.ts';
import { closedLoop, duplicateCost, numericArg, openLoop, timedPost, writeReport } from './lib/bench-util.ts';
import { FakeStripe, type FakeStripeEvent } from '../supabase/tests/fakes/fake-stripe.ts';
import { startEdgeFunction } from './lib/edge-functions.ts';
import { signStripePayload } from '../supabase/tests/helpers/stripe-stack.ts';

const RATE = numericArg('rate', 200);
const SECONDS = numericArg('seconds', 20);
const SUBSCRIPTIONS = numericArg('subscriptions', 300);
const CONCURRENCY = numericArg('concurrency', 16);
const log = (m: string) => console.log(`[bench] ${m}`);

async function stripeApi(stripe: FakeStripe, path: string, body: string) {
  const res = await fetch(`http://127.0.0.1:${stripe.port}${path}`, {
    method: 'POST',
    headers: { authorization: 'Bearer sk_test_bench', 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  return res.json() as Promise<{ id: string }>;
}

async function main() {
  const pg = await startLocalPostgres({});
  const stripe = await new FakeStripe().start();
  let fn: Awaited<ReturnType<typeof startEdgeFunction>> | undefined;
  try {
    const passwords = { postgres: randomBytes(12).toString('hex'), authenticator: randomBytes(12).toString('hex') };
    const { url } = await prepareMigratedDatabase(pg, 'postgres', passwords);
    const sql = postgres(url, { max: 2, onnotice: () => {} });
    const price = stripe.seedPremiumPrice();

    // Users with a Stripe customer and a paid subscription each.
    log(`creating ${SUBSCRIPTIONS} subscribed users`);
    const subscriptionIds: string[] = [];
    for (let i = 0; i < SUBSCRIPTIONS; i++) {
      const [{ id: userId }] = await sql`
        insert into auth.users (id, aud, role, email, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
        values (gen_random_uuid(), 'authenticated', 'authenticated', ${`bench${i}@example.test`}, '{}', '{}', now(), now()) returning id`;
      const customer = await stripeApi(stripe, '/v1/customers', `email=bench${i}%40example.test`);
      await sql`select billing.link_stripe_customer(${userId}, ${customer.id}, false)`;
      const sub = await stripeApi(stripe, '/v1/subscriptions', `customer=${customer.id}&items[0][price]=${price.id}&payment_behavior=default_incomplete`);
      stripe.payFirstInvoice(sub.id, 'succeeded');
      subscriptionIds.push(sub.id);
    }

    const webhookSecret = `whsec_${randomBytes(24).toString('hex')}`;
    fn = await startEdgeFunction('stripe-webhook', {
      SUPABASE_DB_URL: url,
      STRIPE_WEBHOOK_SECRET: webhookSecret,
      ...stripe.env(),
    });

    // Events: renewals, cancellations and invoice events over the subscriptions, pre-signed.
    const makeEvents = (count: number): FakeStripeEvent[] => {
      const out: FakeStripeEvent[] = [];
      for (let i = 0; out.length < count; i++) {
        const sub = subscriptionIds[i % subscriptionIds.length];
        out.push(...(i % 3 === 2 ? stripe.scheduleCancellation(sub) : stripe.renew(sub, 'succeeded')));
      }
      return out.slice(0, count);
    };
    const sign = async (events: FakeStripeEvent[]) =>
      Promise.all(events.map(async (e) => {
        const payload = JSON.stringify(e);
        return { payload, header: await signStripePayload(payload, webhookSecret) };
      }));
    const send = (d: { payload: string; header: string }) =>
      timedPost(fn!.url, { 'stripe-signature': d.header, 'content-type': 'application/json' }, d.payload);

    // Warm-up.
    for (const d of await sign(makeEvents(200))) await send(d);

    const open = await openLoop(await sign(makeEvents(RATE * SECONDS)), RATE, send);
    log(`open loop done: ${JSON.stringify(open.latency)}`);
    const closed = await closedLoop(await sign(makeEvents(3000)), CONCURRENCY, send);
    const duplicates = await duplicateCost(await sign(makeEvents(500)), send);

    await writeReport('bench-stripe-webhook', {
      setup: { subscriptions: SUBSCRIPTIONS, note: 'Postgres, Deno function, fake Stripe and load generator share this machine' },
      open_loop: { ...open, target_p99_under_50ms: open.latency.p99_ms < 50 },
      closed_loop: closed,
      ...duplicates,
    });
    await sql.end();
  } finally {
    await fn?.stop();
    await stripe.stop();
    await pg.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
