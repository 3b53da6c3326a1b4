// `npm run dev`'s stand-in for Supabase Cron (the embedded Postgres has no pg_cron): POSTs to the
// scheduled edge functions through the local gateway, with the cron secret, on the same kind of
// schedule as migration 20261129120300_scheduled_jobs.sql, and logs one line per run. A function
// that is not there (404) is skipped quietly: it may not exist yet.

export interface ScheduledJob {
  /** The edge function's name (/functions/v1/<name>). */
  name: string;
  everyMs: number;
  /** Delay of the first run (default: everyMs). */
  firstAfterMs?: number;
}

export interface DevScheduler {
  /** Runs one job now (skipped if it is already running); resolves with its log line. */
  runNow(name: string): Promise<string>;
  /** Cancels the timers and any call in flight. */
  stop(): Promise<void>;
}

export interface DevSchedulerOptions {
  /** e.g. http://127.0.0.1:54321/functions/v1 */
  functionsUrl: string;
  secret: string;
  jobs: ScheduledJob[];
  log: (line: string) => void;
  /** How long one call may take before it is abandoned (the function's own budget is shorter). */
  timeoutMs?: number;
}

/** The schedule of `npm run dev`: Supabase Cron's, reconcile more often so a local change shows up soon. */
export const DEV_SCHEDULE: ScheduledJob[] = [
  { name: 'entitlement-webhooks', everyMs: 60_000, firstAfterMs: 5_000 },
  { name: 'reconcile', everyMs: 5 * 60_000, firstAfterMs: 15_000 },
];

export function startDevScheduler(o: DevSchedulerOptions): DevScheduler {
  const controller = new AbortController();
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  const running = new Map<string, Promise<string>>();
  const absent = new Set<string>();
  let stopped = false;

  const call = async (name: string): Promise<string> => {
    const started = Date.now();
    let line: string;
    try {
      const res = await fetch(`${o.functionsUrl}/${name}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${o.secret}`, 'content-type': 'application/json' },
        body: JSON.stringify({ scheduler: 'npm run dev', scheduled_at: new Date().toISOString() }),
        signal: AbortSignal.any([controller.signal, AbortSignal.timeout(o.timeoutMs ?? 180_000)]),
      });
      const text = await res.text();
      if (res.status === 404) {
        // Say it once, not every minute.
        const first = !absent.has(name);
        absent.add(name);
        return first ? log(`${name}: not deployed here (404); skipped until it is`) : '';
      }
      absent.delete(name);
      line = `${name}: ${res.status} ${summarize(text)} in ${Date.now() - started} ms`;
    } catch (error) {
      if (stopped) return '';
      line = `${name}: failed to call (${error instanceof Error ? error.message : error})`;
    }
    return log(line);
  };

  const log = (line: string) => {
    const stamped = `[${new Date().toISOString()}] cron ${line}`;
    o.log(stamped);
    return stamped;
  };

  /** One call at a time per job: a tick that finds the last call still running is skipped, as pg_cron does. */
  const runNow = (name: string): Promise<string> => {
    const inFlight = running.get(name);
    if (inFlight || stopped) return inFlight ?? Promise.resolve('');
    const run = call(name).finally(() => running.delete(name));
    running.set(name, run);
    return run;
  };

  for (const job of o.jobs) {
    const tick = () => {
      if (stopped) return;
      void runNow(job.name);
      timers.set(job.name, setTimeout(tick, job.everyMs));
    };
    timers.set(job.name, setTimeout(tick, job.firstAfterMs ?? job.everyMs));
  }

  return {
    runNow,
    async stop() {
      stopped = true;
      for (const timer of timers.values()) clearTimeout(timer);
      controller.abort();
      await Promise.allSettled(running.values());
    },
  };
}

/** A short account of a function's JSON answer: its outcome and the counts that matter. */
export function summarize(text: string): string {
  let body: Record<string, any>; // deno-lint-ignore no-explicit-any
  try {
    body = JSON.parse(text);
  } catch {
    return text.slice(0, 120);
  }
  if (body?.error) return `${body.error.code}: ${body.error.message}`;
  if (body?.stripe || body?.appStore) {
    const stripe = body.stripe;
    const newEvents = stripe ? stripe.listed - stripe.outcomes.duplicate : 0;
    const apple = body.appStore?.status === 'done'
      ? `${body.appStore.refreshed} refreshed, ${body.appStore.notifications} notifications replayed`
      : 'App Store not configured';
    return `${body.outcome}: Stripe ${stripe?.listed ?? 0} events read, ${newEvents} new, ${stripe?.retried ?? 0} failed retried; ${apple}`;
  }
  const fields = Object.entries(body ?? {}).filter(([, v]) => ['string', 'number', 'boolean'].includes(typeof v));
  return fields.length ? fields.slice(0, 6).map(([k, v]) => `${k}=${v}`).join(' ') : text.slice(0, 120);
}
