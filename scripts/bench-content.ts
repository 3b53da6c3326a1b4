// Benchmark: premium content behind RLS (public.practice_questions, gated by public.has_entitlement).
//
//   npm run bench:content                        # 1,000,000 questions (default), about 2 minutes on 2 idle cores
//   npm run bench:content -- --rows 200000       # quicker
//   npm run bench:content -- --page-samples 3000 --count-samples 600 --exams 50 --free-every 10
//
// On one embedded Postgres 17 with every migration: --rows questions in --exams exams (one in
// --free-every free), --users other people holding subscriptions, plus one subscriber and one
// person who never subscribed. Then the apps' two queries, each run exactly as PostgREST runs a
// request (connected as `authenticator`, then `set local role` + `request.jwt.claims` in the
// request's transaction):
//   * page:  20 questions of one exam, from a random position (keyset: position > $after);
//   * count: how many questions of one exam the caller can read.
// Each is read as the subscriber, the non-subscriber and anon THROUGH THE POLICY, and side by side
// (interleaved, sample by sample, so machine noise falls on all alike) the same query with NO
// policy: as `service_role`, which bypasses RLS — for all rows (what the subscriber gets) and with
// the free filter written by hand (what the others get). Printed: round trip and server execution
// time (EXPLAIN ANALYZE) p50/p95/p99, and the ratios policy / no policy. Then the same policy with
// the helper called bare (not wrapped in a select), for contrast, on fewer samples.
// Results also go to bench-results/bench-content.json.
import { randomUUID } from 'node:crypto';
import postgres, { type Sql } from 'postgres';
import { startLocalPostgres } from './lib/local-postgres.ts';
import { prepareMigratedDatabase } from './lib/supabase-compat.ts';
import { numericArg, writeReport } from './lib/bench-util.ts';
import { asApiRole, userClaims, type ApiRole } from '../supabase/tests/helpers/test-database.ts';

const ROWS = numericArg('rows', 1_000_000);
const EXAMS = numericArg('exams', 50);
const FREE_EVERY = numericArg('free-every', 10);
const USERS = numericArg('users', 20_000);
const PAGE_SAMPLES = numericArg('page-samples', 2_000);
const COUNT_SAMPLES = numericArg('count-samples', 400);
const UNWRAPPED_PAGE_SAMPLES = numericArg('unwrapped-page-samples', 300);
const UNWRAPPED_COUNT_SAMPLES = numericArg('unwrapped-count-samples', 10);
/** One EXPLAIN ANALYZE (server-side execution time) every this many samples. */
const EXPLAIN_EVERY = numericArg('explain-every', 4);
const PER_EXAM = Math.ceil(ROWS / EXAMS);

const log = (message: string) => console.log(`[bench] ${message}`);
const examCode = (n: number) => `exam-${String(n).padStart(3, '0')}`;

// The apps' queries. The page selects every column, as both apps do (`select()` / `select('*')`).
const PAGE = `select id, exam_code, position, question, choices, answer, explanation, is_premium
  from public.practice_questions where exam_code = $1 and position > $2 order by position limit 20`;
const COUNT = `select count(*) from public.practice_questions where exam_code = $1`;
// Without RLS, what a non-subscriber gets must be asked for by hand.
const PAGE_FREE = PAGE.replace('and position > $2', 'and position > $2 and not is_premium');
const COUNT_FREE = `${COUNT} and not is_premium`;

async function seed(owner: Sql) {
  // Other people with subscriptions, so the helper's lookup runs on an index of realistic size.
  const batch = 50_000;
  for (let from = 1; from <= USERS; from += batch) {
    const to = Math.min(USERS, from + batch - 1);
    await owner.unsafe(`
      with new_users as (
        insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
          raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
        select '00000000-0000-0000-0000-000000000000', gen_random_uuid(), 'authenticated', 'authenticated',
          'user' || i || '@bench.test', '', now(), '{"provider":"email","providers":["email"]}', '{}', now(), now()
        from generate_series(${from}, ${to}) as i
        returning id, (substr(email, 5, strpos(email, '@') - 5))::int as i
      )
      insert into billing.store_subscriptions (store, store_subscription_id, user_id, product_id, status, expires_at,
        will_renew, is_sandbox, store_event_at, last_event_id)
      select 'stripe', 'sub_bench' || i, id, 'prod_premium',
        (case when i % 3 = 0 then 'expired' else 'active' end)::billing.subscription_status,
        now() + (case when i % 3 = 0 then -10 else 20 end) * interval '1 day', i % 3 <> 0, false, now(), 'evt_seed_' || i
      from new_users`);
  }
  // The questions, exam by exam (as content is imported), one in FREE_EVERY free.
  const chunk = 200_000;
  for (let from = 0; from < ROWS; from += chunk) {
    const to = Math.min(ROWS, from + chunk) - 1;
    await owner.unsafe(`
      insert into public.practice_questions (exam_code, position, question, choices, answer, explanation, is_premium)
      select 'exam-' || lpad((i / ${PER_EXAM})::text, 3, '0'), i % ${PER_EXAM} + 1,
        'Question ' || i || ': which control best mitigates the risk described in this scenario?',
        jsonb_build_array('Option A for ' || i, 'Option B for ' || i, 'Option C for ' || i, 'Option D for ' || i),
        i % 4,
        'Explanation ' || i || ': the correct option addresses the root cause; the others only reduce the symptoms or apply to a different threat.',
        (i % ${PER_EXAM}) % ${FREE_EVERY} <> 0
      from generate_series(${from}, ${to}) as i`);
    log(`inserted ${(to + 1).toLocaleString()} / ${ROWS.toLocaleString()} questions`);
  }
  await owner.unsafe('vacuum analyze');
}

type Kind = 'page' | 'count' | 'helper';

interface Variant {
  name: string;
  role: ApiRole;
  claims: Record<string, unknown>;
  page: string;
  count: string;
  helper?: string;
}

interface Samples {
  roundTrip: number[];
  server: number[];
  rows: number[];
}

/** Nearest-rank percentiles in ms, rounded to microseconds (bench-util's summarize has no p95). */
function percentiles(samplesMs: number[]) {
  const s = [...samplesMs].sort((a, b) => a - b);
  const at = (p: number) => Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] * 1000) / 1000;
  return { n: s.length, p50_ms: at(50), p95_ms: at(95), p99_ms: at(99) };
}

/** One request: the query alone is timed, inside the transaction PostgREST would open. */
async function timed(api: Sql, v: Variant, query: string, params: (string | number)[], explain: boolean): Promise<{ ms: number; rows: number }> {
  return asApiRole(api, v.role, v.claims, async (tx) => {
    if (explain) {
      // EXPLAIN cannot take bind parameters: the same values as literals.
      const literal = params.reduce<string>((q, p, i) => q.replaceAll(`$${i + 1}`, typeof p === 'number' ? String(p) : `'${p}'`), query);
      const [plan] = await tx.unsafe(`explain (analyze, timing off, format json) ${literal}`);
      return { ms: (plan['QUERY PLAN'] as { 'Execution Time': number }[])[0]['Execution Time'], rows: 0 };
    }
    const start = process.hrtime.bigint();
    const rows = await tx.unsafe(query, params, { prepare: true });
    return { ms: Number(process.hrtime.bigint() - start) / 1e6, rows: query.startsWith('select count') ? Number(rows[0].count) : rows.length };
  });
}

/** Runs every variant's query once per sample, in a rotating order, each variant on its own connection. */
async function measure(conns: Map<string, Sql>, variants: Variant[], kind: Kind, samples: number) {
  const out = new Map<string, Samples>(variants.map((v) => [v.name, { roundTrip: [], server: [], rows: [] }]));
  const paramsFor = (i: number): (string | number)[] => {
    const exam = examCode((i * 7919) % EXAMS);
    if (kind === 'helper') return [];
    return kind === 'page' ? [exam, (i * 104_729) % Math.max(1, PER_EXAM - 400)] : [exam];
  };
  // Warm-up: prepared statements, plans, buffers.
  for (let i = 0; i < 20; i++) for (const v of variants) await timed(conns.get(v.name)!, v, v[kind]!, paramsFor(i), false);
  for (let i = 0; i < samples; i++) {
    const params = paramsFor(i + 20);
    for (let k = 0; k < variants.length; k++) {
      const v = variants[(i + k) % variants.length];
      const conn = conns.get(v.name)!;
      const sample = out.get(v.name)!;
      const { ms, rows } = await timed(conn, v, v[kind]!, params, false);
      sample.roundTrip.push(ms);
      sample.rows.push(rows);
      if (i % EXPLAIN_EVERY === 0) sample.server.push((await timed(conn, v, v[kind]!, params, true)).ms);
    }
  }
  return out;
}

function report(results: Map<string, Samples>, pairs: [string, string][]) {
  const summary = Object.fromEntries([...results].map(([name, s]) => [name, {
    round_trip: percentiles(s.roundTrip),
    server_execution: percentiles(s.server),
    mean_rows: Math.round((s.rows.reduce((a, b) => a + b, 0) / s.rows.length) * 10) / 10,
  }]));
  const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
  const ratios = Object.fromEntries(pairs.map(([policy, baseline]) => {
    const p = summary[policy];
    const b = summary[baseline];
    return [`${policy} / ${baseline}`, {
      round_trip_p50: ratio(p.round_trip.p50_ms, b.round_trip.p50_ms),
      round_trip_p95: ratio(p.round_trip.p95_ms, b.round_trip.p95_ms),
      round_trip_p99: ratio(p.round_trip.p99_ms, b.round_trip.p99_ms),
      server_p50: ratio(p.server_execution.p50_ms, b.server_execution.p50_ms),
      server_p95: ratio(p.server_execution.p95_ms, b.server_execution.p95_ms),
      server_p99: ratio(p.server_execution.p99_ms, b.server_execution.p99_ms),
    }];
  }));
  return { summary, ratios };
}

type Report = ReturnType<typeof report>;

/** The figures as a table, after the JSON: one line per variant, its ratio to its no-policy baseline. */
function printTable(sections: [string, Report][]) {
  const ms = (p: { p50_ms: number; p95_ms: number; p99_ms: number }) => `${p.p50_ms} / ${p.p95_ms} / ${p.p99_ms}`;
  console.log('\nquery | variant | round trip p50 / p95 / p99 ms | server p50 / p95 / p99 ms | rows | ratio to no policy (round trip p50, server p50)');
  for (const [query, { summary, ratios }] of sections) {
    for (const [name, v] of Object.entries(summary)) {
      const ratio = Object.entries(ratios).find(([pair]) => pair.startsWith(`${name} / `));
      const r = ratio ? `${ratio[1].round_trip_p50}x, ${ratio[1].server_p50}x` : 'baseline';
      console.log(`${query} | ${name} | ${ms(v.round_trip)} | ${ms(v.server_execution)} | ${v.mean_rows} | ${r}`);
    }
  }
}

/** The shape of a plan, as node types, to show the InitPlan and the index used. */
async function planShape(api: Sql, v: Variant, query: string, params: (string | number)[]): Promise<string> {
  return asApiRole(api, v.role, v.claims, async (tx) => {
    const literal = params.reduce<string>((q, p, i) => q.replaceAll(`$${i + 1}`, typeof p === 'number' ? String(p) : `'${p}'`), query);
    const lines = await tx.unsafe(`explain (costs off) ${literal}`);
    return lines.map((l) => String(l['QUERY PLAN']).trim()).join(' | ');
  });
}

async function main() {
  const started = Date.now();
  const pg = await startLocalPostgres({ unsafeFast: true });
  const passwords = { postgres: randomUUID(), authenticator: randomUUID() };
  const conns = new Map<string, Sql>();
  try {
    log(`Postgres 17 on port ${pg.port}`);
    const { url, authenticatorUrl } = await prepareMigratedDatabase(pg, 'postgres', passwords);
    const owner = postgres(url, { max: 1, onnotice: () => {} });

    const seedStart = Date.now();
    await seed(owner);
    const seedSeconds = Math.round((Date.now() - seedStart) / 1000);
    const subscriber = randomUUID();
    const nonSubscriber = randomUUID();
    for (const [id, email] of [[subscriber, 'subscriber@bench.test'], [nonSubscriber, 'free@bench.test']]) {
      await owner`insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
        values ('00000000-0000-0000-0000-000000000000', ${id}, 'authenticated', 'authenticated', ${email}, '', now(), '{}', '{}', now(), now())`;
    }
    await owner`insert into billing.store_subscriptions (store, store_subscription_id, user_id, product_id, status, expires_at, will_renew, is_sandbox, store_event_at, last_event_id)
      values ('app_store', '2000000000000001', ${subscriber}, 'com.certgames.app.monthly_premium', 'active', now() + interval '20 days', true, false, now(), 'seed-subscriber')`;
    // The non-subscriber once paid: an expired subscription is the common case, not an empty table.
    await owner`insert into billing.store_subscriptions (store, store_subscription_id, user_id, product_id, status, expires_at, will_renew, is_sandbox, store_event_at, last_event_id)
      values ('stripe', 'sub_bench_lapsed', ${nonSubscriber}, 'prod_premium', 'expired', now() - interval '3 days', false, false, now(), 'evt_lapsed')`;
    const [dataset] = await owner`
      select (select count(*)::int from public.practice_questions) as questions,
             (select count(*)::int from public.practice_questions where not is_premium) as free_questions,
             (select count(*)::int from billing.store_subscriptions) as subscriptions,
             pg_size_pretty(pg_total_relation_size('public.practice_questions')) as table_size`;
    log(`seeded in ${seedSeconds}s: ${JSON.stringify(dataset)}`);

    const variants: Variant[] = [
      { name: 'subscriber (policy)', role: 'authenticated', claims: userClaims(subscriber), page: PAGE, count: COUNT },
      { name: 'non-subscriber (policy)', role: 'authenticated', claims: userClaims(nonSubscriber), page: PAGE, count: COUNT },
      { name: 'anon (policy)', role: 'anon', claims: { role: 'anon' }, page: PAGE, count: COUNT },
      { name: 'all rows (no policy)', role: 'service_role', claims: { role: 'service_role' }, page: PAGE, count: COUNT },
      { name: 'free rows (no policy)', role: 'service_role', claims: { role: 'service_role' }, page: PAGE_FREE, count: COUNT_FREE },
    ];
    for (const v of variants) conns.set(v.name, postgres(authenticatorUrl, { max: 1, onnotice: () => {} }));
    const api = conns.get(variants[0].name)!;

    // Correctness first: the policy returns exactly what the hand-written filter does.
    for (const [policy, baseline] of [[variants[0], variants[3]], [variants[1], variants[4]], [variants[2], variants[4]]]) {
      for (const [kind, params] of [['count', [examCode(0)]], ['page', [examCode(1), 0]]] as const) {
        const a = await asApiRole(api, policy.role, policy.claims, (tx) => tx.unsafe(policy[kind], [...params]));
        const b = await asApiRole(api, baseline.role, baseline.claims, (tx) => tx.unsafe(baseline[kind], [...params]));
        if (a.length === 0 || JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${policy.name} does not read what ${baseline.name} does (${kind})`);
      }
    }

    const plans = {
      page_subscriber: await planShape(api, variants[0], PAGE, [examCode(0), 100]),
      count_subscriber: await planShape(api, variants[0], COUNT, [examCode(0)]),
      count_anon: await planShape(api, variants[2], COUNT, [examCode(0)]),
    };
    log(`plans: ${JSON.stringify(plans, null, 2)}`);

    const pairs: [string, string][] = [
      ['subscriber (policy)', 'all rows (no policy)'],
      ['non-subscriber (policy)', 'free rows (no policy)'],
      ['anon (policy)', 'free rows (no policy)'],
    ];
    log(`page: ${PAGE_SAMPLES} samples per variant`);
    const page = report(await measure(conns, variants, 'page', PAGE_SAMPLES), pairs);
    log(`count: ${COUNT_SAMPLES} samples per variant`);
    const count = report(await measure(conns, variants, 'count', COUNT_SAMPLES), pairs);

    // The helper alone, once per statement as in a policy: PL/pgSQL (the migration's, plan kept for
    // the session) vs the same expression as a LANGUAGE sql function (planned again on every call,
    // since its SET clause keeps it from being inlined).
    const [{ prosrc }] = await owner`select prosrc from pg_proc where oid = 'public.has_entitlement(text)'::regprocedure`;
    const expression = /return\s+([\s\S]*);\s*end;\s*$/.exec(String(prosrc))?.[1];
    if (!expression) throw new Error('has_entitlement is no longer `begin return <expression>; end;`: update the benchmark');
    await owner.unsafe(`create function public.bench_has_entitlement_sql(p_product_id text default null) returns boolean
      language sql stable parallel safe set search_path = '' as $fn$ select ${expression} $fn$;
      grant execute on function public.bench_has_entitlement_sql(text) to authenticated`);
    const helperVariants: Variant[] = [
      { ...variants[0], name: 'has_entitlement() plpgsql', helper: 'select public.has_entitlement()' },
      { ...variants[0], name: 'same body, language sql', helper: 'select public.bench_has_entitlement_sql()' },
    ];
    for (const v of helperVariants) conns.set(v.name, postgres(authenticatorUrl, { max: 1, onnotice: () => {} }));
    log(`helper alone: ${PAGE_SAMPLES} samples per variant`);
    const helper = report(await measure(conns, helperVariants, 'helper', PAGE_SAMPLES), [['same body, language sql', 'has_entitlement() plpgsql']]);
    await owner.unsafe('drop function public.bench_has_entitlement_sql(text)');

    // For contrast: the helper called bare, once per row instead of once per statement.
    await owner.unsafe(`alter policy "practice_questions: subscribers read every question" on public.practice_questions
      using (not is_premium or public.has_entitlement())`);
    const bare = [
      { ...variants[0], name: 'subscriber (bare helper)' },
      { ...variants[1], name: 'non-subscriber (bare helper)' },
      variants[3],
      variants[4],
    ];
    for (const v of bare) if (!conns.has(v.name)) conns.set(v.name, postgres(authenticatorUrl, { max: 1, onnotice: () => {} }));
    const barePairs: [string, string][] = [
      ['subscriber (bare helper)', 'all rows (no policy)'],
      ['non-subscriber (bare helper)', 'free rows (no policy)'],
    ];
    log(`bare helper: ${UNWRAPPED_PAGE_SAMPLES} page and ${UNWRAPPED_COUNT_SAMPLES} count samples per variant`);
    const barePage = report(await measure(conns, bare, 'page', UNWRAPPED_PAGE_SAMPLES), barePairs);
    const bareCount = report(await measure(conns, bare, 'count', UNWRAPPED_COUNT_SAMPLES), barePairs);
    await owner.unsafe(`alter policy "practice_questions: subscribers read every question" on public.practice_questions
      using (not is_premium or (select public.has_entitlement()))`);
    await owner.end();

    await writeReport('bench-content', {
      dataset: { ...dataset, exams: EXAMS, questions_per_exam: PER_EXAM, free_every: FREE_EVERY, seed_seconds: seedSeconds },
      queries: { page: PAGE, count: COUNT },
      plans,
      wrapped_helper: { page, count },
      helper_alone: helper,
      bare_helper_for_contrast: { page: barePage, count: bareCount },
      total_seconds: Math.round((Date.now() - started) / 1000),
    });
    printTable([['page', page], ['count', count], ['helper alone', helper], ['page, bare helper', barePage], ['count, bare helper', bareCount]]);
  } finally {
    for (const c of conns.values()) await c.end();
    await pg.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
