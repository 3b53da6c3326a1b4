// Benchmark: our stripe-webhook function (the real Deno edge function) side by side with Supabase's
// Stripe Sync Engine (@supabase/stripe-sync-engine, a dev dependency used only here) in its
// revalidate mode, on loopback, with byte-identical signed events. See docs/benchmarks.md.
//
//   npm run bench:webhook                                   # one round, about 3-4 minutes
//   npm run bench:webhook -- --rounds 3                     # alternate the order, report medians
//   npm run bench:webhook -- --rate 300 --seconds 30 --events 5000 --concurrency 16
//   npm run bench:webhook -- --only ours                    # our function alone (no engine)
//   npm run bench:webhook -- --profile                      # + CPU profile, pg_stat_activity, pg_stat_statements
//   npm run bench:webhook -- --trace-slow                   # + the slowest 2% at the fixed rate, and where our time went
//   npm run bench:webhook -- --heap-profile survivors       # + what our function allocates that scavenges copy (all | survivors | live)
//
// One embedded Postgres 17 holds both: our migrated database `postgres` (billing.*) and database
// `stripe_sync_engine` (the engine's own migrations, schema `stripe`). One FAKE Stripe API serves
// both: each side re-reads the subscription / invoice from it while processing an event. Events come
// from the fake's lifecycle methods (sign-ups, renewals paid or failed, cancellations scheduled) over
// many customers and are signed once per scenario; both sides receive the same bytes. The sides run
// one after the other (never at the same time) and each server is its own process, whose CPU is read
// from /proc. The measured scenarios send from a thread of their own (scripts/lib/bench-load.ts); the
// fake Stripe is served by the main thread. `npm run bench:webhook` gives this process young
// generations of 64 MB (`--max-semi-space-size=64`): with the default, the main thread's scavenges
// paused it 5-11 ms about once a second (`node --trace-gc`), each one a stall of the fake Stripe's
// answers to whichever side was measured; now a slice rarely meets one. It also runs with
// --expose-gc: each thread collects its garbage fully before a slice starts, outside the clock. Scenarios: latency p50/p90/p99 at a fixed arrival rate (open loop), maximum events/s
// with concurrent senders (closed loop), and first vs duplicate delivery cost. Results also go to
// bench-results/bench-stripe-webhook.json.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres, { type Sql } from 'postgres';
import { stringArg } from './lib/args.ts';
import { startLocalPostgres, type LocalPostgres } from './lib/local-postgres.ts';
import { prepareMigratedDatabase, repoRoot } from './lib/supabase-compat.ts';
import { closedLoop, duplicateCost, numericArg, pairedPercentileRatio, summarize, timedPost, writeReport, type Sent } from './lib/bench-util.ts';
import { type LoadDelivery, type LoadResult, startLoadGenerator } from './lib/bench-load.ts';
import { insertAuthUser } from '../supabase/tests/helpers/test-database.ts';
import { FakeStripe, FAKE_STRIPE_API_VERSION, signStripePayload, type FakeStripeEvent } from '../supabase/tests/fakes/fake-stripe.ts';
import { cpuBetween, cpuSnapshot, postmasterOf, startDenoFunction, startSyncEngineServer, type ServerProcess } from './lib/bench-processes.ts';
import { connectCpuProfiler, type HeapProfileMode, instrumentFakeStripe, sampleActivity, summarizeCpuProfile, summarizeHeapProfile, topStatements } from './lib/bench-profile.ts';
import { parseServerTiming } from '../supabase/functions/_shared/server-timing.ts';

const RATE = numericArg('rate', 200);
const SECONDS = numericArg('seconds', 20);
const SUBSCRIPTIONS = numericArg('subscriptions', 300);
const CONCURRENCY = numericArg('concurrency', 16);
const THROUGHPUT_EVENTS = numericArg('events', 3000);
const DUPLICATES = numericArg('duplicates', 300);
const WARMUP = numericArg('warmup', 300);
const ROUNDS = Math.max(1, numericArg('rounds', 1));
const MAX_SECONDS = numericArg('max-seconds', 900);
const ENGINE_POOL = numericArg('engine-pool', 0); // 0: the engine's default (10)
const ENGINE_REVALIDATE = stringArg('engine-revalidate') ?? 'subscription,invoice,customer,charge';
const ONLY = stringArg('only'); // 'ours' | 'engine'
const PROFILE = process.argv.includes('--profile');
/** Sampling heap profile of our process over its first latency slice: all | survivors | live (bench-profile.ts). */
const HEAP_PROFILE = stringArg('heap-profile') as HeapProfileMode | undefined;
if (HEAP_PROFILE && !['all', 'survivors', 'live'].includes(HEAP_PROFILE)) throw new Error('--heap-profile all | survivors | live');
/**
 * Lists the slowest 2% of the fixed-rate deliveries per side (type, clusters, same subscription just
 * before) and, for ours, where their time went, from the Server-Timing header of each answer.
 */
const TRACE_SLOW = process.argv.includes('--trace-slow');
/** Extra Deno flags for our function, e.g. --deno-flags=--v8-flags=--trace-gc (its log then goes to bench-results/). */
const DENO_FLAGS = stringArg('deno-flags')?.split(' ').filter(Boolean) ?? [];
/** The throughput events go in slices, alternating the sides, so both see the same background load (1 with --profile). */
const SLICES = PROFILE ? 1 : Math.max(1, numericArg('slices', 6));
/**
 * Likewise for the fixed-rate scenario: slices of --seconds / this (1 s by default), alternating the
 * sides. Short, because this machine's slow spells last seconds (a 2.5 s one in a --trace-slow run):
 * with 5 s slices one spell fell on one side whole and decided its p99; in 1 s slices it is shared.
 */
const LATENCY_SLICES = Math.max(1, numericArg('latency-slices', Math.max(1, Math.round(SECONDS))));
/**
 * Each fixed-rate slice opens with this many ms of deliveries at the rate that are not counted
 * (they are applied like the rest, and both sides get the same ones). A slice starts after a
 * checkpoint and a pause, and its first 100 ms held 3× their share of the slowest 2% (--trace-slow):
 * a cold start no server meets at a steady 200 events/s.
 */
const LEAD_IN = Math.round((RATE * numericArg('lead-in-ms', 250)) / 1000);
/** Deliver the events of each scenario in random order (separates a renewal's three events; see docs/benchmarks.md). */
const SHUFFLE = process.argv.includes('--shuffle');
const ENGINE_DB = 'stripe_sync_engine';
const log = (m: string) => console.log(`[bench] ${m}`);
/** A full GC of this thread where `npm run bench:webhook` allows it (node --expose-gc); else nothing. */
const collectGarbage = () => (globalThis as { gc?: () => void }).gc?.();

interface Side extends ServerProcess {
  key: 'ours' | 'engine';
  database: string;
}
interface Signed { payload: string; header: string }

const cleanups: (() => Promise<void>)[] = [];
async function cleanup() {
  for (const c of cleanups.splice(0).reverse()) await c().catch((e) => console.error(`[bench] cleanup: ${e}`));
}

/** A throwaway cluster; with --profile it preloads pg_stat_statements (one restart). */
async function startPostgres(): Promise<LocalPostgres> {
  if (!PROFILE) {
    const pg = await startLocalPostgres({});
    cleanups.push(() => pg.stop());
    return pg;
  }
  const root = await mkdtemp(join(tmpdir(), 'bench-webhook-pg-'));
  await chmod(root, 0o755); // as root, Postgres runs as the OS user postgres
  cleanups.push(() => rm(root, { recursive: true, force: true }));
  const dataDir = join(root, 'data');
  const first = await startLocalPostgres({ dataDir });
  const admin = postgres(first.adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`alter system set shared_preload_libraries = 'pg_stat_statements'`);
  await admin.unsafe(`alter system set pg_stat_statements.track = 'all'`);
  await admin.end();
  await first.stop();
  const pg = await startLocalPostgres({ dataDir, port: first.port, password: first.password });
  cleanups.push(() => pg.stop());
  return pg;
}

async function main() {
  const started = performance.now();
  const pg = await startPostgres();
  const stripe = await new FakeStripe().start();
  cleanups.push(() => stripe.stop());
  const stripeTiming = instrumentFakeStripe(stripe);

  const passwords = { postgres: randomBytes(12).toString('hex'), authenticator: randomBytes(12).toString('hex') };
  const { url } = await prepareMigratedDatabase(pg, 'postgres', passwords);
  const sql = postgres(url, { max: 2, onnotice: () => {} });
  const admin = postgres(pg.adminUrl, { max: 2, onnotice: () => {} });
  cleanups.push(async () => {
    await sql.end();
    await admin.end();
  });
  await admin.unsafe(`create database ${ENGINE_DB}`);
  const engineUrl = pg.urlFor(ENGINE_DB, 'supabase_admin', pg.password);
  if (PROFILE) {
    await admin.unsafe('create extension if not exists pg_stat_statements');
  }
  const [{ pid: backendPid }] = await admin<{ pid: number }[]>`select pg_backend_pid() as pid`;
  const postmaster = postmasterOf(backendPid);
  const price = stripe.seedPremiumPrice();

  // Users, each with a Stripe customer linked in our database. Most have a paid subscription; the
  // rest sign up during the run (customer.subscription.created → invoice.paid → .updated).
  const totalEvents = WARMUP + ROUNDS * (RATE * SECONDS + LATENCY_SLICES * LEAD_IN + THROUGHPUT_EVENTS) + DUPLICATES;
  const spareCustomers = Math.ceil(totalEvents / 18) + 10;
  log(`creating ${SUBSCRIPTIONS} subscribed users and ${spareCustomers} users who will subscribe during the run`);
  const subscriptionIds: string[] = [];
  const spare: string[] = [];
  for (let i = 0; i < SUBSCRIPTIONS + spareCustomers; i++) {
    const userId = await insertAuthUser(sql, { email: `bench${i}@example.test` });
    const customer = await stripe.apiPost('customers', { email: `bench${i}@example.test` });
    await sql`select billing.link_stripe_customer(${userId}, ${customer.id}, false)`;
    if (i >= SUBSCRIPTIONS) {
      spare.push(customer.id);
      continue;
    }
    const sub = await stripe.apiPost('subscriptions', { customer: customer.id, 'items[0][price]': price.id, payment_behavior: 'default_incomplete' });
    stripe.payFirstInvoice(sub.id, 'succeeded');
    subscriptionIds.push(sub.id);
  }

  const webhookSecret = `whsec_${randomBytes(24).toString('hex')}`;
  const sides: Side[] = [];
  let ours: Side | undefined;
  if (ONLY !== 'engine') {
    const fn = await startDenoFunction('stripe-webhook', { SUPABASE_DB_URL: url, STRIPE_WEBHOOK_SECRET: webhookSecret, ...stripe.env() }, { inspect: PROFILE || Boolean(HEAP_PROFILE), denoFlags: DENO_FLAGS });
    cleanups.push(() => fn.stop());
    if (DENO_FLAGS.length) cleanups.push(() => mkdir('bench-results', { recursive: true }).then(() => writeFile('bench-results/stripe-webhook-ours.log', fn.logs())));
    ours = { ...fn, key: 'ours', database: 'postgres' };
    sides.push(ours);
  }
  if (ONLY !== 'ours') {
    log('starting the Stripe Sync Engine (running its migrations)');
    const engine = await startSyncEngineServer({
      ENGINE_DATABASE_URL: engineUrl,
      ENGINE_SCHEMA: 'stripe',
      STRIPE_WEBHOOK_SECRET: webhookSecret,
      STRIPE_API_PORT: String(stripe.port),
      STRIPE_API_VERSION: FAKE_STRIPE_API_VERSION,
      ENGINE_REVALIDATE: ENGINE_REVALIDATE === 'none' ? '' : ENGINE_REVALIDATE,
      ...(ENGINE_POOL > 0 ? { ENGINE_POOL_MAX: String(ENGINE_POOL) } : {}),
    });
    cleanups.push(() => engine.stop());
    sides.push({ ...engine, key: 'engine', database: ENGINE_DB });
  }

  // ---- events ----------------------------------------------------------------------------------
  let flow = 0;
  let cursor = 0;
  const mix: Record<string, number> = {};
  const nextFlow = async (): Promise<FakeStripeEvent[]> => {
    const kind = flow++ % 6;
    if (kind === 5 && spare.length) {
      const customer = spare.pop()!;
      const { id } = await stripe.apiPost('subscriptions', { customer, 'items[0][price]': price.id, payment_behavior: 'default_incomplete' });
      const created = stripe.event('customer.subscription.created', stripe.subscriptions.get(id)!);
      subscriptionIds.push(id);
      return [created, ...stripe.payFirstInvoice(id, 'succeeded')];
    }
    const sub = subscriptionIds[cursor++ % subscriptionIds.length];
    if (kind === 1) return stripe.scheduleCancellation(sub);
    return stripe.renew(sub, kind === 3 ? 'failed' : 'succeeded');
  };
  const makeEvents = async (count: number): Promise<FakeStripeEvent[]> => {
    const out: FakeStripeEvent[] = [];
    while (out.length < count) out.push(...(await nextFlow()));
    const events = out.slice(0, count);
    if (SHUFFLE) {
      for (let i = events.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1));
        [events[i], events[j]] = [events[j], events[i]];
      }
    }
    for (const e of events) mix[e.type] = (mix[e.type] ?? 0) + 1;
    return events;
  };
  const sign = (events: FakeStripeEvent[]): Promise<Signed[]> =>
    Promise.all(events.map(async (e) => {
      const payload = JSON.stringify(e);
      return { payload, header: await signStripePayload(payload, webhookSecret) };
    }));
  const sender = (side: Side) => (d: Signed): Promise<Sent> =>
    timedPost(side.url, { 'stripe-signature': d.header, 'content-type': 'application/json' }, d.payload);

  // The measured scenarios send from the load generator's own thread (scripts/lib/bench-load.ts);
  // the warm-up and the one-at-a-time duplicate scenario send from here.
  const load = startLoadGenerator();
  cleanups.push(() => load.stop());
  const deliveries = (slice: Signed[]): LoadDelivery[] =>
    slice.map((d) => ({ payload: d.payload, headers: { 'stripe-signature': d.header, 'content-type': 'application/json' } }));
  /** Every latency-scenario delivery, for the slowest-requests breakdown (--trace-slow). */
  const trace: { side: string; type: string; sub: string; at: number; sinceSliceStart: number; ms: number; steps: Record<string, number> }[] = [];
  /** A load job's samples as the scenarios count them; fixed-rate ones (lead-in dropped) also go to the trace. */
  const samplesOf = (side: Side, slice: Signed[], result: LoadResult, traced: boolean) => {
    const { seconds } = result;
    // A fixed-rate slice's lead-in is sent, and answered, but not counted.
    const samples = traced ? result.samples.filter((s) => s.index >= LEAD_IN) : result.samples;
    const statuses: Record<string, number> = {};
    for (const s of samples) statuses[s.status] = (statuses[s.status] ?? 0) + 1;
    if (traced && TRACE_SLOW) {
      const sliceStart = Math.min(...samples.map((s) => s.at));
      for (const s of samples) {
        const e = JSON.parse(slice[s.index].payload);
        const o = e.data.object;
        trace.push({ side: side.key, type: e.type, sub: o.object === 'subscription' ? o.id : (o.subscription ?? o.parent?.subscription_details?.subscription ?? ''), at: s.at, sinceSliceStart: s.at - sliceStart, ms: s.ms, steps: parseServerTiming(s.serverTiming) });
      }
    }
    return { latencies: samples.map((s) => s.ms), statuses, seconds };
  };
  const fixedRate = async (slice: Signed[], side: Side) => samplesOf(side, slice, await load.open(side.url, deliveries(slice), RATE), true);
  const concurrent = async (slice: Signed[], side: Side) => samplesOf(side, slice, await load.closed(side.url, deliveries(slice), CONCURRENCY), false);

  // ---- measurement -----------------------------------------------------------------------------
  const profiler = (PROFILE || HEAP_PROFILE) && ours?.inspectorUrl ? await connectCpuProfiler(ours.inspectorUrl) : undefined;
  if (profiler) cleanups.push(async () => profiler.close());
  if (PROFILE && ours && !profiler) log('WARNING: no inspector URL in the Deno output; no CPU profile');
  const monitor: Sql = postgres(pg.adminUrl, { max: 1, onnotice: () => {} });
  cleanups.push(() => monitor.end());
  const profiles: Record<string, unknown> = {};

  async function measure<R extends { statuses: Record<string, number> }>(side: Side, scenario: string, events: number, run: () => Promise<R>, perSecond: (r: R) => number) {
    // The fake's history is not needed here and only grows (its full collections stalled its answers).
    stripe.forgetHistory();
    // A full collection of this process now, outside the clock, rather than one in the middle of a
    // slice: this heap holds the fake's whole state (≈ 100 MB), and a full collection of it paused
    // the fake Stripe's answers for 25-35 ms (--trace-slow: every delivery in flight waited in `stripe`).
    collectGarbage();
    await admin.unsafe('checkpoint');
    await new Promise((r) => setTimeout(r, 500));
    const deep = PROFILE && scenario === 'throughput';
    if (deep) await admin.unsafe('select pg_stat_statements_reset()');
    const sampler = deep ? sampleActivity(monitor, side.database, 10) : undefined;
    if (deep && side.key === 'ours' && profiler) await profiler.start();
    const heap = HEAP_PROFILE && scenario === 'latency' && side.key === 'ours' && profiler && !profiles.heap;
    if (heap) await profiler.startHeap(HEAP_PROFILE);
    stripeTiming.reset();
    const before = cpuSnapshot(side.pid, postmaster);
    const result = await run();
    const after = cpuSnapshot(side.pid, postmaster);
    if (heap) {
      profiles.heap = summarizeHeapProfile(await profiler.stopHeap());
      log(`heap profile (${HEAP_PROFILE}) of ours over one latency slice: ${JSON.stringify(profiles.heap, null, 1)}`);
    }
    const stripeCalls = stripeTiming.summary(events);
    const failed = Object.entries(result.statuses).filter(([s]) => s !== '200');
    if (failed.length) log(`WARNING ${side.key} ${scenario}: non-200 answers ${JSON.stringify(result.statuses)}\n${side.logs().slice(-2000)}`);
    const cpu = cpuBetween(before, after, events);
    if (deep) {
      const profile: Record<string, unknown> = { connections: await sampler!.stop(perSecond(result)), statements: await topStatements(monitor, side.database), fake_stripe: stripeCalls };
      if (side.key === 'ours' && profiler) {
        const cpuProfile = await profiler.stop();
        const file = join(repoRoot, 'bench-results', 'stripe-webhook-ours.cpuprofile');
        await mkdir(join(repoRoot, 'bench-results'), { recursive: true });
        await writeFile(file, JSON.stringify(cpuProfile));
        profile.cpu_profile = { file, ...summarizeCpuProfile(cpuProfile) };
      }
      profiles[side.key] = profile;
    }
    log(`${side.key.padEnd(6)} ${scenario}: ${perSecond(result)} events/s · ${cpu.server_cpu_ms_per_event} ms CPU/event · idle ${cpu.machine_idle_percent}%`);
    return { ...result, cpu, stripe_api_requests_per_event: stripeCalls.requests_per_event, stripe_api_connections: stripeCalls.connections, fake_stripe_service: stripeCalls.by_request };
  }
  const ordered = (round: number) => (round % 2 === 0 ? sides : [...sides].reverse());

  log('warm-up');
  const warm = await sign(await makeEvents(WARMUP));
  for (const side of sides) await closedLoop(warm, 4, sender(side));

  type Part = Awaited<ReturnType<typeof fixedRate>> & Awaited<ReturnType<typeof measure>> & { events: number };
  /** One throughput figure per side from its slices: events / time, percentiles over all samples, CPU weighted. */
  const mergeSlices = (ps: Part[]) => {
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const events = sum(ps.map((p) => p.events));
    const seconds = sum(ps.map((p) => p.seconds));
    const statuses: Record<string, number> = {};
    for (const p of ps) for (const [k, v] of Object.entries(p.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
    const byEvents = (f: (p: Part) => number) => Math.round((sum(ps.map((p) => f(p) * p.events)) / events) * 1000) / 1000;
    const byTime = (f: (p: Part) => number) => Math.round((sum(ps.map((p) => f(p) * p.seconds)) / seconds) * 100) / 100;
    return {
      concurrency: CONCURRENCY,
      per_second: Math.round(events / seconds),
      per_slice_per_second: ps.map((p) => Math.round(p.events / p.seconds)),
      latency: summarize(ps.flatMap((p) => p.latencies)),
      statuses,
      cpu: {
        server_cpu_ms_per_event: byEvents((p) => p.cpu.server_cpu_ms_per_event),
        postgres_cpu_ms_per_event: byEvents((p) => p.cpu.postgres_cpu_ms_per_event),
        bench_process_cpu_ms_per_event: byEvents((p) => p.cpu.bench_process_cpu_ms_per_event),
        server_cpu_cores: byTime((p) => p.cpu.server_cpu_cores),
        postgres_cpu_cores: byTime((p) => p.cpu.postgres_cpu_cores),
        bench_process_cpu_cores: byTime((p) => p.cpu.bench_process_cpu_cores),
        stack_cpu_cores: byTime((p) => p.cpu.stack_cpu_cores),
        machine_idle_percent: byTime((p) => p.cpu.machine_idle_percent),
      },
      stripe_api_requests_per_event: byEvents((p) => p.stripe_api_requests_per_event),
      stripe_api_connections: Math.max(...ps.map((p) => p.stripe_api_connections)),
      fake_stripe_service: ps[ps.length - 1].fake_stripe_service,
    };
  };
  /** Each slice is measured on every side in turn, who goes first alternating by round and slice. */
  const runSlices = async (
    events: Signed[],
    sliceCount: number,
    round: number,
    scenario: 'latency' | 'throughput',
    loop: (slice: Signed[], side: Side) => ReturnType<typeof fixedRate>,
  ): Promise<Record<string, Part[]>> => {
    const bySide: Record<string, Part[]> = {};
    const size = Math.ceil(events.length / sliceCount);
    for (let i = 0; i * size < events.length; i++) {
      const slice = events.slice(i * size, (i + 1) * size);
      for (const side of ordered(round + i)) {
        const part = await measure(side, scenario, slice.length, () => loop(slice, side), (x) => Math.round(slice.length / x.seconds));
        (bySide[side.key] ??= []).push({ ...part, events: slice.length });
      }
    }
    return bySide;
  };
  const rounds: { latency: Record<string, unknown>; throughput: Record<string, unknown> }[] = [];
  /** Every fixed-rate latency of every round, per side: the p99 target is judged on these. */
  const pooled: Record<string, number[]> = {};
  /** The same, slice by slice (slice i of each side ran back to back): for the p99 ratio's interval. */
  const slicesOf: Record<string, number[][]> = {};
  for (let r = 0; r < ROUNDS; r++) {
    const round = { latency: {} as Record<string, unknown>, throughput: {} as Record<string, unknown> };
    const open = await sign(await makeEvents(RATE * SECONDS + LATENCY_SLICES * LEAD_IN));
    const openParts = await runSlices(open, LATENCY_SLICES, r, 'latency', fixedRate);
    for (const side of sides) {
      const { per_second, per_slice_per_second, concurrency: _, ...rest } = mergeSlices(openParts[side.key]);
      round.latency[side.key] = { target_per_second: RATE, achieved_per_second: per_second, per_slice_achieved_per_second: per_slice_per_second, ...rest };
      (pooled[side.key] ??= []).push(...openParts[side.key].flatMap((p) => p.latencies));
      (slicesOf[side.key] ??= []).push(...openParts[side.key].map((p) => p.latencies));
    }
    const closed = await sign(await makeEvents(THROUGHPUT_EVENTS));
    const parts = await runSlices(closed, SLICES, r, 'throughput', concurrent);
    for (const side of sides) round.throughput[side.key] = mergeSlices(parts[side.key]);
    rounds.push(round);
  }
  const dup = await sign(await makeEvents(DUPLICATES));
  const duplicates: Record<string, unknown> = {};
  for (const side of sides) duplicates[side.key] = await duplicateCost(dup, sender(side));

  /** The slowest 2% per side, each with its steps (written to the report with --trace-slow). */
  const slowest: Record<string, unknown[]> = {};
  if (TRACE_SLOW) {
    for (const side of sides) {
      const mine = trace.filter((t) => t.side === side.key).sort((a, b) => a.at - b.at);
      const cut = [...mine].sort((a, b) => b.ms - a.ms)[Math.floor(mine.length * 0.02)]?.ms ?? 0;
      const slow = mine.filter((t) => t.ms >= cut);
      const byType: Record<string, number> = {};
      for (const t of mine) byType[t.type] = (byType[t.type] ?? 0) + 1;
      const slowByType: Record<string, number> = {};
      let sameSubWithin20 = 0;
      for (const t of slow) {
        slowByType[t.type] = (slowByType[t.type] ?? 0) + 1;
        if (mine.some((o) => o !== t && o.sub === t.sub && o.at < t.at && t.at - o.at < 20)) sameSubWithin20++;
      }
      // Clusters: slow deliveries sent within 30 ms of each other (a stall hits every request in flight).
      let clusters = 0;
      for (let i = 0; i < slow.length; i++) if (i === 0 || slow[i].at - slow[i - 1].at > 30) clusters++;
      // A slice starts after a checkpoint and a pause: a slow start would show here as more than
      // this window's share of the slow deliveries.
      const early = (ts: typeof mine) => ts.filter((t) => t.sinceSliceStart < 100).length;
      log(`${side.key}: sent in a slice's first 100 ms: ${early(slow)} of the slowest ${slow.length}, ${early(mine)} of all ${mine.length}`);
      log(`${side.key}: slowest 2% (≥ ${cut.toFixed(1)} ms): ${slow.length} deliveries in ${clusters} clusters; same subscription sent < 20 ms before: ${sameSubWithin20}; by type ${JSON.stringify(slowByType)} of ${JSON.stringify(byType)}`);
      log(`${side.key}: slow (s since its first delivery:ms) ${slow.map((t) => `${((t.at - mine[0].at) / 1000).toFixed(2)}s:${t.ms.toFixed(0)}`).join(' ')}`);
      slowest[side.key] = slow.map(({ side: _, at, ...t }) => ({ ...t, at_s: Math.round(at - mine[0].at) / 1000 }));
      // Where the slow ones spent their time, against all deliveries (our Server-Timing steps).
      const withSteps = mine.filter((t) => Object.keys(t.steps).length);
      if (withSteps.length) {
        const mean = (ts: typeof mine, f: (t: (typeof mine)[number]) => number) => Math.round((ts.reduce((a, t) => a + f(t), 0) / ts.length) * 100) / 100;
        const steps = [...new Set(withSteps.flatMap((t) => Object.keys(t.steps)))];
        const slowWith = slow.filter((t) => Object.keys(t.steps).length);
        const row = (ts: typeof mine) => ({
          ...Object.fromEntries(steps.map((k) => [k, mean(ts, (t) => t.steps[k] ?? 0)])),
          outside_the_handler: mean(ts, (t) => t.ms - Object.values(t.steps).reduce((a, b) => a + b, 0)),
          total: mean(ts, (t) => t.ms),
        });
        log(`${side.key}: mean ms per step (Server-Timing), all deliveries ${JSON.stringify(row(withSteps))}`);
        log(`${side.key}: mean ms per step (Server-Timing), slowest 2%     ${JSON.stringify(row(slowWith))}`);
      }
    }
  }

  // ---- what each side stored (a sanity check that both did the work) ---------------------------
  const stored: Record<string, unknown> = {};
  if (ours) {
    const [row] = await sql`select (select count(*) from billing.store_subscriptions where store = 'stripe')::int as subscriptions,
      (select count(*) from billing.store_events where store = 'stripe')::int as ledger_events`;
    stored.ours = row;
  }
  if (ONLY !== 'ours') {
    const e = postgres(engineUrl, { max: 1, onnotice: () => {} });
    const [row] = await e`select (select count(*) from stripe.subscriptions)::int as subscriptions, (select count(*) from stripe.invoices)::int as invoices,
      (select count(*) from stripe.subscription_items)::int as subscription_items`;
    await e.end();
    stored.engine = row;
  }

  // ---- table -----------------------------------------------------------------------------------
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  // deno-lint-ignore no-explicit-any
  const pick = (key: string, f: (x: any) => number, scenario: 'latency' | 'throughput') =>
    rounds.every((r) => r[scenario][key]) ? median(rounds.map((r) => f(r[scenario][key]))) : undefined;
  // deno-lint-ignore no-explicit-any
  const dupPick = (key: string, f: (x: any) => number) => (duplicates[key] ? f(duplicates[key]) : undefined);
  type Row = [string, number | undefined, number | undefined, 'higher' | 'lower'];
  const rows: Row[] = [
    [`throughput, ${CONCURRENCY} senders (events/s)`, pick('ours', (x) => x.per_second, 'throughput'), pick('engine', (x) => x.per_second, 'throughput'), 'higher'],
    [`  latency p50 under that load (ms)`, pick('ours', (x) => x.latency.p50_ms, 'throughput'), pick('engine', (x) => x.latency.p50_ms, 'throughput'), 'lower'],
    [`  server CPU per event (ms)`, pick('ours', (x) => x.cpu.server_cpu_ms_per_event, 'throughput'), pick('engine', (x) => x.cpu.server_cpu_ms_per_event, 'throughput'), 'lower'],
    [`  Postgres CPU per event (ms)`, pick('ours', (x) => x.cpu.postgres_cpu_ms_per_event, 'throughput'), pick('engine', (x) => x.cpu.postgres_cpu_ms_per_event, 'throughput'), 'lower'],
    [`  load generator + fake Stripe CPU/event (ms)`, pick('ours', (x) => x.cpu.bench_process_cpu_ms_per_event, 'throughput'), pick('engine', (x) => x.cpu.bench_process_cpu_ms_per_event, 'throughput'), 'lower'],
    [`  cores used by server + Postgres + bench (of ${cpus().length})`, pick('ours', (x) => x.cpu.stack_cpu_cores, 'throughput'), pick('engine', (x) => x.cpu.stack_cpu_cores, 'throughput'), 'higher'],
    [`  machine idle while loaded (% of all cores)`, pick('ours', (x) => x.cpu.machine_idle_percent, 'throughput'), pick('engine', (x) => x.cpu.machine_idle_percent, 'throughput'), 'lower'],
    [`  Stripe API requests per event`, pick('ours', (x) => x.stripe_api_requests_per_event, 'throughput'), pick('engine', (x) => x.stripe_api_requests_per_event, 'throughput'), 'lower'],
    [`latency at ${RATE}/s: p50 (ms)`, pick('ours', (x) => x.latency.p50_ms, 'latency'), pick('engine', (x) => x.latency.p50_ms, 'latency'), 'lower'],
    [`latency at ${RATE}/s: p90 (ms)`, pick('ours', (x) => x.latency.p90_ms, 'latency'), pick('engine', (x) => x.latency.p90_ms, 'latency'), 'lower'],
    [`latency at ${RATE}/s: p99 (ms)`, pick('ours', (x) => x.latency.p99_ms, 'latency'), pick('engine', (x) => x.latency.p99_ms, 'latency'), 'lower'],
    [`latency at ${RATE}/s: p99 over all rounds' deliveries (ms)`, pooled.ours && summarize(pooled.ours).p99_ms, pooled.engine && summarize(pooled.engine).p99_ms, 'lower'],
    [`  achieved rate (events/s)`, pick('ours', (x) => x.achieved_per_second, 'latency'), pick('engine', (x) => x.achieved_per_second, 'latency'), 'higher'],
    [`  server CPU per event at ${RATE}/s (ms)`, pick('ours', (x) => x.cpu.server_cpu_ms_per_event, 'latency'), pick('engine', (x) => x.cpu.server_cpu_ms_per_event, 'latency'), 'lower'],
    [`first delivery, one at a time: p50 (ms)`, dupPick('ours', (x) => x.first_delivery.p50_ms), dupPick('engine', (x) => x.first_delivery.p50_ms), 'lower'],
    [`duplicate delivery: p50 (ms)`, dupPick('ours', (x) => x.duplicate_delivery.p50_ms), dupPick('engine', (x) => x.duplicate_delivery.p50_ms), 'lower'],
  ];
  const fmt = (x: number | undefined) => (x === undefined ? '—' : String(Math.round(x * 100) / 100));
  const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b === 0 ? undefined : Math.round((a / b) * 100) / 100);
  const lines = [
    `| metric (median of ${ROUNDS} round${ROUNDS > 1 ? 's' : ''}) | ours (Deno function) | engine (revalidate) | ours / engine |`,
    '| --- | ---: | ---: | ---: |',
    ...rows.map(([name, a, b]) => `| ${name} | ${fmt(a)} | ${fmt(b)} | ${fmt(ratio(a, b))} |`),
  ];
  const throughputRatio = ratio(rows[0][1], rows[0][2]);
  // The p99 target is judged on every round's deliveries together: each side's median of per-round
  // p99s can pair one side's calm round with the other's stalled one.
  const p99Row = rows.find(([name]) => name.includes(`${RATE}/s: p99 over all rounds`))!;
  const p99Ratio = ratio(p99Row[1], p99Row[2]);
  // deno-lint-ignore no-explicit-any
  const perRound = rounds.map((r) => ratio((r.latency.ours as any)?.latency.p99_ms, (r.latency.engine as any)?.latency.p99_ms)).filter((x): x is number => x !== undefined);
  const interval = slicesOf.ours && slicesOf.engine ? pairedPercentileRatio(slicesOf.ours, slicesOf.engine, 99) : undefined;
  const achieved = rows.find(([name]) => name.includes('achieved rate'))!;
  const sustained = [achieved[1], achieved[2]].every((x) => x === undefined || x >= RATE * 0.97);
  const targets = {
    p99_comparable: sustained,
    throughput_ratio: throughputRatio,
    throughput_target_met: throughputRatio === undefined ? undefined : throughputRatio >= 1,
    p99_ratio: p99Ratio,
    p99_target_met: p99Ratio === undefined ? undefined : p99Ratio <= 1,
    p99_ratio_per_round: perRound,
    /** 95% bootstrap interval of p99_ratio, resampling slice pairs (bench-util.ts: pairedPercentileRatio). */
    p99_ratio_interval: interval && [Math.round(interval.low * 100) / 100, Math.round(interval.high * 100) / 100],
    p99_target_met_throughout_interval: interval && interval.high <= 1,
  };

  await writeReport('bench-stripe-webhook', {
    setup: {
      subscriptions: SUBSCRIPTIONS, rate: RATE, seconds: SECONDS, throughput_events: THROUGHPUT_EVENTS, concurrency: CONCURRENCY,
      duplicates: DUPLICATES, rounds: ROUNDS, throughput_slices: SLICES, latency_slices: LATENCY_SLICES, latency_lead_in_events: LEAD_IN, profiled: PROFILE, shuffled: SHUFFLE, event_mix: mix,
      engine: { package: '@supabase/stripe-sync-engine@0.48.5 (CommonJS build)', revalidateObjectsViaStripeApi: ENGINE_REVALIDATE, pool_max: ENGINE_POOL || 10 },
      ours: { pool_max: 4 },
      note: 'Postgres 17, the fake Stripe API, the load generator and both servers share this machine; the two sides run one after the other. The load generator has its own thread (own heap and event loop), the fake Stripe the main one. CPU from /proc (server: its process; Postgres: the whole cluster; bench: load generator + fake Stripe).',
    },
    table: lines,
    targets,
    rounds,
    duplicates,
    stored,
    ...(PROFILE || HEAP_PROFILE ? { profile: profiles } : {}),
    ...(TRACE_SLOW ? { slowest } : {}),
    wall_seconds: Math.round((performance.now() - started) / 1000),
  });
  console.log(`\n${lines.join('\n')}\n`);
  if (throughputRatio !== undefined) {
    console.log(`target throughput ≥ 1.0× engine: ${throughputRatio}× ${targets.throughput_target_met ? 'MET' : 'NOT MET'}`);
    console.log(`target p99 at ${RATE}/s ≤ 1.0× engine (all rounds' deliveries): ${p99Ratio}× ${targets.p99_target_met ? 'MET' : 'NOT MET'}`);
    if (interval) console.log(`  95% interval (bootstrap over ${slicesOf.ours.length} slice pairs): ${targets.p99_ratio_interval!.join('–')}× (${interval.high <= 1 ? 'under 1.0 throughout' : interval.low > 1 ? 'over 1.0 throughout' : 'includes 1.0: within the noise of this run'})`);
    if (perRound.length > 1) console.log(`  per round: ${perRound.join(', ')} (ours lower in ${perRound.filter((x) => x < 1).length} of ${perRound.length})`);
    if (!sustained) console.log(`  (caution: a side did not sustain ${RATE}/s on this machine — its p99 measures a growing backlog, not service time)`);
  }
  if (PROFILE) console.log(`profile details: bench-results/bench-stripe-webhook.json ("profile"), CPU profile: bench-results/stripe-webhook-ours.cpuprofile`);
}

// Self-stopping: a run that exceeds --max-seconds cleans up and exits.
const watchdog = setTimeout(() => {
  console.error(`[bench] exceeded --max-seconds ${MAX_SECONDS}; stopping`);
  void cleanup().finally(() => process.exit(2));
}, MAX_SECONDS * 1000);
watchdog.unref();
process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));

main()
  .then(cleanup, async (error) => {
    console.error(error);
    await cleanup();
    process.exit(1);
  })
  .finally(() => clearTimeout(watchdog));
