// `npm run dev`: runs the entitlement-webhooks function as soon as the database announces a new
// outbound event (pg_notify 'entitlement_events', sent at the commit of the change), rather than at
// the next minute tick, so `npm run simulate` sees each event delivered at once. Once when the
// listener starts, too: that run records the configured endpoints, which receive every event
// written from then on.
//
// Runs never overlap here (a notification during a run starts one more run after it), though the
// function is safe if they do (the minute scheduler may call it at the same time).
import postgres from 'postgres';
import { summarize } from './dev-scheduler.ts';

export const ENTITLEMENT_EVENTS_CHANNEL = 'entitlement_events';

export interface EntitlementEventListener {
  stop(): Promise<void>;
}

export async function listenForEntitlementEvents(o: {
  dbUrl: string;
  /** e.g. http://127.0.0.1:54321/functions/v1/entitlement-webhooks */
  functionUrl: string;
  cronSecret: string;
  log: (line: string) => void;
}): Promise<EntitlementEventListener> {
  const sql = postgres(o.dbUrl, { max: 1, onnotice: () => {} });
  const controller = new AbortController();
  let stopped = false;
  let again = false;
  let draining: Promise<void> | undefined;

  const runOnce = async () => {
    try {
      const res = await fetch(o.functionUrl, {
        method: 'POST',
        headers: { authorization: `Bearer ${o.cronSecret}`, 'content-type': 'application/json' },
        body: JSON.stringify({ scheduler: 'npm run dev (database notification)' }),
        signal: AbortSignal.any([controller.signal, AbortSignal.timeout(120_000)]),
      });
      const text = await res.text();
      const body = JSON.parse(text || '{}') as { attempted?: number; swept?: number };
      // Quiet when there was nothing to do; every delivery, failure and error is shown.
      if (res.status !== 200 || body.attempted || body.swept) {
        o.log(`[${new Date().toISOString()}] entitlement-webhooks (new event): ${res.status} ${summarize(text)}`);
      }
    } catch (error) {
      if (!stopped) o.log(`[${new Date().toISOString()}] entitlement-webhooks (new event): failed to call (${error instanceof Error ? error.message : error})`);
    }
  };

  const wake = () => {
    again = true;
    draining ??= (async () => {
      while (again && !stopped) {
        again = false;
        await runOnce();
      }
    })().finally(() => (draining = undefined));
  };

  // The third callback runs when LISTEN is in place (and again after a reconnect): catch up then.
  await sql.listen(ENTITLEMENT_EVENTS_CHANNEL, wake, wake);
  return {
    async stop() {
      stopped = true;
      controller.abort();
      await draining;
      await sql.end({ timeout: 2 });
    },
  };
}
