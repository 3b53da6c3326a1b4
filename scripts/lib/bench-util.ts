// Small helpers shared by the benchmark scripts.

export { numericArg } from './args.ts';

export interface LatencySummary {
  n: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  max_ms: number;
}

/** Percentiles (nearest rank) of latencies in milliseconds, rounded to microseconds. */
export function summarize(samplesMs: number[]): LatencySummary {
  const s = [...samplesMs].sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 1000) / 1000;
  const at = (p: number) => round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]);
  return { n: s.length, p50_ms: at(50), p90_ms: at(90), p99_ms: at(99), max_ms: round(s[s.length - 1]) };
}

export interface Sent {
  ms: number;
  status: number;
  /** The answer's Server-Timing header, when it has one. */
  serverTiming?: string;
}

/** One timed POST, body drained, as the sender (Stripe, Apple) experiences it. */
export async function timedPost(url: string, headers: Record<string, string>, body: string): Promise<Sent> {
  const start = performance.now();
  const res = await fetch(url, { method: 'POST', headers, body });
  await res.arrayBuffer();
  const serverTiming = res.headers.get('server-timing') ?? undefined;
  return { ms: performance.now() - start, status: res.status, ...(serverTiming ? { serverTiming } : {}) };
}

/** Open loop: item i is sent at start + i/rate seconds, whatever the latency (as a store sends). */
export async function openLoop<T>(items: T[], ratePerSecond: number, send: (item: T) => Promise<Sent>) {
  const { latencies, statuses, seconds } = await openLoopSamples(items, ratePerSecond, send);
  return { target_per_second: ratePerSecond, achieved_per_second: Math.round(items.length / seconds), latency: summarize(latencies), statuses };
}

/** Closed loop: `concurrency` senders, each sending its next item as soon as the last one answered. */
export async function closedLoop<T>(items: T[], concurrency: number, send: (item: T) => Promise<Sent>) {
  const { latencies, statuses, seconds } = await closedLoopSamples(items, concurrency, send);
  return { concurrency, per_second: Math.round(items.length / seconds), latency: summarize(latencies), statuses };
}

/** Sends items one by one, then all of them again: first-delivery vs duplicate-delivery cost. */
export async function duplicateCost<T>(items: T[], send: (item: T) => Promise<Sent>) {
  const first: number[] = [];
  for (const item of items) first.push((await send(item)).ms);
  const again: number[] = [];
  for (const item of items) again.push((await send(item)).ms);
  const a = summarize(first);
  const b = summarize(again);
  return { first_delivery: a, duplicate_delivery: b, duplicate_p50_ratio: Math.round((b.p50_ms / a.p50_ms) * 100) / 100 };
}

/** Prints a benchmark report and keeps it in bench-results/<name>.json. */
export async function writeReport(name: string, report: Record<string, unknown>): Promise<void> {
  const { mkdir, writeFile } = await import('node:fs/promises');
  const { cpus } = await import('node:os');
  const { join } = await import('node:path');
  const { repoRoot } = await import('./supabase-compat.ts');
  const full = { measured_at: new Date().toISOString(), machine: { cpus: cpus().length, node: process.version }, ...report };
  console.log(JSON.stringify(full, null, 2));
  await mkdir(join(repoRoot, 'bench-results'), { recursive: true });
  await writeFile(join(repoRoot, 'bench-results', `${name}.json`), JSON.stringify(full, null, 2));
}

/** Closed loop, raw samples (several runs can be merged): `concurrency` senders, each sending its next item as soon as the last one answered. */
export async function closedLoopSamples<T>(items: T[], concurrency: number, send: (item: T) => Promise<Sent>) {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) {
      const { ms, status } = await send(items[next++]);
      latencies.push(ms);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  }));
  return { latencies, statuses, seconds: (performance.now() - t0) / 1000 };
}

/** Open loop, raw samples (several runs can be merged): item i is sent at start + i/rate seconds, whatever the latency. */
export async function openLoopSamples<T>(items: T[], ratePerSecond: number, send: (item: T) => Promise<Sent>) {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const t0 = performance.now();
  await Promise.all(items.map(async (item, i) => {
    const wait = t0 + (i * 1000) / ratePerSecond - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const { ms, status } = await send(item);
    latencies.push(ms);
    statuses[status] = (statuses[status] ?? 0) + 1;
  }));
  return { latencies, statuses, seconds: (performance.now() - t0) / 1000 };
}
