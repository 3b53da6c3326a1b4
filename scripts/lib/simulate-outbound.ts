// `npm run simulate`: the outbound entitlement webhooks each step sends. Runs the local receiver
// `npm run dev` delivers to (ENTITLEMENT_WEBHOOK_ENDPOINTS, by default http://127.0.0.1:54332/…),
// which verifies every request with the Standard Webhooks library, and after each step prints the
// events the outbox holds for the person and whether each arrived, verified.
import type { Sql } from 'postgres';
import { startReceiver, type Receiver } from '../../supabase/tests/outbound/receiver.ts';

/** How long a step waits for its events to arrive (dev wakes the function on each new event). */
const ARRIVAL_TIMEOUT_MS = 15_000;

export interface OutboundWatch {
  /** The person's events written since the last call, and whether each was received and verified. */
  step(userId: string): Promise<{ lines: string[]; ok: boolean }>;
  /** A summary line for the end of the run. */
  summary(): string;
  close(): Promise<void>;
}

interface StoredEvent {
  id: string;
  seq: string;
  type: string;
  payload: { data: { subscription: { status?: string; is_active?: boolean } | null; cause: { reason?: string; store_event_id?: string | null } } };
}

function loopbackEndpoint(endpoints: string[] | undefined): URL | undefined {
  for (const endpoint of endpoints ?? []) {
    const url = new URL(endpoint);
    if (url.protocol === 'http:' && ['127.0.0.1', 'localhost'].includes(url.hostname)) return url;
  }
  return undefined;
}

export async function watchOutboundEvents(owner: Sql, endpoints: string[] | undefined, secret: string | undefined): Promise<OutboundWatch> {
  const target = loopbackEndpoint(endpoints);
  let receiver: Receiver | undefined;
  let note = '';
  if (!endpoints || !secret) {
    note = 'the running `npm run dev` predates the outbound webhooks: restart it to see them';
  } else if (!target) {
    note = `events go to ${endpoints.join(', ')} (ENTITLEMENT_WEBHOOK_ENDPOINTS), not to a local receiver`;
  } else {
    try {
      receiver = await startReceiver(secret, { port: Number(target.port), path: target.pathname });
    } catch (error) {
      note = `could not listen on ${target.host} (${(error as Error).message}): is another simulate running?`;
    }
  }
  const lastSeq = new Map<string, number>();
  let shown = 0;
  let verified = 0;

  return {
    async step(userId) {
      const events = await owner<StoredEvent[]>`
        select id, seq, type::text, payload from billing.outbound_events
        where user_id = ${userId} and seq > ${lastSeq.get(userId) ?? 0} order by seq`;
      if (!events.length) return { lines: ['webhook: no change to announce'], ok: true };
      lastSeq.set(userId, Number(events.at(-1)!.seq));
      const lines: string[] = [];
      let ok = true;
      for (const e of events) {
        shown++;
        const sub = e.payload.data.subscription;
        const what = `webhook #${e.seq} entitlement.${e.type} (${sub ? `${sub.status}, ${sub.is_active ? 'active' : 'inactive'}` : 'no subscription'}; webhook-id ${e.id}, cause ${e.payload.data.cause.store_event_id ?? e.payload.data.cause.reason})`;
        if (!receiver) {
          lines.push(`${what} → ${note}`);
          continue;
        }
        const deadline = Date.now() + ARRIVAL_TIMEOUT_MS;
        let arrived = receiver.received.find((r) => r.id === e.id && r.verified && r.answer === 204);
        while (!arrived && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          arrived = receiver.received.find((r) => r.id === e.id && r.verified && r.answer === 204);
        }
        if (arrived) verified++;
        else ok = false;
        lines.push(`${what} → ${arrived ? 'received by the local receiver, signature verified ✓' : `✗ not received within ${ARRIVAL_TIMEOUT_MS / 1000} s (npm run events -- list --user ${userId})`}`);
      }
      return { lines, ok };
    },
    summary() {
      return receiver
        ? `Outbound webhooks: ${verified} of ${shown} events received at ${receiver.url}, every signature verified with standardwebhooks; forged requests: ${receiver.received.filter((r) => !r.verified).length}`
        : `Outbound webhooks: ${shown} events written; ${note}`;
    },
    close: async () => receiver?.close(),
  };
}
