// The outbox in the database (supabase/migrations/*_entitlement_outbox.sql): thin, typed calls to
// its SQL functions. The rules (what a change is, which delivery is due) live there.
import type { Sql, TransactionSql } from 'postgres';

type Db = Sql | TransactionSql;

/**
 * Array parameters name their array type (text[], bigint[]): postgres.js 3.4.9 otherwise resolves
 * it from the array types it reads from the server on its first connection, and a query built
 * before that is sent as a plain list ("a,b"), which Postgres refuses as a malformed array literal.
 */
const TEXT_ARRAY_OID = 1009;
const BIGINT_ARRAY_OID = 1016;

/** A delivery claimed for one attempt. */
export interface ClaimedDelivery {
  deliveryId: number;
  eventId: string;
  endpoint: string;
  userId: string;
  seq: number;
  /** This attempt's number (1 for the first). */
  attempt: number;
  /** The event body exactly as stored; sent as JSON. */
  payload: unknown;
}

export type DeliveryOutcome =
  | { kind: 'delivered'; httpStatus: number | null }
  | { kind: 'retry'; afterMs: number; httpStatus: number | null; error: string }
  | { kind: 'dead'; httpStatus: number | null; error: string };

/**
 * Announces what time alone changed (periods and grace periods that ended at least `delaySeconds`
 * ago); returns the events written.
 */
export async function sweepEntitlementChanges(sql: Db, delaySeconds: number): Promise<number> {
  const [row] = await sql<{ events: number }[]>`select billing.sweep_entitlement_changes(p_delay_seconds => ${delaySeconds}) as events`;
  return row.events;
}

export async function syncOutboundEndpoints(sql: Db, endpoints: string[]): Promise<void> {
  await sql`select billing.sync_outbound_endpoints(${sql.array(endpoints, TEXT_ARRAY_OID)}::text[])`;
}

/** Claims up to `limit` due deliveries, each leased for `leaseSeconds`. */
export async function claimDeliveries(sql: Db, endpoints: string[], limit: number, leaseSeconds: number): Promise<ClaimedDelivery[]> {
  const rows = await sql<{ delivery_id: string; event_id: string; endpoint: string; user_id: string; seq: string; attempt: number; payload: unknown }[]>`
    select * from billing.claim_outbound_deliveries(${sql.array(endpoints, TEXT_ARRAY_OID)}::text[], ${limit}, ${leaseSeconds})`;
  return rows.map((r) => ({
    deliveryId: Number(r.delivery_id),
    eventId: r.event_id,
    endpoint: r.endpoint,
    userId: r.user_id,
    seq: Number(r.seq),
    attempt: r.attempt,
    payload: r.payload,
  }));
}

/** Records an attempt's outcome; false when the attempt was superseded (lease expired, or retried). */
export async function finishDelivery(sql: Db, claim: ClaimedDelivery, outcome: DeliveryOutcome): Promise<boolean> {
  const error = outcome.kind === 'delivered' ? null : outcome.error;
  // The delay, not a time: the database adds it to its own clock.
  const afterSeconds = outcome.kind === 'retry' ? outcome.afterMs / 1000 : null;
  const [row] = await sql<{ finished: boolean }[]>`
    select billing.finish_outbound_delivery(${claim.deliveryId}, ${claim.attempt}, ${outcome.kind}, ${outcome.httpStatus}, ${error}, ${afterSeconds}) as finished`;
  return row.finished;
}

/** Operator: dead (or waiting) deliveries back to pending, due now; returns their ids. */
export async function retryDeliveries(sql: Db, deliveryIds: number[]): Promise<number[]> {
  const rows = await sql<{ id: string }[]>`select billing.retry_outbound_deliveries(${sql.array(deliveryIds, BIGINT_ARRAY_OID)}::bigint[]) as id`;
  return rows.map((r) => Number(r.id));
}

/** Operator: new deliveries of existing events (same webhook-id); returns the new delivery ids. */
export async function replayEvents(sql: Db, eventIds: string[], endpoint: string | null): Promise<number[]> {
  const rows = await sql<{ id: string }[]>`
    select billing.replay_outbound_events(${sql.array(eventIds, TEXT_ARRAY_OID)}::text[], ${endpoint}) as id`;
  return rows.map((r) => Number(r.id));
}
