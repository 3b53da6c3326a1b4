// Benchmark-only profilers for scripts/bench-stripe-webhook.ts --profile:
// - a V8 CPU profile of a process started with --inspect (Chrome DevTools Protocol over WebSocket),
//   summarized by code area and by function;
// - a sampler of pg_stat_activity: what each database connection is doing (running SQL, waiting for
//   a lock, idle inside a transaction while the application works, idle in the pool);
// - pg_stat_statements (when the cluster preloads it): SQL time by statement;
// - service time of the fake Stripe API as its server sees it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Sql } from 'postgres';
import WebSocket from 'ws';
import { summarize } from './bench-util.ts';

// ---- V8 CPU profile over the inspector --------------------------------------------------------

interface CpuProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number; children?: number[] }
export interface CpuProfile { nodes: CpuProfileNode[]; startTime: number; endTime: number; samples?: number[]; timeDeltas?: number[] }

export async function connectCpuProfiler(inspectorUrl: string) {
  const ws = new WebSocket(inspectorUrl);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string } };
    if (msg.id && pending.has(msg.id)) {
      const p = pending.get(msg.id)!;
      pending.delete(msg.id);
      if (msg.error) p.reject(new Error(msg.error.message));
      else p.resolve(msg.result);
    }
  });
  const call = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<unknown>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, method, params }));
    });
  // Deno waits for this before it runs a script started with --inspect-wait; harmless otherwise.
  await call('Runtime.runIfWaitingForDebugger').catch(() => {});
  await call('Profiler.enable');
  await call('Profiler.setSamplingInterval', { interval: 500 }); // microseconds
  return {
    start: () => call('Profiler.start'),
    async stop(): Promise<CpuProfile> {
      const { profile } = (await call('Profiler.stop')) as { profile: CpuProfile };
      return profile;
    },
    /**
     * Sampling heap profile. `all`: every allocation; `survivors`: what no young-generation
     * collection freed (survived one, or is still young when stopped), the work scavenges copy and
     * promote; `live`: what no collection freed by the time it stops.
     */
    startHeap: async (mode: HeapProfileMode) => {
      await call('HeapProfiler.enable');
      await call('HeapProfiler.startSampling', {
        samplingInterval: 4096,
        includeObjectsCollectedByMinorGC: mode === 'all',
        includeObjectsCollectedByMajorGC: mode !== 'live',
      });
    },
    async stopHeap(): Promise<HeapSamplingProfile> {
      const { profile } = (await call('HeapProfiler.stopSampling')) as { profile: HeapSamplingProfile };
      return profile;
    },
    close: () => ws.close(),
  };
}

export type HeapProfileMode = 'all' | 'survivors' | 'live';
interface HeapNode { callFrame: { functionName: string; url: string; lineNumber: number }; selfSize: number; children: HeapNode[] }
export interface HeapSamplingProfile { head: HeapNode }

/** Sampled bytes by allocating stack (the innermost `depth` frames), largest first. */
export function summarizeHeapProfile(profile: HeapSamplingProfile, top = 40, depth = 4) {
  const bySite = new Map<string, number>();
  const frame = (n: HeapNode) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*\/(supabase|node_modules)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;
  let total = 0;
  const walk = (n: HeapNode, stack: string[]) => {
    const here = [...stack, frame(n)];
    if (n.selfSize) {
      const key = here.slice(-depth).reverse().join(' < ');
      bySite.set(key, (bySite.get(key) ?? 0) + n.selfSize);
      total += n.selfSize;
    }
    for (const c of n.children) walk(c, here);
  };
  walk(profile.head, []);
  return {
    sampled_kb: Math.round(total / 1024),
    top_sites: [...bySite].sort((a, b) => b[1] - a[1]).slice(0, top).map(([site, bytes]) => ({ kb: Math.round(bytes / 1024), site })),
  };
}

function area(url: string, fn: string): string {
  if (fn === '(idle)') return 'idle (main thread waiting for I/O)';
  if (fn === '(garbage collector)') return 'garbage collector';
  if (fn === '(program)' || fn === '(root)') return 'V8/runtime native (program)';
  if (url.includes('supabase/functions/')) return 'our function code (supabase/functions)';
  if (/node_modules\/(\.deno\/)?postgres|\/postgres@|postgres\/src|postgres\/cf\/src/.test(url)) return 'postgres.js driver';
  if (/stripe/.test(url)) return 'stripe SDK';
  if (url.startsWith('ext:deno_http') || url.startsWith('ext:deno_net') || url.startsWith('ext:runtime')) return 'Deno HTTP server / net';
  if (url.startsWith('ext:deno_fetch') || url.startsWith('ext:deno_web')) return 'Deno fetch / web streams';
  if (url.startsWith('ext:deno_crypto')) return 'Deno WebCrypto';
  if (url.startsWith('node:') || url.startsWith('ext:deno_node')) return 'Deno Node compat (node:*)';
  if (url.startsWith('ext:')) return 'Deno other ext';
  if (url === '') return 'native/builtin (no url)';
  return 'other JS';
}

/** Self time by code area and by function, inclusive time by function (ms and % of profile wall). */
export function summarizeCpuProfile(profile: CpuProfile, top = 20) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  if (profile.samples && profile.timeDeltas) {
    profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas![i + 1] ?? 0)));
  } else {
    const total = profile.endTime - profile.startTime;
    const hits = profile.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0) || 1;
    for (const n of profile.nodes) selfUs.set(n.id, ((n.hitCount ?? 0) / hits) * total);
  }
  const wallUs = profile.endTime - profile.startTime;
  const pct = (us: number) => Math.round((us / wallUs) * 1000) / 10;
  const ms = (us: number) => Math.round(us / 100) / 10;
  const areas = new Map<string, number>();
  const selfByFn = new Map<string, number>();
  const label = (n: CpuProfileNode) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*\/(supabase|node_modules)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;
  for (const n of profile.nodes) {
    const us = selfUs.get(n.id) ?? 0;
    const a = area(n.callFrame.url, n.callFrame.functionName);
    areas.set(a, (areas.get(a) ?? 0) + us);
    if (!['(idle)', '(program)', '(garbage collector)', '(root)'].includes(n.callFrame.functionName)) selfByFn.set(label(n), (selfByFn.get(label(n)) ?? 0) + us);
  }
  // Inclusive time per function, each function counted once per stack.
  const inclusive = new Map<string, number>();
  const walk = (id: number, onStack: Set<string>): number => {
    const n = byId.get(id)!;
    let total = selfUs.get(id) ?? 0;
    const l = label(n);
    const fresh = !onStack.has(l);
    if (fresh) onStack.add(l);
    for (const c of n.children ?? []) total += walk(c, onStack);
    if (fresh) {
      onStack.delete(l);
      if (!['(root)', '(idle)', '(program)', '(garbage collector)'].includes(n.callFrame.functionName)) inclusive.set(l, (inclusive.get(l) ?? 0) + total);
    }
    return total;
  };
  walk(profile.nodes[0].id, new Set());
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return {
    wall_ms: ms(wallUs),
    by_area: Object.fromEntries(sorted(areas).map(([k, v]) => [k, { ms: ms(v), percent: pct(v) }])),
    top_self: sorted(selfByFn).slice(0, top).map(([fn, v]) => ({ fn, ms: ms(v), percent: pct(v) })),
    top_inclusive: sorted(inclusive).slice(0, top).map(([fn, v]) => ({ fn, ms: ms(v), percent: pct(v) })),
  };
}

// ---- pg_stat_activity sampler -----------------------------------------------------------------

/** What the client connections to `database` are doing, sampled every `intervalMs`, until stopped. */
export function sampleActivity(sql: Sql, database: string, intervalMs = 10) {
  const counts = new Map<string, number>();
  const busyHistogram = new Map<number, number>();
  let samples = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const rows = await sql<{ state: string | null; wait_event_type: string | null; wait_event: string | null }[]>`
        select state, wait_event_type, wait_event from pg_stat_activity
        where datname = ${database} and backend_type = 'client backend' and pid <> pg_backend_pid()`;
      samples++;
      let busy = 0;
      for (const r of rows) {
        let key: string;
        if (r.state === 'idle') key = 'idle in pool';
        else if (r.state === 'idle in transaction') key = 'idle in transaction (application holds the transaction: Stripe call, JS)';
        else if (r.state === 'active' && r.wait_event_type === 'Lock') key = `waiting for lock (${r.wait_event})`;
        else if (r.state === 'active' && r.wait_event_type === 'Client') key = `active, waiting on client (${r.wait_event})`;
        else if (r.state === 'active' && r.wait_event_type) key = `running SQL, waiting on ${r.wait_event_type}/${r.wait_event}`;
        else if (r.state === 'active') key = 'running SQL (on CPU)';
        else key = String(r.state);
        counts.set(key, (counts.get(key) ?? 0) + 1);
        if (r.state !== 'idle') busy++;
      }
      busyHistogram.set(busy, (busyHistogram.get(busy) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    async stop(eventsPerSecond: number) {
      stopped = true;
      await loop;
      const round = (x: number) => Math.round(x * 100) / 100;
      const states = [...counts].sort((a, b) => b[1] - a[1]).map(([state, n]) => ({
        state,
        mean_connections: round(n / samples),
        // Little's law: connections in a state / events per second = time per event in that state.
        ms_per_event: state === 'idle in pool' ? undefined : round(((n / samples) / eventsPerSecond) * 1000),
      }));
      const busy = Object.fromEntries([...busyHistogram].sort((a, b) => a[0] - b[0]).map(([k, v]) => [`${k}_busy`, `${round((v / samples) * 100)}%`]));
      return { samples, states, busy_connections_share_of_samples: busy };
    },
  };
}

// ---- pg_stat_statements -------------------------------------------------------------------------

export async function topStatements(sql: Sql, database: string, limit = 12) {
  const rows = await sql<{ query: string; calls: string; total_ms: number; mean_ms: number }[]>`
    select regexp_replace(s.query, '\\s+', ' ', 'g') as query, s.calls::text, round(s.total_exec_time::numeric, 1)::float8 as total_ms,
           round(s.mean_exec_time::numeric, 3)::float8 as mean_ms
    from pg_stat_statements s join pg_database d on d.oid = s.dbid
    where d.datname = ${database}
    order by s.total_exec_time desc limit ${limit}`;
  return rows.map((r) => ({ ...r, query: r.query.slice(0, 160) }));
}

// ---- fake Stripe service time -------------------------------------------------------------------

/** Times every request the fake Stripe API serves (arrival → response finished), by method and path shape. */
export function instrumentFakeStripe(stripe: object) {
  const target = stripe as { handle(req: IncomingMessage, res: ServerResponse): Promise<void> };
  const original = target.handle.bind(stripe);
  let samples: { kind: string; ms: number }[] = [];
  let seen = new WeakSet<object>();
  let connections = 0;
  target.handle = (req, res) => {
    if (!seen.has(req.socket)) {
      seen.add(req.socket);
      connections++;
    }
    const start = performance.now();
    const kind = `${req.method} ${(req.url ?? '').split('?')[0].replace(/\/(sub|in|cus|evt|pi|ch)_[A-Za-z0-9]+/g, '/:id')}`;
    res.once('finish', () => samples.push({ kind, ms: performance.now() - start }));
    return original(req, res);
  };
  return {
    reset() {
      samples = [];
      seen = new WeakSet<object>();
      connections = 0;
    },
    summary(events: number) {
      const kinds = new Map<string, number[]>();
      for (const s of samples) {
        const list = kinds.get(s.kind) ?? [];
        list.push(s.ms);
        kinds.set(s.kind, list);
      }
      return {
        requests_per_event: Math.round((samples.length / events) * 100) / 100,
        /** Distinct TCP connections the requests came on: ≈ requests means no keep-alive. */
        connections,
        by_request: Object.fromEntries([...kinds].map(([k, v]) => [k, { n: v.length, p50_ms: summarize(v).p50_ms, p99_ms: summarize(v).p99_ms }])),
      };
    },
  };
}
