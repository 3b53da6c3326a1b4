// One small Postgres pool per isolate, on SUPABASE_DB_URL (the `postgres` role). Prepared
// statements unless the URL is a transaction-mode pooler (databaseConfig().prepare says why).
//
// Losing the database (a restart, a failover, `pg_ctl stop -m immediate`) must cost 503s while it
// is gone, never the process, and the pool must work again once it is back. postgres.js 3.4.9 (the
// latest release) gets two things wrong when a connection is lost mid-request:
//   1. a transaction keeps writing to its closed connection and the write throws inside a timer,
//      which would end the process — see process-guard.ts, installed here for every function that
//      uses the database;
//   2. `closed()` cancels the connection's pending batched write without resetting its state
//      (`nextWriteTimer` stays set, stale bytes stay buffered), so when the pool reconnects that
//      same connection object its startup message is never flushed: queries wait out
//      connect_timeout or hang, again and again, long after Postgres is back.
// Neither can be fixed from outside the library's connection objects, so a pool that lost a
// connection is never reused: it is retired at once (synchronously, in postgres.js's `onclose`) and
// the next query gets a fresh pool. The retired pool is ended in the background: work still running
// on its healthy connections gets RETIRE_GRACE_SECONDS to finish, then its connections are
// destroyed and whatever is still queued on it fails with CONNECTION_DESTROYED (a 503) instead of
// waiting out postgres.js's reconnect backoff (up to 20 s per attempt) against a dead server.
// `db()` hands out a stable handle that always forwards to the current pool, so a caller that
// keeps `const sql = db()` across awaits follows the replacement too.
//
// `onclose` does not say why a connection closed, so postgres.js's own idle_timeout and
// max_lifetime are off (their closes would look like losses) and this module does the same per
// pool: a pool unused for IDLE_SECONDS, or older than MAX_LIFETIME_SECONDS, is ended gracefully.
import postgres, { type Sql } from 'postgres';
import { databaseConfig } from './config.ts';
import { guardPostgresWriteAfterClose } from './process-guard.ts';

const IDLE_SECONDS = 30;
const MAX_LIFETIME_SECONDS = 30 * 60;
/** How long a pool retired after a lost connection lets its running work finish. */
const RETIRE_GRACE_SECONDS = 5;
/** The same for a pool ended because it was idle or old: nothing is lost, only the end is bounded. */
const END_GRACE_SECONDS = 60;

guardPostgresWriteAfterClose();

interface Pool {
  sql: Sql;
  createdAt: number;
  lastUsed: number;
  idleTimer?: ReturnType<typeof setTimeout>;
}

let pool: Pool | undefined;
let handle: Sql | undefined;

function createPool(): Pool {
  const created: Pool = {
    createdAt: Date.now(),
    lastUsed: Date.now(),
    sql: postgres(databaseConfig().url, {
      max: 4,
      prepare: databaseConfig().prepare,
      idle_timeout: 0,
      max_lifetime: 0,
      connect_timeout: 5,
      onnotice: () => {},
      // Runs synchronously inside postgres.js when a connection of this pool closes: lost (the
      // server or the network went away, a connect attempt failed or timed out). Closes caused by
      // ending the pool come after it was retired and change nothing.
      onclose: () => retire(created, RETIRE_GRACE_SECONDS),
    }),
  };
  armIdleTimer(created);
  return created;
}

/** Takes a pool out of service; the next query gets a new one. */
function retire(retiring: Pool | undefined, graceSeconds: number): Promise<void> {
  if (!retiring || pool !== retiring) return Promise.resolve();
  pool = undefined;
  clearTimeout(retiring.idleTimer);
  return retiring.sql.end({ timeout: graceSeconds }).catch(() => {});
}

function armIdleTimer(p: Pool): void {
  const idleFor = Date.now() - p.lastUsed;
  if (idleFor >= IDLE_SECONDS * 1000) {
    void retire(p, END_GRACE_SECONDS);
    return;
  }
  p.idleTimer = setTimeout(() => armIdleTimer(p), IDLE_SECONDS * 1000 - idleFor);
  // Never keep a script (scripts/app-store-reconcile.ts runs this under Node) alive for it.
  const timer = p.idleTimer as unknown as { unref?: () => void } | number;
  if (typeof timer === 'object') timer.unref?.();
  else (globalThis as { Deno?: { unrefTimer?: (id: number) => void } }).Deno?.unrefTimer?.(timer);
}

function current(): Sql {
  if (pool && Date.now() - pool.createdAt > MAX_LIFETIME_SECONDS * 1000) void retire(pool, END_GRACE_SECONDS);
  pool ??= createPool();
  pool.lastUsed = Date.now();
  return pool.sql;
}

/** The database, through the current pool. `db().end()` ends that pool (scripts call it when done). */
export function db(): Sql {
  handle ??= new Proxy((() => {}) as unknown as Sql, {
    apply: (_target, thisArg, args) => Reflect.apply(current() as unknown as (...a: unknown[]) => unknown, thisArg, args),
    get: (_target, property) => {
      if (property === 'end') return (options?: { timeout?: number }) => retire(pool, options?.timeout ?? END_GRACE_SECONDS);
      const target = current();
      const value = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
    has: (_target, property) => Reflect.has(current(), property),
  });
  return handle;
}
