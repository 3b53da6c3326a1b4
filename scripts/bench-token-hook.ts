// Benchmark: what the custom access token hook adds to issuing an access token, at 1,000,000 users.
//
//   npm run bench:token-hook                      # 1,000,000 users (default), about 2 minutes
//   npm run bench:token-hook -- --users 100000    # quicker
//   npm run bench:token-hook -- --samples 4000 --explain-every 5
//
// On one embedded Postgres 17 with every migration, --users people seeded as scripts/bench-db.ts
// seeds them (~40% with a subscription in one or both stores, in every state). Supabase Auth runs
// the hook on every sign-in and every refresh, as its pg-functions dispatcher does: as
// supabase_auth_admin, in the token's transaction, `set local statement_timeout`, then
// `select "public"."custom_access_token_hook"($1)` with the event. Measured, for random users,
// side by side (interleaved sample by sample, so machine noise falls on both alike):
//   * the real hook;
//   * a baseline hook that returns the event's claims unchanged (the least any hook costs);
// the round trip of that select and its server-side execution time (EXPLAIN ANALYZE), p50/p90/p99,
// and the ratios hook / baseline. Results also go to bench-results/bench-token-hook.json.
import { randomUUID } from 'node:crypto';
import postgres, { type Sql, type TransactionSql } from 'postgres';
import { startLocalPostgres } from './lib/local-postgres.ts';
import { prepareMigratedDatabase } from './lib/supabase-compat.ts';
import { numericArg, summarize, writeReport, type LatencySummary } from './lib/bench-util.ts';
import { seed } from './bench-db.ts';

const USERS = numericArg('users', 1_000_000);
const SAMPLES = numericArg('samples', 4_000);
/** One EXPLAIN ANALYZE (server-side execution time) every this many samples. */
const EXPLAIN_EVERY = numericArg('explain-every', 5);

const log = (message: string) => console.log(`[bench] ${message}`);

// The least a hook can do: the same language, signature and answer shape, claims unchanged.
const BASELINE_HOOK = `
  create function public.bench_baseline_token_hook(event jsonb) returns jsonb
  language plpgsql stable set search_path = '' as $$
  begin
    return jsonb_build_object('claims', event -> 'claims');
  end;
  $$;
  revoke all on function public.bench_baseline_token_hook(jsonb) from public, anon, authenticated, service_role;
  grant execute on function public.bench_baseline_token_hook(jsonb) to supabase_auth_admin;`;

type Hook = 'hook' | 'baseline';

function event(userId: string) {
  const now = Math.floor(Date.now() / 1000);
  return {
    user_id: userId,
    claims: {
      iss: 'http://127.0.0.1:54321/auth/v1', aud: 'authenticated', exp: now + 3600, iat: now, sub: userId,
      email: 'user@bench.test', phone: '', app_metadata: { provider: 'email', providers: ['email'] }, user_metadata: {},
      role: 'authenticated', aal: 'aal1', amr: [{ method: 'token_refresh', timestamp: now }], session_id: randomUUID(), is_anonymous: false,
    },
    authentication_method: 'token_refresh',
  };
}

/** One call as GoTrue makes it; returns the select's round trip (or server time) in ms and the claim. */
async function call(authAdmin: Sql, hook: Hook, userId: string, explain: boolean): Promise<{ ms: number; active?: boolean }> {
  return authAdmin.begin(async (tx: TransactionSql) => {
    await tx.unsafe('set local role supabase_auth_admin');
    await tx.unsafe(`set local statement_timeout TO '2000'`);
    const e = tx.json(event(userId) as never);
    if (explain) {
      const [plan] = hook === 'hook'
        ? await tx`explain (analyze, format json) select public.custom_access_token_hook(${e})`
        : await tx`explain (analyze, format json) select public.bench_baseline_token_hook(${e})`;
      return { ms: (plan['QUERY PLAN'] as { 'Execution Time': number }[])[0]['Execution Time'] };
    }
    const start = process.hrtime.bigint();
    const [row] = hook === 'hook'
      ? await tx`select public.custom_access_token_hook(${e}) as output`
      : await tx`select public.bench_baseline_token_hook(${e}) as output`;
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    await tx.unsafe('set local statement_timeout TO default');
    return { ms, active: (row.output as { claims: { entitlements?: { active: boolean } } }).claims.entitlements?.active };
  });
}

/**
 * Bulk seeding only: the triggers that do something besides making the row what it is (a profile
 * per sign-up, outbox announcements, updated_at) are off while seeding, and back on before anything
 * is measured. The hook reads none of what they write, and with them 1,000,000 users take minutes
 * instead of seconds. billing.fill_snapshot stays on: it completes each subscription row.
 */
async function withoutSideEffectTriggers(superuserUrl: string, seedData: () => Promise<void>) {
  const admin = postgres(superuserUrl, { max: 1, onnotice: () => {} });
  const triggers = await admin<{ table: string; name: string }[]>`
    select t.tgrelid::regclass::text as table, t.tgname as name from pg_trigger t
    where t.tgrelid in ('auth.users'::regclass, 'billing.store_subscriptions'::regclass)
      and not t.tgisinternal and t.tgfoid <> 'billing.fill_snapshot'::regproc`;
  const toggle = (on: boolean) => Promise.all(triggers.map((t) => admin.unsafe(`alter table ${t.table} ${on ? 'enable' : 'disable'} trigger "${t.name}"`)));
  try {
    await toggle(false);
    await seedData();
  } finally {
    await toggle(true);
    await admin.end();
  }
}

const ratio = (a: LatencySummary, b: LatencySummary, key: 'p50_ms' | 'p90_ms' | 'p99_ms') => +(a[key] / b[key]).toFixed(2);

async function main() {
  const pg = await startLocalPostgres({ unsafeFast: true });
  const passwords = { postgres: randomUUID(), authenticator: randomUUID() };
  const started = Date.now();
  try {
    log(`Postgres 17 on port ${pg.port}`);
    const { url: dbUrl } = await prepareMigratedDatabase(pg, 'postgres', passwords);
    const owner = postgres(dbUrl, { max: 1, onnotice: () => {} });
    await withoutSideEffectTriggers(pg.adminUrl, () => seed(owner, USERS));
    await owner.unsafe(BASELINE_HOOK);
    const [counts] = await owner`
      select (select count(*)::int from auth.users) as users,
             (select count(*)::int from billing.store_subscriptions) as subscriptions,
             (select count(*)::int from public.subscriptions where is_active) as entitled_users`;
    log(`dataset ${JSON.stringify(counts)} after ${Math.round((Date.now() - started) / 1000)}s`);
    const sample = (await owner<{ id: string }[]>`select id from auth.users order by random() limit ${SAMPLES}`).map((r) => r.id);
    await owner.end();

    // Supabase Auth's own connection, as the role it logs in with (here: the superuser, set role).
    const authAdmin = postgres(pg.urlFor('postgres', 'supabase_admin', pg.password), { max: 1, onnotice: () => {} });
    for (const id of sample.slice(0, 300)) for (const h of ['hook', 'baseline'] as const) await call(authAdmin, h, id, false); // warm-up

    const roundTrip: Record<Hook, number[]> = { hook: [], baseline: [] };
    const server: Record<Hook, number[]> = { hook: [], baseline: [] };
    let active = 0;
    for (const [i, id] of sample.entries()) {
      // Alternate which goes first, so neither always runs on a warmer cache.
      const order: Hook[] = i % 2 === 0 ? ['hook', 'baseline'] : ['baseline', 'hook'];
      for (const h of order) {
        const r = await call(authAdmin, h, id, false);
        roundTrip[h].push(r.ms);
        if (h === 'hook' && r.active) active++;
      }
      if (i % EXPLAIN_EVERY === 0) for (const h of order) server[h].push((await call(authAdmin, h, id, true)).ms);
    }
    await authAdmin.end();

    const rt = { hook: summarize(roundTrip.hook), baseline: summarize(roundTrip.baseline) };
    const sv = { hook: summarize(server.hook), baseline: summarize(server.baseline) };
    await writeReport('bench-token-hook', {
      dataset: counts,
      samples: { users: sample.length, with_active_claim: active, explain_every: EXPLAIN_EVERY },
      select_round_trip: { ...rt, ratio_hook_over_baseline: { p50: ratio(rt.hook, rt.baseline, 'p50_ms'), p90: ratio(rt.hook, rt.baseline, 'p90_ms'), p99: ratio(rt.hook, rt.baseline, 'p99_ms') } },
      server_execution: { ...sv, ratio_hook_over_baseline: { p50: ratio(sv.hook, sv.baseline, 'p50_ms'), p90: ratio(sv.hook, sv.baseline, 'p90_ms'), p99: ratio(sv.hook, sv.baseline, 'p99_ms') } },
      added_by_the_claim_ms: { round_trip_p50: +(rt.hook.p50_ms - rt.baseline.p50_ms).toFixed(3), round_trip_p99: +(rt.hook.p99_ms - rt.baseline.p99_ms).toFixed(3) },
      total_seconds: Math.round((Date.now() - started) / 1000),
    });
  } finally {
    await pg.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
