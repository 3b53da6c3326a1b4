// Small helpers shared by the benchmark scripts.
import { Agent, request } from 'node:http';

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
  const s = Float64Array.from(samplesMs).sort();
  const round = (x: number) => Math.round(x * 1000) / 1000;
  const at = (p: number) => round(nearestRank(s, p));
  return { n: s.length, p50_ms: at(50), p90_ms: at(90), p99_ms: at(99), max_ms: round(s[s.length - 1]) };
}

export interface Sent {
  ms: number;
  status: number;
  /** The answer's Server-Timing header, when it has one. */
  serverTiming?: string;
}

// node:http on kept-alive connections rather than fetch: fetch (undici) allocated enough per request
// that a sender at 200 requests/s ran a full collection every ~3 s (pauses of 5-11 ms,
// `node --trace-gc`), each one added to the measured latency of every request in flight.
const agent = new Agent({ keepAlive: true, maxSockets: Infinity });

/** One timed POST, answer drained, as the sender (Stripe, Apple) experiences it. */
export function timedPost(url: string, headers: Record<string, string>, body: string): Promise<Sent> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.on('data', () => {});
      res.on('end', () => {
        const serverTiming = res.headers['server-timing'];
        resolve({ ms: performance.now() - start, status: res.statusCode ?? 0, ...(typeof serverTiming === 'string' ? { serverTiming } : {}) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
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

/** The p-th percentile of samples already sorted ascending (nearest rank). */
function nearestRank(sorted: ArrayLike<number>, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** The p-th percentile (nearest rank, as `summarize`) of samples. */
export function percentile(samples: ArrayLike<number>, p: number): number {
  return nearestRank(Float64Array.from(samples).sort(), p);
}

/** A small seeded generator (mulberry32): the same data gives the same interval, run after run. */
export function seededRandom(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let x = Math.imul(t ^ (t >>> 15), 1 | t);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

export interface RatioEstimate {
  /** a's pooled percentile / b's. */
  ratio: number;
  /** The bootstrap interval around it. */
  low: number;
  high: number;
  confidence: number;
}

/**
 * The ratio of two sides' pooled p-th percentiles, with a bootstrap interval over *paired slices*:
 * slice i of side a and slice i of side b ran back to back, under the same machine conditions, so a
 * resample draws whole pairs (with replacement). Drawing pairs keeps both what the slices shared (a
 * slow spell of the machine) and each slice's own clustering (one stall slows every delivery in
 * flight), which drawing single deliveries would pretend are independent.
 */
export function pairedPercentileRatio(
  a: number[][],
  b: number[][],
  p: number,
  options: { iterations?: number; confidence?: number; random?: () => number } = {},
): RatioEstimate {
  if (a.length !== b.length || a.length === 0) throw new Error('pairedPercentileRatio needs the same number (> 0) of slices on each side');
  const { iterations = 1000, confidence = 0.95, random = seededRandom(1) } = options;
  const pooled = (slices: number[][], pick: number[]) => percentile(pick.flatMap((i) => slices[i]), p);
  const all = a.map((_, i) => i);
  const ratio = pooled(a, all) / pooled(b, all);
  const ratios = new Float64Array(iterations);
  for (let k = 0; k < iterations; k++) {
    const pick = all.map(() => Math.floor(random() * a.length));
    ratios[k] = pooled(a, pick) / pooled(b, pick);
  }
  ratios.sort();
  const tail = (1 - confidence) / 2;
  const at = (q: number) => ratios[Math.min(iterations - 1, Math.max(0, Math.floor(q * iterations)))];
  return { ratio, low: at(tail), high: at(1 - tail), confidence };
}
