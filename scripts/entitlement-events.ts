// `npm run events`: the outbound entitlement webhooks' outbox, for operators (docs/outbound-webhooks.md).
//
//   npm run events -- list [--status pending|delivered|dead] [--user <id>] [--limit 50] [--json]
//   npm run events -- retry <delivery id>... | --dead        # back to pending, due now, attempts from 0
//   npm run events -- replay <event id>...                     # new deliveries, same webhook-id
//   npm run events -- replay --user <id> [--since <ISO time>]  # ... of a person's events (since a time)
//   npm run events -- replay --since <ISO time>                # ... of everyone's events since a time
//                      [--endpoint <url>]                      #     to one endpoint (default: all active)
//
// Reads SUPABASE_DB_URL (default: the `npm run dev` database). Retried and replayed deliveries go
// out on the next run of the entitlement-webhooks function: at once under `npm run dev` (it listens
// for the database notification), within a minute where Supabase Cron runs it.
import postgres, { type Sql } from 'postgres';
import { replayEvents, retryDeliveries } from '../supabase/functions/_shared/outbound-store.ts';

const USAGE = `Usage:
  npm run events -- list [--status pending|delivered|dead] [--user <id>] [--limit <n>] [--json]
  npm run events -- retry <delivery id>... | --dead
  npm run events -- replay <event id>... | --user <id> [--since <ISO time>] | --since <ISO time>  [--endpoint <url>]`;

const STATUSES = ['pending', 'delivered', 'dead'] as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type EventsCommand =
  | { kind: 'list'; status?: (typeof STATUSES)[number]; userId?: string; limit: number; json: boolean }
  | { kind: 'retry'; deliveryIds: number[] }
  | { kind: 'retry-dead' }
  | { kind: 'replay'; eventIds: string[]; endpoint?: string }
  | { kind: 'replay-matching'; userId?: string; since?: Date; endpoint?: string };

export class UsageError extends Error {}

/** The command line, checked before anything touches the database. */
export function parseEventsCommand(argv: string[]): EventsCommand {
  const [command, ...rest] = argv;
  const options = new Map<string, string | true>();
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const name = arg.slice(2);
    if (name === 'json' || name === 'dead') options.set(name, true);
    else {
      const value = rest[++i];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`--${name} needs a value`);
      options.set(name, value);
    }
  }
  const text = (name: string) => options.get(name) as string | undefined;
  const userId = text('user');
  if (userId !== undefined && !UUID.test(userId)) throw new UsageError(`--user must be a user id (uuid), not "${userId}"`);
  const known = (names: string[]) => {
    for (const name of options.keys()) if (!names.includes(name)) throw new UsageError(`${command} does not take --${name}`);
  };

  switch (command) {
    case 'list': {
      known(['status', 'user', 'limit', 'json']);
      const status = text('status');
      if (status !== undefined && !STATUSES.includes(status as never)) throw new UsageError(`--status must be one of ${STATUSES.join(', ')}`);
      const limit = Number(text('limit') ?? 50);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new UsageError('--limit must be an integer from 1 to 10000');
      if (positional.length) throw new UsageError(`list takes no arguments, got ${positional.join(' ')}`);
      return { kind: 'list', status: status as (typeof STATUSES)[number] | undefined, userId, limit, json: options.has('json') };
    }
    case 'retry': {
      known(['dead']);
      if (options.has('dead')) {
        if (positional.length) throw new UsageError('retry takes delivery ids or --dead, not both');
        return { kind: 'retry-dead' };
      }
      if (!positional.length) throw new UsageError('retry needs delivery ids or --dead');
      const ids = positional.map(Number);
      const bad = positional.find((p, i) => !Number.isSafeInteger(ids[i]) || ids[i] < 1);
      if (bad !== undefined) throw new UsageError(`not a delivery id: "${bad}"`);
      return { kind: 'retry', deliveryIds: ids };
    }
    case 'replay': {
      known(['user', 'since', 'endpoint']);
      const endpoint = text('endpoint');
      const sinceText = text('since');
      const since = sinceText === undefined ? undefined : new Date(sinceText);
      if (since && Number.isNaN(since.getTime())) throw new UsageError(`--since must be an ISO time, not "${sinceText}"`);
      if (positional.length) {
        if (userId || since) throw new UsageError('replay takes event ids, or --user / --since, not both');
        const bad = positional.find((p) => !/^evt_[0-9a-f]{32}$/.test(p));
        if (bad) throw new UsageError(`not an event id (evt_ and 32 hex digits): "${bad}"`);
        return { kind: 'replay', eventIds: positional, endpoint };
      }
      if (!userId && !since) throw new UsageError('replay needs event ids, --user or --since');
      return { kind: 'replay-matching', userId, since, endpoint };
    }
    default:
      throw new UsageError(command ? `unknown command "${command}"` : 'no command');
  }
}

interface DeliveryRow {
  id: string;
  event_id: string;
  user_id: string;
  seq: string;
  type: string;
  endpoint: string;
  status: string;
  attempts: number;
  next_attempt_at: Date;
  delivered_at: Date | null;
  last_http_status: number | null;
  last_error: string | null;
  created_at: Date;
}

async function list(sql: Sql, c: EventsCommand & { kind: 'list' }): Promise<void> {
  const rows = await sql<DeliveryRow[]>`
    select d.id, d.event_id, d.user_id, d.seq, e.type::text as type, d.endpoint, d.status::text as status, d.attempts,
           d.next_attempt_at, d.delivered_at, d.last_http_status, d.last_error, e.created_at
    from billing.outbound_deliveries d
    join billing.outbound_events e on e.id = d.event_id
    where (${c.status ?? null}::text is null or d.status::text = ${c.status ?? null})
      and (${c.userId ?? null}::uuid is null or d.user_id = ${c.userId ?? null})
    order by d.id desc
    limit ${c.limit}`;
  if (c.json) {
    console.log(JSON.stringify(rows.map((r) => ({ ...r, id: Number(r.id), seq: Number(r.seq) })), null, 2));
    return;
  }
  if (!rows.length) {
    console.log('No deliveries.');
    return;
  }
  const iso = (d: Date | null) => (d ? d.toISOString().replace(/\.\d+Z$/, 'Z') : '—');
  const table = [
    ['delivery', 'event', 'user', 'seq', 'type', 'status', 'attempts', 'when', 'endpoint', 'last error'],
    ...rows.map((r) => [
      r.id, r.event_id, r.user_id, r.seq, r.type, r.status, String(r.attempts),
      r.status === 'delivered' ? iso(r.delivered_at) : r.status === 'pending' ? `next ${iso(r.next_attempt_at)}` : iso(r.next_attempt_at),
      r.endpoint, r.last_error ?? '',
    ]),
  ];
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  for (const row of table) console.log(row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ').trimEnd());
}

async function retry(sql: Sql, ids: number[]): Promise<void> {
  if (!ids.length) {
    console.log('No dead deliveries.');
    return;
  }
  const retried = await retryDeliveries(sql, ids);
  console.log(`${retried.length} deliver${retried.length === 1 ? 'y' : 'ies'} back to pending, due now: ${retried.join(', ')}`);
}

async function replay(sql: Sql, eventIds: string[], endpoint: string | undefined): Promise<void> {
  if (!eventIds.length) {
    console.log('No events match.');
    return;
  }
  const created = await replayEvents(sql, eventIds, endpoint ?? null);
  console.log(`${created.length} new deliver${created.length === 1 ? 'y' : 'ies'} of ${eventIds.length} event(s)${created.length ? `: ${created.join(', ')}` : ' (no active endpoint: run the entitlement-webhooks function with ENTITLEMENT_WEBHOOK_ENDPOINTS first)'}`);
}

async function run(sql: Sql, c: EventsCommand): Promise<void> {
  switch (c.kind) {
    case 'list':
      return list(sql, c);
    case 'retry':
      return retry(sql, c.deliveryIds);
    case 'retry-dead': {
      const rows = await sql<{ id: string }[]>`select id from billing.outbound_deliveries where status = 'dead' order by id`;
      return retry(sql, rows.map((r) => Number(r.id)));
    }
    case 'replay':
      return replay(sql, c.eventIds, c.endpoint);
    case 'replay-matching': {
      const rows = await sql<{ id: string }[]>`
        select id from billing.outbound_events
        where (${c.userId ?? null}::uuid is null or user_id = ${c.userId ?? null})
          and (${c.since ?? null}::timestamptz is null or created_at >= ${c.since ?? null})
        order by user_id, seq`;
      return replay(sql, rows.map((r) => r.id), c.endpoint);
    }
  }
}

function databaseUrl(): string {
  return process.env.SUPABASE_DB_URL ?? `postgresql://postgres:postgres@127.0.0.1:${process.env.DEV_DB_PORT ?? 54322}/postgres`;
}

async function main(): Promise<number> {
  let command: EventsCommand;
  try {
    command = parseEventsCommand(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n\n${USAGE}`);
    return 2;
  }
  const sql = postgres(databaseUrl(), { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    await run(sql, command);
    return 0;
  } catch (error) {
    const e = error as { code?: string; message?: string; hint?: string };
    if (e.code === '22023') {
      console.error(`${e.message}${e.hint ? ` (${e.hint})` : ''}`);
      return 1;
    }
    if (e.code === 'ECONNREFUSED') {
      console.error(`Cannot reach the database at ${databaseUrl().replace(/:[^:@/]*@/, ':***@')}: start \`npm run dev\` or set SUPABASE_DB_URL.`);
      return 1;
    }
    throw error;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

if (process.argv[1]?.endsWith('entitlement-events.ts')) {
  main().then((code) => process.exit(code), (error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
