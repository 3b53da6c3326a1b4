// Benchmark-only: the load generator's thread (see bench-load.ts). It has its own V8 heap and event
// loop, so its timers, requests and collections never stall the fake Stripe API served by the main
// thread, and a stall of the fake Stripe never delays a send or the clock that times it.
import { parentPort } from 'node:worker_threads';
import { closedLoopSamples, openLoopSamples, timedPost, type Sent } from './bench-util.ts';
import type { LoadJob, LoadResult, LoadSample } from './bench-load.ts';

async function run(job: LoadJob): Promise<LoadResult> {
  // A full collection now (node --expose-gc, as `npm run bench:webhook` runs), before the clock starts.
  (globalThis as { gc?: () => void }).gc?.();
  const samples: LoadSample[] = [];
  const send = async (i: number): Promise<Sent> => {
    const at = performance.timeOrigin + performance.now();
    const d = job.deliveries[i];
    const sent = await timedPost(job.url, d.headers, d.payload);
    samples.push({ index: i, at, ms: sent.ms, status: sent.status, ...(sent.serverTiming ? { serverTiming: sent.serverTiming } : {}) });
    return sent;
  };
  const indexes = job.deliveries.map((_, i) => i);
  const { seconds } = job.mode === 'open'
    ? await openLoopSamples(indexes, job.rate, send)
    : await closedLoopSamples(indexes, job.concurrency, send);
  return { samples, seconds };
}

parentPort!.on('message', (job: LoadJob) => {
  run(job).then(
    (result) => parentPort!.postMessage({ ok: true, result }),
    (error) => parentPort!.postMessage({ ok: false, error: String(error?.stack ?? error) }),
  );
});
