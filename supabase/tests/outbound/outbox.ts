// Reading the outbound-events outbox in tests: a person's events, what was last announced, and
// their public.subscriptions row as they read it, in one comparable shape.
import type { Sql } from 'postgres';
import type { TestDatabase } from '../helpers/test-database.ts';

export interface OutboxEvent {
  id: string;
  seq: number;
  type: string;
  payload: {
    type: string;
    timestamp: string;
    data: { user_id: string; sequence: number; subscription: Record<string, unknown> | null; cause: Record<string, unknown> };
  };
}

export async function eventsOf(sql: Sql, userId: string): Promise<OutboxEvent[]> {
  const rows = await sql<{ id: string; seq: string; type: string; payload: OutboxEvent['payload'] }[]>`
    select id, seq, type::text, payload from billing.outbound_events where user_id = ${userId} order by seq`;
  return rows.map((r) => ({ id: r.id, seq: Number(r.seq), type: r.type, payload: r.payload }));
}

export async function eventCount(sql: Sql, userId: string): Promise<number> {
  const [row] = await sql<{ n: number }[]>`select count(*)::int as n from billing.outbound_events where user_id = ${userId}`;
  return row.n;
}

/** What billing.entitlement_announcements holds for the person (undefined: no row). */
export async function announcedOf(sql: Sql, userId: string): Promise<{ state: Record<string, unknown> | null; seq: number } | undefined> {
  const [row] = await sql<{ state: Record<string, unknown> | null; seq: string }[]>`
    select state, seq from billing.entitlement_announcements where user_id = ${userId}`;
  return row ? { state: row.state, seq: Number(row.seq) } : undefined;
}

/** The person's row of public.subscriptions, read as that person (RLS), as PostgREST would. */
export async function viewRowOf(db: TestDatabase, userId: string): Promise<Record<string, unknown> | null> {
  const rows = await db.asUser(userId, (tx) => tx`select * from public.subscriptions`);
  return rows[0] ? { ...rows[0] } : null;
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}/;

/**
 * A subscriptions row in one shape whether it came from the view (Dates) or from JSON (strings in
 * any offset): timestamps as ISO UTC to the millisecond, without updated_at (which the outbox does
 * not compare), optionally without the fields that name the person.
 */
export function comparable(row: Record<string, unknown> | null | undefined, options: { withoutUser?: boolean } = {}): Record<string, unknown> | null {
  if (!row) return null;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row).sort(([a], [b]) => a.localeCompare(b))) {
    if (key === 'updated_at' || (options.withoutUser && key === 'user_id')) continue;
    out[key] = value instanceof Date ? value.toISOString() : typeof value === 'string' && TIMESTAMP.test(value) ? new Date(value).toISOString() : value;
  }
  return out;
}
