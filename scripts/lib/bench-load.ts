// Benchmark-only: a load generator in its own thread (bench-load-worker.ts), for the webhook
// benchmark, whose main thread also serves the fake Stripe API both sides read while they work.
//
// Why a thread: sharing one event loop, a collection or a burst of timers in either the sender or
// the fake Stripe stalled both, and whichever side was being measured took the whole stall (seen as
// 5-11 ms "outside the handler" and 5-11 ms "waiting for Stripe" in the slowest 2%; docs/benchmarks.md,
// third session). The deliveries are handed over before the clock starts, so the copy is not timed.
import { Worker } from 'node:worker_threads';

export interface LoadDelivery { payload: string; headers: Record<string, string> }
export type LoadJob =
  & { url: string; deliveries: LoadDelivery[] }
  & ({ mode: 'open'; rate: number } | { mode: 'closed'; concurrency: number });
/** One delivery as the sender saw it: sent `at` (ms since the epoch, fractional), answered after `ms`. */
export interface LoadSample { index: number; at: number; ms: number; status: number; serverTiming?: string }
export interface LoadResult { samples: LoadSample[]; seconds: number }

export interface LoadGenerator {
  /** Open loop: delivery i is sent at start + i/rate seconds, whatever the latency (as a store sends). */
  open(url: string, deliveries: LoadDelivery[], rate: number): Promise<LoadResult>;
  /** Closed loop: `concurrency` senders, each sending its next delivery as soon as the last one answered. */
  closed(url: string, deliveries: LoadDelivery[], concurrency: number): Promise<LoadResult>;
  stop(): Promise<void>;
}

export function startLoadGenerator(): LoadGenerator {
  // Node 20 does not carry the main thread's `--import tsx` loader into a worker: the worker
  // registers tsx itself, then loads the TypeScript module.
  const script = new URL('./bench-load-worker.ts', import.meta.url).href;
  const worker = new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(script)}); });`, { eval: true });
  let busy = false;
  const run = (job: LoadJob) => {
    if (busy) return Promise.reject(new Error('the load generator runs one job at a time'));
    busy = true;
    return new Promise<LoadResult>((resolve, reject) => {
      const onError = (error: Error) => {
        busy = false;
        reject(error);
      };
      worker.once('error', onError);
      worker.once('message', (m: { ok: true; result: LoadResult } | { ok: false; error: string }) => {
        worker.off('error', onError);
        busy = false;
        if (m.ok) resolve(m.result);
        else reject(new Error(`load generator: ${m.error}`));
      });
      worker.postMessage(job);
    });
  };
  return {
    open: (url, deliveries, rate) => run({ mode: 'open', url, deliveries, rate }),
    closed: (url, deliveries, concurrency) => run({ mode: 'closed', url, deliveries, concurrency }),
    stop: async () => {
      await worker.terminate();
    },
  };
}
