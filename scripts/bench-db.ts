// Benchmark: the subscriptions view read and the apply function on a realistic database.
//
//   npm run bench:db                      # 1,000,000 users (default)
//   npm run bench:db -- --users 100000    # quicker
//
// Seeds users (through the real sign-up trigger) with a mix of subscriptions, then measures, in one
// run on one embedded Postgres 17:
//   * `select * from subscriptions` as an authenticated user, exactly as PostgREST runs it
//     (role + request.jwt.claims in a transaction), over many different users: p50/p99 of the
//     statement's round trip and of the server-side execution time;
//   * the same read with the RLS policy rewritten to call auth.uid() unwrapped, and the ratio;
//   * billing.apply_subscription_update per event (new, update, stale, duplicate), sequentially and
//     with concurrent connections.
// Results are printed and written to bench-results/bench-db.json.
import { randomUUID } from 'node:crypto';
import postgres, { type Sql } from 'postgres';
import { startLocalPostgres } from './lib/local-postgres.ts';
import { prepareMigratedDatabase } from './lib/supabase-compat.ts';
import { numericArg, summarize, writeReport } from './lib/bench-util.ts';
import { applySubscriptionUpdate, type SubscriptionUpdate } from '../supabase/functions/_shared/billing-db.ts';

const USERS = numericArg('users', 1_000_000);
const READ_SAMPLES = numericArg('reads', 5_000);
const APPLY_EVENTS = numericArg('events', 5_000);
const CONCURRENCY = numericArg('concurrency', 8);

const elapsedMs = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
const log = (message: string) => console.log(`[bench] ${message}`);

/** Bulk users with the subscription mix below (also used by scripts/bench-token-hook.ts). */
export async function seed(owner: Sql, users = USERS) {
  const batch = 100_000;
  for (let from = 1; from <= users; from += batch) {
    const to = Math.min(users, from + batch - 1);
    // Mix: ~25% Stripe-only, ~12% App Store-only, ~3% both stores, the rest never subscribed.
    // Statuses within each store: mostly active, some canceled-at-period-end, grace, past due, expired, refunded.
    await owner.unsafe(`
      with new_users as (
        insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
          raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
        select '00000000-0000-0000-0000-000000000000', gen_random_uuid(), 'authenticated', 'authenticated',
          'user' || i || '@bench.test', '', now(), '{"provider":"email","providers":["email"]}',
          case when i % 3 = 0 then jsonb_build_object('full_name', 'User ' || i) else '{}'::jsonb end, now(), now()
        from generate_series(${from}, ${to}) as i
        returning id, (substr(email, 5, strpos(email, '@') - 5))::int as i
      ),
      plan as (
        select id, i, store
        from new_users,
        lateral (values ('stripe'), ('app_store')) as st(store)
        where (store = 'stripe' and (i % 100 < 25 or i % 100 >= 97))
           or (store = 'app_store' and (i % 100 between 25 and 36 or i % 100 >= 97))
      )
      insert into billing.store_subscriptions (store, store_subscription_id, user_id, product_id, status, expires_at,
        will_renew, grace_period_expires_at, is_sandbox, store_event_at, last_event_id)
      select p.store::billing.store,
        case when p.store = 'stripe' then 'sub_bench' || p.i else (2000000000000000 + p.i)::text end,
        p.id,
        case when p.store = 'stripe' then 'prod_premium' else 'com.certgames.app.monthly_premium' end,
        s.status::billing.subscription_status,
        now() + (s.days || ' days')::interval,
        s.status in ('active', 'in_grace_period', 'past_due') and p.i % 10 <> 0,
        case when s.status = 'in_grace_period' then now() + interval '10 days' end,
        false, now() - interval '1 day', 'evt_seed_' || p.store || p.i
      from plan p,
      lateral (select case
        when p.i % 50 = 1 then 'in_grace_period' when p.i % 50 = 2 then 'past_due'
        when p.i % 50 between 3 and 8 then 'expired' when p.i % 50 = 9 then 'refunded'
        else 'active' end as status,
        case when p.i % 50 between 3 and 9 then -20 else (p.i % 30) + 1 end as days) s`);
    log(`seeded ${to.toLocaleString()} / ${users.toLocaleString()} users`);
  }
  await owner.unsafe('vacuum analyze');
}

async function measureReads(api: Sql, userIds: string[], label: string) {
  const roundTrip: number[] = [];
  const serverSide: number[] = [];
  let rowsSeen = 0;
  // Warm-up: plan cache, buffers.
  for (const id of userIds.slice(0, 200)) await readAs(api, id, false);
  for (const [n, id] of userIds.entries()) {
    const { ms, rows } = await readAs(api, id, false);
    roundTrip.push(ms);
    rowsSeen += rows;
    if (n % 10 === 0) serverSide.push((await readAs(api, id, true)).ms);
  }
  log(`${label}: ${rowsSeen} rows over ${userIds.length} users`);
  return { round_trip: summarize(roundTrip), server_execution: summarize(serverSide), rows_seen: rowsSeen };
}

async function readAs(api: Sql, userId: string, explain: boolean): Promise<{ ms: number; rows: number }> {
  const claims = JSON.stringify({ sub: userId, role: 'authenticated', aud: 'authenticated' });
  let result = { ms: 0, rows: 0 };
  await api.begin(async (tx) => {
    await tx.unsafe('set local role authenticated');
    await tx`select set_config('request.jwt.claims', ${claims}, true)`;
    if (explain) {
      const [plan] = await tx.unsafe('explain (analyze, format json) select * from public.subscriptions');
      result = { ms: (plan['QUERY PLAN'] as { 'Execution Time': number }[])[0]['Execution Time'], rows: 0 };
    } else {
      const start = process.hrtime.bigint();
      const rows = await tx.unsafe('select * from public.subscriptions');
      result = { ms: elapsedMs(start), rows: rows.length };
    }
  });
  return result;
}

function randomEvent(existing: { store: 'stripe' | 'app_store'; id: string; user: string }[], i: number): SubscriptionUpdate {
  const base = {
    eventId: `evt_bench_${i}_${randomUUID()}`,
    eventType: 'customer.subscription.updated',
    productId: 'prod_premium',
    willRenew: true,
    gracePeriodExpiresAt: null,
    isSandbox: false,
  };
  const now = Date.now();
  if (i % 4 === 0) {
    // a brand-new subscription for an existing user
    const target = existing[i % existing.length];
    return { ...base, store: 'stripe', storeSubscriptionId: `sub_new_${i}_${randomUUID()}`, userId: target.user,
      status: 'active', expiresAt: new Date(now + 30 * 86_400_000), eventAt: new Date(now) };
  }
  const target = existing[(i * 7919) % existing.length];
  const stale = i % 4 === 1;
  return { ...base, store: target.store, storeSubscriptionId: target.id, userId: target.user,
    status: 'active', expiresAt: new Date(now + 60 * 86_400_000),
    // seeded rows carry store_event_at = now() - 1 day; older events are stale
    eventAt: new Date(stale ? now - 2 * 86_400_000 : now + i) };
}

async function measureApply(owner: Sql, dbUrl: string) {
  const existing = await owner<{ store: 'stripe' | 'app_store'; id: string; user: string }[]>`
    select store::text as store, store_subscription_id as id, user_id as "user"
    from billing.store_subscriptions order by random() limit 20000`;
  const events = Array.from({ length: APPLY_EVENTS }, (_, i) => randomEvent(existing, i));
  const results: Record<string, number[]> = { applied: [], stale: [], duplicate: [] };

  for (const event of events.slice(0, 100)) await applySubscriptionUpdate(owner, { ...event, eventId: `warm_${event.eventId}` });
  const sequentialStart = process.hrtime.bigint();
  for (const event of events) {
    const start = process.hrtime.bigint();
    const { result } = await applySubscriptionUpdate(owner, event);
    results[result].push(elapsedMs(start));
  }
  const sequentialSeconds = elapsedMs(sequentialStart) / 1000;
  // Duplicate deliveries of events already processed.
  for (const event of events.slice(0, Math.min(2000, events.length))) {
    const start = process.hrtime.bigint();
    const { result } = await applySubscriptionUpdate(owner, event);
    results[result].push(elapsedMs(start));
  }

  const pool = postgres(dbUrl, { max: CONCURRENCY, onnotice: () => {} });
  const concurrentEvents = Array.from({ length: APPLY_EVENTS }, (_, i) => randomEvent(existing, i + APPLY_EVENTS));
  const latencies: number[] = [];
  const concurrentStart = process.hrtime.bigint();
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < concurrentEvents.length) {
      const event = concurrentEvents[next++];
      const start = process.hrtime.bigint();
      await applySubscriptionUpdate(pool, event);
      latencies.push(elapsedMs(start));
    }
  }));
  const concurrentSeconds = elapsedMs(concurrentStart) / 1000;
  await pool.end();

  return {
    sequential: {
      events_per_second: Math.round(events.length / sequentialSeconds),
      applied: summarize(results.applied),
      stale: summarize(results.stale),
      duplicate: summarize(results.duplicate),
    },
    concurrent: { connections: CONCURRENCY, events_per_second: Math.round(concurrentEvents.length / concurrentSeconds), latency: summarize(latencies) },
  };
}

async function main() {
  const pg = await startLocalPostgres({});
  const passwords = { postgres: randomUUID(), authenticator: randomUUID() };
  try {
    log(`Postgres 17 on port ${pg.port}`);
    const { url: dbUrl, authenticatorUrl } = await prepareMigratedDatabase(pg, 'postgres', passwords);
    const owner = postgres(dbUrl, { max: 1, onnotice: () => {} });
    const api = postgres(authenticatorUrl, { max: 1, onnotice: () => {} });

    const seedStart = process.hrtime.bigint();
    // Outbox announcements (one per subscription row at commit) are not what this measures, and
    // would make the bulk seed take many minutes; the view reads none of what they write.
    const admin = postgres(pg.adminUrl, { max: 1, onnotice: () => {} });
    await admin`alter table billing.store_subscriptions disable trigger store_subscriptions_announce_entitlement`;
    try {
      await seed(owner);
    } finally {
      await admin`alter table billing.store_subscriptions enable trigger store_subscriptions_announce_entitlement`;
      await admin.end();
    }
    const seedSeconds = Math.round(elapsedMs(seedStart) / 1000);
    const [counts] = await owner`
      select (select count(*)::int from auth.users) as users, (select count(*)::int from public.profiles) as profiles,
             (select count(*)::int from billing.store_subscriptions) as subscriptions`;
    log(`seeded in ${seedSeconds}s: ${JSON.stringify(counts)}`);

    const sample = (await owner<{ id: string }[]>`select id from auth.users order by random() limit ${READ_SAMPLES}`).map((r) => r.id);
    const wrapped = await measureReads(api, sample, 'policy with (select auth.uid())');

    await owner.unsafe(`alter policy "store_subscriptions: owner can read" on billing.store_subscriptions using (user_id = auth.uid())`);
    const unwrapped = await measureReads(api, sample, 'policy with bare auth.uid()');
    await owner.unsafe(`alter policy "store_subscriptions: owner can read" on billing.store_subscriptions using (user_id = (select auth.uid()))`);

    const apply = await measureApply(owner, dbUrl);
    await owner.end();
    await api.end();

    await writeReport('bench-db', {
      dataset: { ...counts, seed_seconds: seedSeconds },
      subscriptions_view_read: {
        wrapped_auth_uid: wrapped,
        unwrapped_auth_uid: unwrapped,
        ratio_unwrapped_over_wrapped: {
          round_trip_p50: +(unwrapped.round_trip.p50_ms / wrapped.round_trip.p50_ms).toFixed(2),
          round_trip_p99: +(unwrapped.round_trip.p99_ms / wrapped.round_trip.p99_ms).toFixed(2),
          server_p50: +(unwrapped.server_execution.p50_ms / wrapped.server_execution.p50_ms).toFixed(2),
          server_p99: +(unwrapped.server_execution.p99_ms / wrapped.server_execution.p99_ms).toFixed(2),
        },
        target_p99_under_1ms: wrapped.round_trip.p99_ms < 1,
      },
      apply_subscription_update: apply,
    });
  } finally {
    await pg.stop();
  }
}

// Imported by other benchmarks for seed() only.
if (process.argv[1]?.endsWith('bench-db.ts')) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
