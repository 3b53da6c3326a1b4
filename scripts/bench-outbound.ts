// Benchmark: the outbound entitlement webhooks, on one embedded Postgres 17 and the real function.
//
//   npm run bench:outbound                          # 2,000 people / events
//   npm run bench:outbound -- --people 500          # quicker
//
// Measures:
//   * what change detection costs the write path: billing.apply_subscription_update per event
//     (a new subscription, a change, a duplicate, a stale event), with the announcement trigger and
//     with it disabled, sequentially on one connection;
//   * the sweep: re-reading people whose period ended, per person;
//   * delivery: one run of entitlement-webhooks (Deno) sending every pending event to a local
//     receiver that verifies each signature, answering at once and after 50 ms.
// Results are printed and written to bench-results/bench-outbound.json.
import { randomBytes, randomUUID } from 'node:crypto';
import postgres, { type Sql } from 'postgres';
import { startLocalPostgres } from './lib/local-postgres.ts';
import { prepareMigratedDatabase } from './lib/supabase-compat.ts';
import { numericArg, summarize, writeReport } from './lib/bench-util.ts';
import { callFunction, startEdgeFunction } from './lib/edge-functions.ts';
import { applySubscriptionUpdate, type SubscriptionUpdate } from '../supabase/functions/_shared/billing-db.ts';
import { startReceiver } from '../supabase/tests/outbound/receiver.ts';

const PEOPLE = numericArg('people', 2_000);
const DAY_MS = 86_400_000;
const log = (message: string) => console.log(`[bench] ${message}`);
const TRIGGER = 'store_subscriptions_announce_entitlement';

async function createUsers(owner: Sql, n: number): Promise<string[]> {
  const rows = await owner<{ id: string }[]>`
    insert into auth.users (instance_id, id, aud, role, email, encrypted_password, created_at, updated_at)
    select '00000000-0000-0000-0000-000000000000', gen_random_uuid(), 'authenticated', 'authenticated',
           'outbound-' || gen_random_uuid() || '@bench.test', '', now(), now()
    from generate_series(1, ${n})
    returning id`;
  return rows.map((r) => r.id);
}

function update(userId: string, subscriptionId: string, eventId: string, at: Date, willRenew: boolean): SubscriptionUpdate {
  return {
    store: 'stripe', eventId, eventType: 'customer.subscription.updated', eventAt: at, storeSubscriptionId: subscriptionId,
    userId, productId: 'prod_premium', status: 'active', expiresAt: new Date(Date.now() + 30 * DAY_MS), willRenew,
    gracePeriodExpiresAt: null, isSandbox: true,
  };
}

type ApplySamples = Record<'new' | 'change' | 'duplicate' | 'stale', number[]>;
const noSamples = (): ApplySamples => ({ new: [], change: [], duplicate: [], stale: [] });

/** Per-event latency of each kind of apply, for `users` people, one after another. */
async function measureApply(owner: Sql, users: string[], samples: ApplySamples = noSamples()) {
  const timed = async (kind: keyof typeof samples, u: SubscriptionUpdate) => {
    const start = performance.now();
    await applySubscriptionUpdate(owner, u);
    samples[kind].push(performance.now() - start);
  };
  const base = Date.now();
  for (const userId of users) {
    const sub = `sub_${randomUUID().replaceAll('-', '')}`;
    const first = update(userId, sub, `evt_${randomUUID()}`, new Date(base), true);
    await timed('new', first);
    await timed('change', update(userId, sub, `evt_${randomUUID()}`, new Date(base + 2000), false));
    await timed('duplicate', first);
    await timed('stale', update(userId, sub, `evt_${randomUUID()}`, new Date(base + 1000), true));
  }
  return samples;
}

const summaries = (samples: ApplySamples) => Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, summarize(v)]));

async function main() {
  const pg = await startLocalPostgres({});
  const passwords = { postgres: randomUUID(), authenticator: randomUUID() };
  let fn: Awaited<ReturnType<typeof startEdgeFunction>> | undefined;
  try {
    log(`Postgres 17 on port ${pg.port}`);
    const { url: dbUrl } = await prepareMigratedDatabase(pg, 'postgres', passwords);
    const owner = postgres(dbUrl, { max: 1, onnotice: () => {} });

    // 1. The write path, with and without change detection (warm-up first), in alternating rounds
    //    so that a change of load on the machine weighs on both alike.
    await measureApply(owner, await createUsers(owner, 200));
    const on = noSamples();
    const off = noSamples();
    const ROUNDS = 10;
    for (let round = 0; round < ROUNDS; round++) {
      await measureApply(owner, await createUsers(owner, Math.ceil(PEOPLE / ROUNDS)), on);
      await owner.unsafe(`alter table billing.store_subscriptions disable trigger ${TRIGGER}`);
      await measureApply(owner, await createUsers(owner, Math.ceil(PEOPLE / ROUNDS)), off);
      await owner.unsafe(`alter table billing.store_subscriptions enable trigger ${TRIGGER}`);
    }
    const withTrigger = summaries(on);
    const withoutTrigger = summaries(off);
    const ratio = (k: string) => Math.round((withTrigger[k].p50_ms / withoutTrigger[k].p50_ms) * 100) / 100;
    log(`apply p50 with / without change detection: new ${withTrigger.new.p50_ms} / ${withoutTrigger.new.p50_ms} ms (×${ratio('new')}), ` +
      `change ${withTrigger.change.p50_ms} / ${withoutTrigger.change.p50_ms} ms (×${ratio('change')}), ` +
      `duplicate ${withTrigger.duplicate.p50_ms} / ${withoutTrigger.duplicate.p50_ms} ms, stale ${withTrigger.stale.p50_ms} / ${withoutTrigger.stale.p50_ms} ms`);

    // 2. The sweep: PEOPLE periods that end now.
    const ending = await createUsers(owner, PEOPLE);
    for (const userId of ending) {
      await applySubscriptionUpdate(owner, { ...update(userId, `sub_${randomUUID().replaceAll('-', '')}`, `evt_${randomUUID()}`, new Date(), true), expiresAt: new Date(Date.now() + 3000) });
    }
    await new Promise((resolve) => setTimeout(resolve, 3500));
    const sweepStart = performance.now();
    const [{ swept }] = await owner<{ swept: number }[]>`select billing.sweep_entitlement_changes(${PEOPLE * 2}, 0) as swept`;
    const sweepMs = performance.now() - sweepStart;
    log(`sweep: ${swept} ended periods announced in ${Math.round(sweepMs)} ms (${Math.round((sweepMs / swept) * 1000) / 1000} ms per person)`);

    // 3. Delivery: every event so far (the sweep's and the ones above) to a verifying local receiver.
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const receiver = await startReceiver(secret);
    const cronSecret = randomBytes(32).toString('hex');
    fn = await startEdgeFunction('entitlement-webhooks', {
      SUPABASE_DB_URL: dbUrl, CRON_SECRET: cronSecret, ENTITLEMENT_WEBHOOK_ENDPOINTS: receiver.url, ENTITLEMENT_WEBHOOK_SECRET: secret,
    });
    const run = () => callFunction(fn!, { token: cronSecret, body: {} });
    await run(); // records the endpoint: events from now on are delivered to it
    const delivery: Record<string, unknown> = {};
    for (const [label, delayMs] of [['immediate', 0], ['50 ms receiver', 50]] as const) {
      receiver.received.length = 0;
      receiver.answer = () => (delayMs ? { status: 204, delayMs } : 204);
      const people = await createUsers(owner, PEOPLE);
      for (const userId of people) await applySubscriptionUpdate(owner, update(userId, `sub_${randomUUID().replaceAll('-', '')}`, `evt_${randomUUID()}`, new Date(), true));
      const start = performance.now();
      let delivered = 0;
      while (delivered < PEOPLE) {
        const res = await run();
        if (res.status !== 200) throw new Error(`run answered ${res.status}: ${JSON.stringify(res.body)}`);
        if (res.body.attempted === 0) break;
        delivered += res.body.delivered;
      }
      const seconds = (performance.now() - start) / 1000;
      const verified = receiver.received.filter((r) => r.verified).length;
      delivery[label] = { events: PEOPLE, delivered, verified, seconds: Math.round(seconds * 100) / 100, per_second: Math.round(delivered / seconds) };
      log(`delivery (${label}): ${delivered} events in ${seconds.toFixed(2)} s = ${Math.round(delivered / seconds)}/s, ${verified} signatures verified by the receiver`);
    }
    await receiver.close();
    await owner.end();
    await writeReport('bench-outbound', { people: PEOPLE, apply_with_change_detection: withTrigger, apply_without: withoutTrigger, sweep: { swept, ms: Math.round(sweepMs) }, delivery });
  } finally {
    await fn?.stop();
    await pg.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
