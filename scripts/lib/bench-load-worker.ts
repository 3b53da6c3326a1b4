// Benchmark-only: the load generator's thread (see bench-load.ts). It has its own V8 heap and event
// loop, so its timers, fetches and collections never stall the fake Stripe API served by the main
// thread, and a stall of the fake Stripe never delays a send or the clock that times it.
//
// It posts with node:http on kept-alive connections rather than fetch: fetch (undici) allocated
// enough per request that this thread ran a full collection every ~3 s at 200 events/s (pauses of
// 5-11 ms, `node --trace-gc`), each one added to the latency of every delivery in flight.
import { Agent, request } from 'node:http';
import { parentPort } from 'node:worker_threads';
import { closedLoopSamples, openLoopSamples, type Sent } from './bench-util.ts';
import type { LoadJob, LoadResult, LoadSample } from './bench-load.ts';

const agent = new Agent({ keepAlive: true, maxSockets: Infinity });

/** One timed POST, answer drained, as the sender (Stripe) experiences it. */
function timedPost(url: string, headers: Record<string, string>, body: string): Promise<Sent> {
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
